; Ctrl+Break (Ctrl+Pause on the 101-key keyboard: E0 46): IRQ 1 calls INT 1Bh (hooked
; here, counted), sets bit 7 of 40:71h and stores the key 0000h; the next key follows.
%include "optrom.inc"
OPTROM_START
    xor ax, ax
    mov es, ax
    mov byte [es:0600h], 0
    cli
    mov word [es:1Bh * 4], brk_hook
    mov [es:1Bh * 4 + 2], cs
    sti
    mov ah, 01h
    xor dx, dx
    mov al, 't'                     ; "t" on COM1: -send-keys-after starts typing
    int 14h
    mov ah, 10h
    int 16h
    call hex16
    call space
    mov ah, 10h
    int 16h
    call hex16
    call space
    mov al, [es:0600h]
    call hex8
    mov ax, 40h
    mov es, ax
    mov al, [es:71h]
    call space
    call hex8
    call newline
    STOP
brk_hook:
    push ds
    push ax
    xor ax, ax
    mov ds, ax
    inc byte [0600h]
    pop ax
    pop ds
    iret
OPTROM_LIBRARY
OPTROM_END
