; fonts.asm: the code page 437 glyph tables for INT 10h AH=11h (load a font into the
; VGA's plane 2 at mode set, and AX=1130h's pointers) and INT 1Fh / INT 43h. The
; glyphs are generated (firmware/fonts/make-fonts.py; origin and licence in
; firmware/README.md). The 8x8 table's first half sits at the fixed F000:FA6Eh, so
; bios.asm places it; its second half (INT 1Fh) is here.

%include "fonts/font8x8.inc"

font8x8_high:
    FONT8X8_HIGH
font8x14:
%include "fonts/font8x14.inc"
font8x16:
%include "fonts/font8x16.inc"
