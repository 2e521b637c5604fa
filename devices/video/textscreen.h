/* A text screen as a person reads it: code page 437, the character set of the IBM PC's
 * character ROM and of the VGA BIOS's fonts, mapped to Unicode, and a screen row as a
 * line of UTF-8. For the frontends (-screen-dump, the screen watch of -exit-on). */
#ifndef VX86_TEXTSCREEN_H
#define VX86_TEXTSCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "vga.h"

/* The Unicode code point the PC shows for a character code: the graphic characters of
 * 01h-1Fh and 7Fh included; 00h shows as a blank and maps to a space. */
uint32_t cp437_to_unicode(uint8_t code);

/* Every code point of the table takes at most 3 bytes of UTF-8. */
#define TEXT_LINE_MAX (VGA_TEXT_MAX_COLS * 3 + 1)
/* Row 'row' of the screen in UTF-8 with trailing spaces trimmed, NUL-terminated, in
 * 'out' (TEXT_LINE_MAX bytes); returns its length. A row past the screen is empty. */
size_t text_screen_row(const struct vga_text *t, unsigned row, char out[TEXT_LINE_MAX]);

#endif
