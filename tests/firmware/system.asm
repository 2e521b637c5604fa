; INT 11h, 12h, 14h, 15h, 17h and 1Ah as a program sees them, on every -cpu level:
; the equipment word, the memory sizes, the configuration table, A20, the block move
; (copies a pattern above 1 MiB and back), the wait, the serial and printer status, the
; tick count and the RTC.
%include "optrom.inc"

OPTROM_START
    int 11h
    PRINTS "equipment "
    call hex16
    call newline
    int 12h
    PRINTS "base KiB "
    call dec16
    call newline
    mov ah, 88h
    int 15h
    PRINTS "extended KiB "
    call dec16
    call newline

    mov ah, 0C0h
    int 15h
    PRINTS "config "
    mov ax, es
    call hex16
    mov al, ':'
    call putc
    mov ax, bx
    call hex16
    mov cx, 6
.config_byte:
    call space
    mov al, [es:bx + 2]
    call hex8
    inc bx
    loop .config_byte
    call newline

    mov ax, 0E801h
    int 15h
    call print_cf
    PRINTS " e801 "
    call hex16
    call space
    mov ax, bx
    call hex16
    call space
    mov ax, cx
    call hex16
    call space
    mov ax, dx
    call hex16
    call newline

    ; A20: support, off, status, on, status
    mov ax, 2403h
    int 15h
    call print_cf
    PRINTS " a20 support "
    mov al, ah
    call hex8
    call space
    mov ax, bx
    call hex16
    call newline
    mov ax, 2400h
    int 15h
    mov ax, 2402h
    int 15h
    call print_cf
    PRINTS " a20 after off "
    call hex16
    call newline
    mov ax, 2401h
    int 15h
    mov ax, 2402h
    int 15h
    call print_cf
    PRINTS " a20 after on "
    call hex16
    call newline

    call block_move_test

    ; a 100 ms wait: the tick count moves by 1 or 2
    mov ah, 00h
    int 1Ah
    mov si, dx
    mov cx, 1
    mov dx, 86A0h                   ; 100000 us
    mov ah, 86h
    int 15h
    call print_cf
    mov ah, 00h
    int 1Ah
    sub dx, si
    PRINTS " wait ticks "
    mov ax, dx
    call dec16
    call newline

    mov ah, 03h                     ; COM1 status
    xor dx, dx
    int 14h
    PRINTS "com1 status "
    call hex16
    call newline
    mov ah, 03h
    mov dx, 4                       ; no such port
    int 14h
    PRINTS "com5 status "
    mov al, ah
    call hex8
    call newline
    mov ax, 0100h + 'Z'             ; sends Z on COM1
    xor dx, dx
    int 14h
    PRINTS "com1 send "
    mov al, ah
    call hex8
    call newline
    mov ah, 02h
    xor dx, dx
    int 17h
    PRINTS "lpt1 status "
    mov al, ah
    call hex8
    call newline

    mov ah, 02h
    int 1Ah
    call print_cf
    PRINTS " time "
    mov ax, cx
    call hex16
    call space
    mov ax, dx
    call hex16
    call newline
    mov ah, 04h
    int 1Ah
    call print_cf
    PRINTS " date "
    mov ax, cx
    call hex16
    call space
    mov ax, dx
    call hex16
    call newline
    mov ah, 00h
    int 1Ah
    PRINTS "ticks "
    mov ax, cx
    call hex16
    mov ax, dx
    call hex16
    call newline
    PRINTS "system done"
    call newline
    STOP

; INT 15h AH=87h: 8 words of this ROM to 110000h, then back to 0000:0600h. The BIOS
; writes into the GDT, so both go to RAM at 0000:0700h first.
block_move_test:
    xor ax, ax
    mov es, ax
    mov word [es:0600h], 0
    mov si, gdt_out
    mov di, 0700h
    mov cx, 2 * 48
    rep movsb
    mov si, 0700h
    mov cx, 8
    mov ah, 87h
    int 15h
    call print_cf
    PRINTS " move out "
    mov al, ah
    call hex8
    xor ax, ax
    mov es, ax
    mov si, 0700h + 48
    mov cx, 8
    mov ah, 87h
    int 15h
    PRINTS " back "
    mov al, ah
    call hex8
    PRINTS " copied "
    xor ax, ax
    mov es, ax
    mov si, 0600h
    mov cx, 8
.show:
    mov al, [es:si]
    test al, al
    jnz .printable
    mov al, '.'
.printable:
    call putc
    inc si
    loop .show
    call newline
    ret

; The GDTs: dummy, GDT, source, destination, BIOS code, stack (Ralf Brown, INT 15h
; AH=87h). The ROM is at C8000h; the pattern at pattern's offset in it.
%macro DESCRIPTOR 1                 ; a 64 KiB data segment at linear %1
    dw 0FFFFh
    dw (%1) & 0FFFFh
    db ((%1) >> 16) & 0FFh
    db 93h
    dw 0
%endmacro
pattern: db "vx86move"
gdt_out:
    times 16 db 0
    DESCRIPTOR 0C8000h + (pattern - $$)
    DESCRIPTOR 110000h
    times 16 db 0
gdt_back:
    times 16 db 0
    DESCRIPTOR 110000h
    DESCRIPTOR 000600h
    times 16 db 0

OPTROM_LIBRARY
OPTROM_END
