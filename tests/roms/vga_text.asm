; The VGA's text mode as a program sees it after the BIOS's mode 03h (vx86 resets the
; VGA so): characters and attributes written at B800:0000, the screen scrolled a line
; at a time, the cursor moved through CR0E/CR0F, and characters of code page 437's
; graphic ranges. It starts and ends at a vertical retrace (input status 1 bit 3, as
; DOS programs poll it), and each line stays at the bottom for 40 scan lines (bit 0,
; display disabled, going off 40 times: 40 x 31.8 us, longer than the 1 ms between two
; looks of the screen watch). 28 lines scroll through 25 rows: "line 01" to "line 03"
; leave the top of the screen before the end, and -exit-on must still have seen them.
; Then the top row is overwritten in place ("rewritten" over "line 04"), with no
; scrolling: the watch reads that row again.
; Ends with "vga done" on the debug console and halts.
%include "rom.inc"

%define ROWS 25
%define COLS 80
%define ATTR 07h
%define LINES 27

ROM_START
    mov ax, 0B800h
    mov es, ax
    call clear_screen
    mov cx, 1
    call wait_retrace
.next_line:
    call wait_scan_lines
    call scroll_up
    mov si, line_text
    mov di, (ROWS - 1) * COLS * 2
    call put_string
    mov ax, cx              ; the line number, two decimal digits
    mov bl, 10
    div bl                  ; AL tens, AH units
    mov bh, ah
    add al, '0'
    mov ah, ATTR
    mov [es:di], ax
    mov al, bh
    add al, '0'
    mov [es:di + 2], ax
    inc cx
    cmp cx, LINES + 1
    jb .next_line
    call wait_scan_lines
    call scroll_up
    mov si, done_text
    mov di, (ROWS - 1) * COLS * 2
    call put_string
    ; The cursor after the last character: CR0E/CR0F hold its address in cells.
    mov dx, 3D4h
    mov ax, ((ROWS - 1) * COLS + 20) & 0FF00h | 0Eh
    out dx, ax
    mov ax, (((ROWS - 1) * COLS + 20) & 0FFh) << 8 | 0Fh
    out dx, ax
    ; The top row rewritten in place, no scrolling: the watch reads it again.
    call wait_scan_lines
    mov si, rewritten_text
    xor di, di
    call put_string
    call wait_retrace
    PRINT done_message
    STOP

; Blank cells (space, light grey on black) everywhere.
clear_screen:
    push cx
    push di
    xor di, di
    mov ax, ATTR << 8 | ' '
    mov cx, ROWS * COLS
    rep stosw
    pop di
    pop cx
    ret

; Rows 1-24 up to 0-23, the last row blanked.
scroll_up:
    push cx
    push ds
    push es
    pop ds
    mov si, COLS * 2
    xor di, di
    mov cx, (ROWS - 1) * COLS
    rep movsw
    mov ax, ATTR << 8 | ' '
    mov cx, COLS
    rep stosw
    pop ds
    pop cx
    ret

; Writes the zero-terminated string at DS:SI from ES:DI on, attribute ATTR; DI ends
; after it.
put_string:
    push ax
.char:
    lodsb
    test al, al
    jz .end
    mov ah, ATTR
    stosw
    jmp .char
.end:
    pop ax
    ret

; Waits until a vertical retrace begins.
wait_retrace:
    push ax
    push dx
    mov dx, 3DAh
.in_retrace:
    in al, dx
    test al, 08h
    jnz .in_retrace
.not_yet:
    in al, dx
    test al, 08h
    jz .not_yet
    pop dx
    pop ax
    ret

; Waits for the end of 40 horizontal (or vertical) blanking intervals.
wait_scan_lines:
    push ax
    push cx
    push dx
    mov dx, 3DAh
    mov cx, 40
.blanking:
    in al, dx
    test al, 01h
    jz .blanking
.shown:
    in al, dx
    test al, 01h
    jnz .shown
    loop .blanking
    pop dx
    pop cx
    pop ax
    ret

ROM_LIBRARY

line_text db "line ", 0
; 01h 03h: faces and a heart; B0h-B2h shades; C9h CDh BBh a box's top; E0h-E3h Greek.
done_text db "done ", 01h, 03h, " ", 0B0h, 0B1h, 0B2h, " ", 0C9h, 0CDh, 0BBh, " ", 0E0h, 0E1h, 0E2h, 0E3h, 0
rewritten_text db "rewritten", 0
done_message db "vga done", 10, 0

ROM_END
