; The option ROM scan: built twice, once with its checksum fixed (romsum.sh) and once
; with a wrong one (-DBAD_CHECKSUM). The good one prints and returns to the BIOS, which
; goes on to boot; the bad one must never run: if it did, it would halt the machine.
%include "optrom.inc"

OPTROM_START
%ifdef BAD_CHECKSUM
    PRINTS "bad ROM ran"
    call newline
    STOP
%else
    PRINTS "good ROM ran at "
    mov ax, cs
    call hex16
    call newline
    OPTROM_RETURN
%endif

OPTROM_LIBRARY
%ifdef BAD_CHECKSUM
    db 1                            ; the checksum byte (0) plus this: never sums to 0
%endif
OPTROM_END
