; The CMOS checksum check: the first time this ROM runs it breaks the checksum (CMOS
; 2Fh) and restarts the machine at the reset vector; the POST that follows must report
; the error and set bit 6 of the diagnostic byte (CMOS 0Eh), which this ROM, run again,
; prints before it halts.
%include "optrom.inc"

OPTROM_START
    mov al, 0Eh
    call cmos_read
    test al, 40h
    jnz .second_run
    PRINTS "breaking the checksum"
    call newline
    mov al, 2Fh
    call cmos_read
    not al
    mov ah, al
    mov al, 2Fh
    call cmos_write
    cli
    jmp 0F000h:0FFF0h
.second_run:
    PRINTS "diagnostic "
    call hex8
    call newline
    STOP

cmos_read:
    out 70h, al
    in al, 71h
    ret

cmos_write:
    out 70h, al
    mov al, ah
    out 71h, al
    ret

OPTROM_LIBRARY
OPTROM_END
