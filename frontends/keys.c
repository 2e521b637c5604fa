#include "keys.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* HID usage IDs (USB HID Usage Tables, section 10, "Keyboard/Keypad Page"). */
enum {
    HID_A = 0x04, HID_1 = 0x1E, HID_0 = 0x27, HID_ENTER = 0x28, HID_ESC = 0x29, HID_BACKSPACE = 0x2A,
    HID_TAB = 0x2B, HID_SPACE = 0x2C, HID_F1 = 0x3A, HID_LCTRL = 0xE0, HID_LSHIFT = 0xE1, HID_LALT = 0xE2,
};

/* US layout: the key and whether Shift is needed, for printable ASCII from 20h. */
static const struct { uint8_t usage; bool shift; } ascii_keys[95] = {
    [' ' - 32] = { HID_SPACE, false }, ['!' - 32] = { 0x1E, true }, ['"' - 32] = { 0x34, true },
    ['#' - 32] = { 0x20, true }, ['$' - 32] = { 0x21, true }, ['%' - 32] = { 0x22, true },
    ['&' - 32] = { 0x24, true }, ['\'' - 32] = { 0x34, false }, ['(' - 32] = { 0x26, true },
    [')' - 32] = { 0x27, true }, ['*' - 32] = { 0x25, true }, ['+' - 32] = { 0x2E, true },
    [',' - 32] = { 0x36, false }, ['-' - 32] = { 0x2D, false }, ['.' - 32] = { 0x37, false },
    ['/' - 32] = { 0x38, false }, [':' - 32] = { 0x33, true }, [';' - 32] = { 0x33, false },
    ['<' - 32] = { 0x36, true }, ['=' - 32] = { 0x2E, false }, ['>' - 32] = { 0x37, true },
    ['?' - 32] = { 0x38, true }, ['@' - 32] = { 0x1F, true }, ['[' - 32] = { 0x2F, false },
    ['\\' - 32] = { 0x31, false }, [']' - 32] = { 0x30, false }, ['^' - 32] = { 0x23, true },
    ['_' - 32] = { 0x2D, true }, ['`' - 32] = { 0x35, false }, ['{' - 32] = { 0x2F, true },
    ['|' - 32] = { 0x31, true }, ['}' - 32] = { 0x30, true }, ['~' - 32] = { 0x35, true },
};

static const struct { const char *name; uint8_t usage; } special_keys[] = {
    { "enter", HID_ENTER }, { "esc", HID_ESC }, { "backspace", HID_BACKSPACE }, { "tab", HID_TAB },
    { "space", HID_SPACE }, { "capslock", 0x39 }, { "f1", 0x3A }, { "f2", 0x3B }, { "f3", 0x3C },
    { "f4", 0x3D }, { "f5", 0x3E }, { "f6", 0x3F }, { "f7", 0x40 }, { "f8", 0x41 }, { "f9", 0x42 },
    { "f10", 0x43 }, { "f11", 0x44 }, { "f12", 0x45 }, { "printscreen", 0x46 }, { "scrolllock", 0x47 },
    { "pause", 0x48 }, { "insert", 0x49 }, { "home", 0x4A }, { "pageup", 0x4B }, { "delete", 0x4C },
    { "end", 0x4D }, { "pagedown", 0x4E }, { "right", 0x4F }, { "left", 0x50 }, { "down", 0x51 },
    { "up", 0x52 }, { "numlock", 0x53 },
};

const char *keys_special_names(void)
{
    return "enter esc backspace tab space capslock f1-f12 printscreen scrolllock pause\n"
           "insert home pageup delete end pagedown right left down up numlock";
}

static bool char_key(char c, uint8_t *usage, bool *shift)
{
    *shift = false;
    if (c >= 'a' && c <= 'z') {
        *usage = (uint8_t)(HID_A + (c - 'a'));
    } else if (c >= 'A' && c <= 'Z') {
        *usage = (uint8_t)(HID_A + (c - 'A'));
        *shift = true;
    } else if (c >= '1' && c <= '9') {
        *usage = (uint8_t)(HID_1 + (c - '1'));
    } else if (c == '0') {
        *usage = HID_0;
    } else if (c >= 32 && c < 127 && ascii_keys[c - 32].usage) {
        *usage = ascii_keys[c - 32].usage;
        *shift = ascii_keys[c - 32].shift;
    } else {
        return false;
    }
    return true;
}

static bool named_key(const char *name, size_t len, uint8_t *usage)
{
    for (size_t i = 0; i < sizeof special_keys / sizeof special_keys[0]; i++) {
        if (strlen(special_keys[i].name) == len && !strncmp(special_keys[i].name, name, len)) {
            *usage = special_keys[i].usage;
            return true;
        }
    }
    return false;
}

struct key_writer {
    struct key_action *out;
    size_t max, count;
};

static void emit(struct key_writer *w, uint8_t usage, bool press, bool pause)
{
    if (w->out && w->count < w->max)
        w->out[w->count] = (struct key_action){ usage, press, pause };
    w->count++;
}

static void tap(struct key_writer *w, uint8_t usage, uint8_t modifier)
{
    if (modifier)
        emit(w, modifier, true, false);
    emit(w, usage, true, false);
    emit(w, usage, false, false);
    if (modifier)
        emit(w, modifier, false, false);
}

/* Reads one {...} group starting after '{'; returns the length consumed or 0 on error. */
static size_t parse_group(const char *s, struct key_writer *w, char *why, size_t why_size)
{
    const char *close = strchr(s, '}');
    if (!close) {
        snprintf(why, why_size, "'{' at \"%.20s\" has no closing '}'", s - 1);
        return 0;
    }
    size_t len = (size_t)(close - s);
    uint8_t modifier = 0, usage;
    bool shift = false;
    if (len == 4 && !strncmp(s, "wait", 4)) {
        emit(w, 0, false, true);
        return len + 1;
    }
    static const struct { const char *prefix; uint8_t usage; } modifiers[] = {
        { "ctrl-", HID_LCTRL }, { "alt-", HID_LALT }, { "shift-", HID_LSHIFT },
    };
    const char *name = s;
    size_t name_len = len;
    for (size_t i = 0; i < 3; i++) {
        size_t pl = strlen(modifiers[i].prefix);
        if (len > pl && !strncmp(s, modifiers[i].prefix, pl)) {
            modifier = modifiers[i].usage;
            name = s + pl;
            name_len = len - pl;
        }
    }
    if (name_len == 1 && char_key((char)tolower((unsigned char)name[0]), &usage, &shift)) {
        tap(w, usage, modifier);
        return len + 1;
    }
    if (named_key(name, name_len, &usage)) {
        tap(w, usage, modifier);
        return len + 1;
    }
    snprintf(why, why_size, "unknown key {%.*s}", (int)len, s);
    return 0;
}

static bool convert(const char *text, struct key_writer *w, char *why, size_t why_size)
{
    for (const char *p = text; *p;) {
        uint8_t usage;
        bool shift;
        if (*p == '{') {
            size_t n = parse_group(p + 1, w, why, why_size);
            if (!n)
                return false;
            p += n + 1;
            continue;
        }
        char c = *p++;
        if (c == '\\') {
            char e = *p;
            if (e)
                p++;
            if (e == 'n') { tap(w, HID_ENTER, 0); continue; }
            if (e == 't') { tap(w, HID_TAB, 0); continue; }
            if (e == '\\') { tap(w, 0x31, 0); continue; }
            if (e == '{') { tap(w, 0x2F, HID_LSHIFT); continue; }
            snprintf(why, why_size, "unknown escape \\%c", e ? e : '0');
            return false;
        }
        if (c == '\n') { tap(w, HID_ENTER, 0); continue; }
        if (!char_key(c, &usage, &shift)) {
            snprintf(why, why_size, "no key types the character 0x%02X", (unsigned char)c);
            return false;
        }
        tap(w, usage, shift ? HID_LSHIFT : 0);
    }
    return true;
}

bool keys_validate(const char *text, char *why, size_t why_size)
{
    struct key_writer w = { NULL, 0, 0 };
    return convert(text, &w, why, why_size);
}

size_t keys_parse(const char *text, struct key_action *out, size_t max)
{
    char why[160];
    struct key_writer w = { out, max, 0 };
    if (!convert(text, &w, why, sizeof why))
        return 0;
    return w.count;
}
