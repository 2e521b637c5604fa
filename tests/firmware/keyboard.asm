; INT 16h and IRQ 1 as a program sees them, with keys typed by -send-keys once "type
; now" is on COM1: the key codes (plain, shifted, Ctrl, Alt, Caps Lock, a gray arrow
; read both ways, F11), AH=05h (store a key), AH=01h/11h on an empty buffer, the shift
; flags and LEDs, the typematic rate, and the INT 15h AH=4Fh intercept each scan code
; passes through.
%include "optrom.inc"

%define KEYS 10

OPTROM_START
    ; count the intercept calls: INT 15h hooked, the BIOS's handler chained
    xor ax, ax
    mov es, ax
    mov ax, [es:15h * 4]
    mov [es:0600h], ax
    mov ax, [es:15h * 4 + 2]
    mov [es:0602h], ax
    mov word [es:0604h], 0
    cli
    mov word [es:15h * 4], int15_hook
    mov [es:15h * 4 + 2], cs
    sti

    mov ax, 0305h                   ; typematic: 500 ms, 10 per second
    mov bx, 010Ch
    int 16h
    mov ah, 01h
    int 16h
    PRINTS "empty "
    call print_zf
    mov ah, 11h
    int 16h
    call print_zf
    call newline

    mov si, text_type_now
    call print_both
    mov cx, KEYS
.read:
    mov ah, 10h
    int 16h
    call hex16
    call space
    loop .read
    call newline
    ; the gray arrow again, through AH=00h: its 84-key code
    mov ah, 00h
    int 16h
    PRINTS "standard "
    call hex16
    call newline
    mov ah, 05h
    mov cx, 1234h
    int 16h
    PRINTS "stored "
    call hex8
    mov ah, 01h
    int 16h
    call space
    call print_zf
    call space
    call hex16
    mov ah, 00h
    int 16h
    call space
    call hex16
    call newline
    mov ah, 02h
    int 16h
    PRINTS "flags "
    call hex8
    mov ah, 12h
    int 16h
    call space
    call hex16
    mov ax, 40h
    mov es, ax
    mov cx, 1                       ; 100 ms: the last key's release comes in
    mov dx, 86A0h
    mov ah, 86h
    int 15h
    mov al, [es:97h]
    and al, 07h
    PRINTS " leds "
    call hex8
    xor ax, ax
    mov es, ax
    PRINTS " intercepts "
    mov ax, [es:0604h]
    call dec16
    call newline
    PRINTS "keyboard done"
    call newline
    STOP

int15_hook:
    cmp ah, 4Fh
    jne .chain
    push ds
    push ax
    xor ax, ax
    mov ds, ax
    inc word [0604h]
    pop ax
    pop ds
.chain:                             ; to the BIOS's handler saved at 0000:0600h
    push ax
    push ax
    push bp
    mov bp, sp
    push ds
    push ax
    xor ax, ax
    mov ds, ax
    mov ax, [0600h]
    mov [bp + 2], ax
    mov ax, [0602h]
    mov [bp + 4], ax
    pop ax
    pop ds
    pop bp
    retf

; Prints "ZF=x".
print_zf:
    push ax
    pushf
    PRINTS "ZF="
    popf
    mov al, '0'
    jnz .out
    inc al
.out:
    call putc
    pop ax
    ret

; CS:SI on the debug console and COM1 (INT 14h), so -send-keys-after sees it.
print_both:
    push ax
    push dx
    push si
.next:
    mov al, [cs:si]
    inc si
    test al, al
    jz .done
    call putc
    mov ah, 01h
    xor dx, dx
    int 14h
    jmp short .next
.done:
    pop si
    pop dx
    pop ax
    ret

text_type_now: db "type now", 10, 0

OPTROM_LIBRARY
OPTROM_END
