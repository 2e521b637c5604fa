; CMOS RAM kept in a file (-cmos): prints NVRAM byte 40h, then increments it. Two runs
; on the same file print 00 and 01 (tests/roms/cmos-file.sh).
%include "rom.inc"

ROM_START
    mov al, 40h
    out 70h, al
    in al, 71h
    mov bl, al
    PRINT msg_value
    call print_hex8
    call newline
    mov al, 40h
    out 70h, al
    mov al, bl
    inc al
    out 71h, al
    call console_flush
    STOP

ROM_LIBRARY
msg_value: db "cmos 40h = ", 0
ROM_END
