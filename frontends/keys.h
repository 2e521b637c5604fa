/* The -send-keys notation, turned into key presses and releases by USB HID usage ID
 * (the frontend-neutral key code the keyboard model takes). */
#ifndef VX86_KEYS_H
#define VX86_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct key_action {
    uint8_t usage;   /* HID usage; 0 with 'pause' */
    bool press;      /* press or release */
    bool pause;      /* {wait}: 100 ms of guest time */
};

/* Checks the notation; on error 'why' says what and where. */
bool keys_validate(const char *text, char *why, size_t why_size);
/* Converts a validated string: stores at most max actions in out (which may be NULL
 * when max is 0) and returns how many the string has, as snprintf does: a first call
 * with no room counts them, to size the array. */
size_t keys_parse(const char *text, struct key_action *out, size_t max);
/* The {NAME} keys, for -help. */
const char *keys_special_names(void);

#endif
