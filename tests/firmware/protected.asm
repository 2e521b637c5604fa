; INT 15h AH=89h on a 286 or 386: the BIOS loads the program's GDT and IDT, moves the
; interrupt controllers' vectors to BH and BL, enters protected mode and returns to the
; caller with CS = 30h, DS = 18h, ES = 20h, SS = 28h. The program checks where it
; landed (the machine status word's PE bit, its selectors, a read through DS) and halts.
%include "optrom.inc"

%define GDT_AT 0800h                ; the GDT and IDT in RAM at 0000:0800h

%macro DESCRIPTOR 3                 ; base, limit, access
    dw (%2)
    dw (%1) & 0FFFFh
    db ((%1) >> 16) & 0FFh
    db (%3)
    dw 0
%endmacro

OPTROM_START
cpu 286
    xor ax, ax
    mov es, ax
    mov si, gdt
    mov di, GDT_AT
    mov cx, gdt_end - gdt
    rep movsb
    mov word [es:0900h], 0A55Ah     ; DS's first word
    mov si, GDT_AT
    mov bx, 2028h                   ; IRQ 0-7 at 20h, 8-15 at 28h
    mov ah, 89h
    int 15h
    jc .failed
    ; protected mode, CS = 30h: this ROM
    smsw ax
    mov bx, ax
    mov ax, cs
    mov cx, ds
    mov dx, ss
    mov si, [0]                     ; DS = 18h: base 900h
    PRINTS "pm "                    ; (PRINTS reads through CS: readable code)
    mov ax, bx
    and ax, 1
    call hex8
    call space
    mov ax, cs
    call hex16
    call space
    mov ax, cx
    call hex16
    call space
    mov ax, es
    call hex16
    call space
    mov ax, dx
    call hex16
    call space
    mov ax, si
    call hex16
    call newline
    STOP
.failed:
    PRINTS "89h failed "
    mov al, ah
    call hex8
    call newline
    STOP
cpu 8086

gdt:
    times 8 db 0
    DESCRIPTOR GDT_AT, 8 * 8 - 1, 93h           ; 08h: the GDT
    DESCRIPTOR GDT_AT + 8 * 8, 8 * 48 - 1, 93h  ; 10h: the IDT (48 gates, all zero)
    DESCRIPTOR 0900h, 0FFFFh, 93h               ; 18h: DS
    DESCRIPTOR 0B8000h, 0FFFFh, 93h             ; 20h: ES
    DESCRIPTOR 0, 0FFFFh, 93h                   ; 28h: SS (the BIOS's stack)
    DESCRIPTOR 0C8000h, 0FFFFh, 9Bh             ; 30h: CS, this ROM
    times 8 db 0                                ; 38h: the BIOS's CS (it fills it in)
gdt_end:

OPTROM_LIBRARY
OPTROM_END
