; INT 10h as a program sees it: the mode POST left, the BDA's video fields, teletype
; (wrapping at the line's end, scrolling at the screen's, CR/LF/BS), read/write
; character, scrolling a window up and down, write string, the font pointers, the
; configuration queries, and the modes 0, 7 and 13h. The screen is read back from the
; video memory (B8000h).
%include "optrom.inc"

%macro SHOW_BDA_BYTE 2              ; label, offset
    PRINTS %1
    mov al, [es:%2]
    call hex8
    call space
%endmacro
%macro SHOW_BDA_WORD 2
    PRINTS %1
    mov ax, [es:%2]
    call hex16
    call space
%endmacro

OPTROM_START
    mov ah, 0Fh
    int 10h
    PRINTS "mode "
    call hex16
    call space
    mov al, bh
    call hex8
    call newline
    call show_bda

    ; teletype at the last two columns of the last row: A and B fit, C wraps to a new
    ; line, which scrolls the screen up; the T put on row 1 moves to row 0
    mov ax, 0900h + 'T'
    mov bx, 001Eh
    mov cx, 1
    mov dx, 0100h
    call set_cursor_call            ; (cursor to row 1)
    int 10h
    mov dx, 184Eh
    call set_cursor_call
    mov si, text_abc
    call teletype
    call show_cursor
    PRINTS "row 0 "
    xor di, di
    mov cx, 1
    call show_cells
    PRINTS "row 23 "
    mov di, (23 * 80 + 78) * 2
    mov cx, 2
    call show_cells
    PRINTS "row 24 "
    mov di, 24 * 80 * 2
    mov cx, 2
    call show_cells
    ; CR, BS at column 0, BEL (the speaker, 2 ticks), LF on the last row (scrolls again)
    mov si, text_controls
    call teletype
    call show_cursor
    mov ah, 08h
    xor bh, bh
    int 10h
    PRINTS "read "
    call hex16
    call newline

    ; a window scrolled up by one: M on row 6 moves to row 5, row 7 is blanked with 4Fh
    mov dx, 060Ah
    call set_cursor_call
    mov ax, 0A00h + 'M'
    mov cx, 1
    int 10h
    mov ax, 0601h
    mov bh, 4Fh
    mov cx, 050Ah
    mov dx, 0714h
    int 10h
    PRINTS "up "
    mov di, (5 * 80 + 10) * 2
    mov cx, 1
    call show_cells
    PRINTS "up "
    mov di, (7 * 80 + 10) * 2
    mov cx, 1
    call show_cells
    ; and down by two: M on row 5 moves to row 7
    mov ax, 0702h
    mov bh, 1Fh
    mov cx, 050Ah
    mov dx, 0714h
    int 10h
    PRINTS "down "
    mov di, (7 * 80 + 10) * 2
    mov cx, 1
    call show_cells
    PRINTS "down "
    mov di, (5 * 80 + 10) * 2
    mov cx, 1
    call show_cells

    ; write string with attributes at row 10, the cursor moved after it
    mov ax, cs
    mov es, ax
    mov ax, 1303h
    xor bh, bh
    mov cx, 2
    mov dx, 0A00h
    push bp
    mov bp, text_pairs
    int 10h
    pop bp
    call show_cursor
    PRINTS "string "
    mov di, 10 * 80 * 2
    mov cx, 2
    call show_cells

    ; the font pointers
    mov ax, 1130h
    mov bh, 03h
    push bp
    int 10h
    mov ax, bp
    pop bp
    PRINTS "font 8x8 "
    call show_pointer
    mov ax, 1130h
    mov bh, 06h
    push bp
    int 10h
    mov ax, bp
    pop bp
    PRINTS "font 8x16 "
    call show_pointer
    ; the 8x16 'A'
    mov si, ax
    add si, 41h * 16
    mov cx, 16
    PRINTS "glyph A"
.glyph:
    call space
    mov al, [es:si]
    call hex8
    inc si
    loop .glyph
    call newline

    mov ah, 12h
    mov bl, 10h
    int 10h
    PRINTS "ega info "
    mov ax, bx
    call hex16
    call space
    mov ax, cx
    call hex16
    call newline
    mov ax, 1A00h
    int 10h
    PRINTS "display "
    call hex8
    call space
    mov ax, bx
    call hex16
    call newline
    xor ax, ax
    mov es, ax
    mov ah, 1Bh
    xor bx, bx
    mov di, 0600h
    int 10h
    PRINTS "state "
    call hex8
    mov cx, 8
    mov si, 0604h
.state:
    call space
    mov al, [es:si]
    call hex8
    inc si
    loop .state
    PRINTS " rows "
    mov al, [es:0622h]
    call hex8
    call newline

    ; 30 lines of teletype after a mode set: the screen shows lines 7 to 30
    mov ax, 0003h
    int 10h
    mov cx, 1
.line:
    mov si, text_line_prefix
    call teletype
    mov ax, cx
    call teletype_decimal
    mov si, text_crlf
    call teletype
    inc cx
    cmp cx, 30
    jbe .line
    PRINTS "top "
    xor di, di
    mov cx, 7
    call show_chars
    PRINTS "bottom "
    mov di, 23 * 80 * 2
    mov cx, 7
    call show_chars

    ; the ROM fonts loaded with the rows recomputed: 8x8 (50 rows), 8x14 (28), 8x16 (25)
    mov ax, 1112h
    xor bl, bl
    int 10h
    call show_bda
    mov ax, 1111h
    xor bl, bl
    int 10h
    call show_bda
    mov ax, 1114h
    xor bl, bl
    int 10h
    call show_bda

    ; mode 0, then 7, then 13h
    mov ax, 0000h
    int 10h
    call show_bda
    mov ax, 0007h
    int 10h
    call show_bda
    PRINTS "equipment "
    int 11h
    call hex16
    call space
    mov ax, 0B000h
    mov es, ax
    mov ax, [es:0]
    call hex16
    call newline
    mov ax, 0013h
    int 10h
    call show_bda
    mov ax, 0C05h
    mov cx, 10
    mov dx, 20
    int 10h
    mov ax, 0D00h
    int 10h
    PRINTS "pixel "
    call hex8
    mov ax, 0A000h
    mov es, ax
    mov al, [es:20 * 320 + 10]
    call space
    call hex8
    call newline
    ; teletype in mode 13h draws the 8x8 glyph in colour BL: 'A' at the top left, its
    ; rows read back from the pixels as bit masks
    mov ax, 0E41h
    mov bx, 000Eh
    int 10h
    PRINTS "glyph 13h"
    mov ax, 0A000h
    mov es, ax
    xor di, di
    mov cx, 8
.glyph_row:
    push cx
    xor ah, ah
    mov cx, 8
.glyph_pixel:
    shl ah, 1
    cmp byte [es:di], 0Eh
    jne .glyph_next
    or ah, 1
.glyph_next:
    inc di
    loop .glyph_pixel
    add di, 320 - 8
    call space
    mov al, ah
    call hex8
    pop cx
    loop .glyph_row
    call newline
    mov ax, 0003h
    int 10h
    PRINTS "video done"
    call newline
    STOP

; The cursor to DX on page 0 (keeps AX, BX, CX).
set_cursor_call:
    push ax
    push bx
    mov ah, 02h
    xor bh, bh
    int 10h
    pop bx
    pop ax
    ret

; Teletype of the zero-terminated CS:SI.
teletype:
    push ax
    push bx
    push si
.next:
    mov al, [cs:si]
    inc si
    test al, al
    jz .done
    mov ah, 0Eh
    xor bx, bx
    int 10h
    jmp short .next
.done:
    pop si
    pop bx
    pop ax
    ret

; Teletype of AX in decimal (AX < 100).
teletype_decimal:
    push ax
    push bx
    mov bl, 10
    div bl
    push ax
    test al, al
    jz .units
    add al, '0'
    mov ah, 0Eh
    xor bh, bh
    int 10h
.units:
    pop ax
    mov al, ah
    add al, '0'
    mov ah, 0Eh
    xor bh, bh
    int 10h
    pop bx
    pop ax
    ret

show_cursor:
    mov ah, 03h
    xor bh, bh
    int 10h
    PRINTS "cursor "
    mov ax, dx
    call hex16
    call space
    mov ax, cx
    call hex16
    call newline
    ret

; CX cells (character, attribute) at B800:DI.
show_cells:
    push es
    mov ax, 0B800h
    mov es, ax
.next:
    mov ax, [es:di]
    call hex16
    call space
    add di, 2
    loop .next
    call newline
    pop es
    ret

; CX characters at B800:DI, as text.
show_chars:
    push es
    mov ax, 0B800h
    mov es, ax
.next:
    mov al, [es:di]
    call putc
    add di, 2
    loop .next
    call newline
    pop es
    ret

; ES:AX, CX and DL as 1130h returns them.
show_pointer:
    push ax
    mov ax, es
    call hex16
    mov al, ':'
    call putc
    pop ax
    call hex16
    call space
    push ax
    mov ax, cx
    call hex16
    call space
    mov al, dl
    call hex8
    call newline
    pop ax
    ret

show_bda:
    push es
    mov ax, 40h
    mov es, ax
    SHOW_BDA_BYTE "bda mode ", 49h
    SHOW_BDA_WORD "cols ", 4Ah
    SHOW_BDA_WORD "page ", 4Ch
    SHOW_BDA_WORD "cursor ", 60h
    SHOW_BDA_WORD "crtc ", 63h
    SHOW_BDA_BYTE "rows ", 84h
    SHOW_BDA_WORD "height ", 85h
    call newline
    pop es
    ret

text_abc: db "ABC", 0
text_controls: db 13, 8, 7, 10, 0
text_pairs: db 'H', 2Ah, 'i', 2Bh
text_line_prefix: db "line ", 0
text_crlf: db 13, 10, 0

OPTROM_LIBRARY
OPTROM_END
