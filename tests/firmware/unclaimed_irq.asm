; An interrupt nobody claimed goes to the BIOS's default handler, which notes it in
; 40:6Bh and ends it: COM2 is made to interrupt (THR empty, IRQ 3 unmasked, no handler
; installed); afterwards 40:6Bh holds 08h (IR3 was in service) and the master PIC's
; in-service register is clear again.
%include "optrom.inc"

OPTROM_START
    mov ax, 40h
    mov es, ax
    mov byte [es:6Bh], 0
    cli
    in al, 21h
    and al, 0F7h                    ; IRQ 3 on
    out 21h, al
    mov dx, 2F8h + 4
    mov al, 08h                     ; OUT2: the UART's interrupt reaches the PIC
    out dx, al
    mov dx, 2F8h + 1
    mov al, 02h                     ; THR empty interrupt
    out dx, al
    sti
    mov cx, 100
.wait:
    cmp byte [es:6Bh], 0
    jne .seen
    hlt
    loop .wait
.seen:
    cli
    mov dx, 2F8h + 1
    xor al, al
    out dx, al
    in al, 21h
    or al, 08h
    out 21h, al
    mov al, 0Bh
    out 20h, al
    in al, 20h
    mov ah, al
    PRINTS "unclaimed "
    mov al, [es:6Bh]
    call hex8
    PRINTS " isr "
    mov al, ah
    call hex8
    call newline
    STOP

OPTROM_LIBRARY
OPTROM_END
