; Unassigned I/O ports: reads of a port nothing decodes return all ones (an undriven ISA
; bus), writes go nowhere. Touches port 2F0h twice each way; with -d unimp, vx86 logs
; each port once.
%include "rom.inc"

ROM_START
    mov dx, 2F0h
    in al, dx
    in al, dx
    mov bl, al
    mov dx, 2F1h
    out dx, al
    out dx, al
    in ax, dx                   ; a word read of two unassigned ports: FFFFh
    mov cx, ax
    PRINT msg_value
    mov al, bl
    call print_hex8
    mov al, ' '
    call console_put
    mov ax, cx
    call print_hex16
    call newline
    call console_flush
    STOP

ROM_LIBRARY
msg_value: db "value ", 0
ROM_END
