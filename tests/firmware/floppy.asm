; The diskette BIOS (firmware/floppy.asm) as a program sees it, on drive A: a 1.44M
; image made by make-floppy.sh (each sector begins "LBAnnnn"). INT 13h AH=00h reset,
; 01h status, 08h parameters, 15h type, 16h change line, 02h reads (one crossing from
; head 0 to head 1: multi-track), 03h write and read back, 04h verify, the 64 KiB DMA
; boundary (09h), a sector that is not there (04h, after the BIOS's retries), 05h
; format and read back, 17h/18h (a 720K medium at 250 kbps cannot be read in this
; drive: 02h; the 1.44M medium again can), and drive B: absent (80h). Run on a
; write-protected image, the write and the format answer 03h.
%include "optrom.inc"

%define BUF_SEG 2000h

; Prints a label, keeping the flags (CF) the call before left.
%macro LABEL 1
    pushf
    PRINTS %1
    popf
%endmacro

%macro CALL13 0
    push es
    mov bx, BUF_SEG
    mov es, bx
    xor bx, bx
    int 13h
    pop es
%endmacro

OPTROM_START
    mov ah, 00h
    xor dl, dl
    int 13h
    LABEL "reset "
    call show_ah
    mov ah, 01h
    xor dl, dl
    int 13h
    LABEL "status "
    call show_ah
    ; AH=08h
    push es
    mov ah, 08h
    xor dl, dl
    int 13h
    LABEL "params "
    call print_cf
    call space
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
    PRINTS " spt "
    mov al, [es:di + 4]
    call hex8
    call newline
    pop es
    ; AH=15h on A: and B:, AH=16h
    mov ah, 15h
    xor dl, dl
    int 13h
    LABEL "type A "
    call show_ah
    mov ah, 15h
    mov dl, 1
    int 13h
    LABEL "type B "
    call show_ah
    mov ah, 16h
    xor dl, dl
    int 13h
    LABEL "change "
    call show_ah
    ; reads: C0 H0 S17, 3 sectors (S17, S18, then head 1 S1); C1 H0 S1, 2 sectors
    mov ax, 0203h
    mov cx, 0011h
    mov dx, 0000h
    call read_show
    mov ax, 0202h
    mov cx, 0101h
    mov dx, 0000h
    call read_show
    ; write C5 H1 S3, read it back
    push es
    mov ax, BUF_SEG
    mov es, ax
    mov di, 0
    mov si, written
    mov cx, written_end - written
.copy:
    mov al, [cs:si]
    mov [es:di], al
    inc si
    inc di
    loop .copy
    pop es
    mov ax, 0301h
    mov cx, 0503h
    mov dx, 0100h
    CALL13
    LABEL "write "
    call show_ax
    call clear_buffer
    mov ax, 0201h
    mov cx, 0503h
    mov dx, 0100h
    call read_show
    ; verify a whole track
    mov ax, 0412h
    mov cx, 0001h
    mov dx, 0000h
    CALL13
    LABEL "verify "
    call show_ax
    ; the DMA boundary: 2000:FF00, 512 bytes cross 30000h
    push es
    mov ax, BUF_SEG
    mov es, ax
    mov bx, 0FF00h
    mov ax, 0201h
    mov cx, 0001h
    mov dx, 0000h
    int 13h
    pop es
    LABEL "boundary "
    call show_ax
    ; sector 19 is not on the track
    mov ax, 0201h
    mov cx, 0013h
    mov dx, 0000h
    CALL13
    LABEL "not found "
    call show_ax
    mov ah, 01h
    xor dl, dl
    int 13h
    LABEL "status "
    call show_ah
    ; format C79 H1: 18 sectors, IDs 79/1/n/2, the table's filler F6h
    push es
    mov ax, BUF_SEG
    mov es, ax
    xor di, di
    mov cx, 1
.id:
    mov byte [es:di], 79
    mov byte [es:di + 1], 1
    mov [es:di + 2], cl
    mov byte [es:di + 3], 2
    add di, 4
    inc cx
    cmp cx, 18
    jbe .id
    pop es
    mov ax, 0512h
    mov cx, 4F00h
    mov dx, 0100h
    CALL13
    LABEL "format "
    call show_ax
    mov ax, 0201h
    mov cx, 4F05h
    mov dx, 0100h
    call read_show
    ; AH=17h/18h: 720K media in this drive, then 1.44M again
    mov ax, 1704h
    xor dl, dl
    int 13h
    LABEL "type 720K "
    call show_ah
    mov ax, 0201h
    mov cx, 0001h
    mov dx, 0000h
    CALL13
    LABEL "read at 250 kbps "
    call show_ax
    mov ax, 1701h
    xor dl, dl
    int 13h
    LABEL "type 360K "
    call show_ah
    push es
    mov ah, 18h
    mov cx, 2709h
    xor dl, dl
    int 13h
    LABEL "media 40/9 "
    call show_ah
    mov ah, 18h
    mov cx, 4F12h
    xor dl, dl
    int 13h
    LABEL "media 80/18 "
    call print_cf
    call space
    mov al, ah
    call hex8
    PRINTS " spt "
    mov al, [es:di + 4]
    call hex8
    call newline
    pop es
    mov ax, 0201h
    mov cx, 0001h
    mov dx, 0000h
    call read_show
    ; drive B: is not there
    mov ax, 0201h
    mov cx, 0001h
    mov dx, 0001h
    CALL13
    LABEL "drive B "
    call show_ax
    PRINTS "floppy done"
    call newline
    STOP

; Reads AL sectors at CX/DX into BUF_SEG:0 and prints CF, AX and each sector's tag.
read_show:
    push ax
    CALL13
    LABEL "read "
    call print_cf
    call space
    call hex16
    pop cx
    xor ch, ch
    push es
    mov ax, BUF_SEG
    mov es, ax
    xor bx, bx
.next:
    call space
    mov si, bx
    push cx
    mov cx, 7
.char:
    mov al, [es:si]
    cmp al, 20h
    jb .hex
    cmp al, 7Eh
    ja .hex
    call putc
    jmp short .shown
.hex:
    call hex8
.shown:
    inc si
    loop .char
    pop cx
    add bx, 512
    loop .next
    pop es
    call newline
    ret

clear_buffer:
    push es
    push di
    push cx
    mov ax, BUF_SEG
    mov es, ax
    xor di, di
    mov cx, 512
    xor al, al
    rep stosb
    pop cx
    pop di
    pop es
    ret

show_ah:
    call print_cf
    call space
    mov al, ah
    call hex8
    jmp newline

show_ax:
    call print_cf
    call space
    call hex16
    jmp newline

written: db "WROTE!!"
written_end:

OPTROM_LIBRARY
OPTROM_END
