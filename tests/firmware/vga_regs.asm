; INT 10h against the VGA itself (run only where devices/video/vga.c exists): the
; registers each mode set programs, read back through the ports (misc output at 3CCh,
; sequencer, CRTC, graphics controller, attribute controller), the default DAC, and the
; palette functions of AH=10h that change them.
%include "optrom.inc"

OPTROM_START
    PRINTS "mode 3"
    call newline
    call show_registers
    mov ax, 0013h
    int 10h
    PRINTS "mode 13h"
    call newline
    call show_registers
    ; the default 256-colour DAC: entries 0Fh (white), 10h (black), 1Fh (white), 20h
    ; (blue), F8h (black)
    PRINTS "dac"
    mov bl, 0Fh
    call show_dac
    mov bl, 10h
    call show_dac
    mov bl, 1Fh
    call show_dac
    mov bl, 20h
    call show_dac
    mov bl, 0F8h
    call show_dac
    call newline
    mov ax, 0003h
    int 10h
    ; AH=10h: DAC 5 = (1, 2, 3) and read back; palette register 1 = 3Fh and read back;
    ; blink off (AC 10h bit 3)
    mov ax, 1010h
    mov bx, 5
    mov dh, 1
    mov cx, 0203h
    int 10h
    mov ax, 1015h
    mov bx, 5
    xor cx, cx
    xor dx, dx
    int 10h
    PRINTS "dac 5 "
    mov al, dh
    call hex8
    mov al, ch
    call hex8
    mov al, cl
    call hex8
    mov ax, 1000h
    mov bx, 3F01h
    int 10h
    mov ax, 1007h
    mov bl, 01h
    int 10h
    PRINTS " palette 1 "
    mov al, bh
    call hex8
    mov ax, 1003h
    xor bl, bl
    int 10h
    mov al, 10h
    call ac_read
    PRINTS " mode control "
    call hex8
    call newline
    ; blocks: DAC 10h-11h from a table (AX=1012h) and back (1017h); all 16 palette
    ; registers and the border (1002h) and back (1009h)
    push cs
    pop es
    mov ax, 1012h
    mov bx, 10h
    mov cx, 2
    mov dx, dac_block
    int 10h
    xor ax, ax
    mov es, ax
    mov ax, 1017h
    mov bx, 10h
    mov cx, 2
    mov dx, 0600h
    int 10h
    PRINTS "dac block"
    mov si, 0600h
    mov cx, 6
    call show_bytes
    push cs
    pop es
    mov ax, 1002h
    mov dx, palette_all
    int 10h
    xor ax, ax
    mov es, ax
    mov ax, 1009h
    mov dx, 0610h
    int 10h
    PRINTS "palette all"
    mov si, 0610h
    mov cx, 17
    call show_bytes
    ; the cursor and page registers: AH=01h (CGA lines 0-7: a full block of the 16-line
    ; cell; 20h: hidden), AH=02h, AH=05h (page 1 starts at word 800h)
    mov ah, 01h
    mov cx, 0007h
    int 10h
    PRINTS "cursor lines"
    mov dx, 3D4h
    mov bl, 0Ah
    call show_one
    mov bl, 0Bh
    call show_one
    mov ah, 01h
    mov cx, 2000h
    int 10h
    mov bl, 0Ah
    call show_one
    mov ah, 02h
    xor bh, bh
    mov dx, 050Ah
    int 10h
    PRINTS " position"
    mov dx, 3D4h
    mov bl, 0Eh
    call show_one
    mov bl, 0Fh
    call show_one
    mov ax, 0501h
    int 10h
    PRINTS " page 1 start"
    mov dx, 3D4h
    mov bl, 0Ch
    call show_one
    mov bl, 0Dh
    call show_one
    mov ax, 0500h
    int 10h
    call newline
    ; a user glyph (AX=1100h: ES:BP, CX = 1 glyph, DX = character 80h, BL = block 0,
    ; BH = 16 bytes)
    push cs
    pop es
    push bp
    mov bp, user_glyph
    mov ax, 1100h
    mov bx, 1000h
    mov cx, 1
    mov dx, 80h
    int 10h
    pop bp
    ; the 8x16 font in plane 2: 'A' at 41h * 32, read with read map 2, odd/even off
    mov dx, 3CEh
    mov ax, 0204h
    call write_indexed
    mov ax, 0005h
    call write_indexed
    mov ax, 0406h
    call write_indexed
    mov dx, 3C4h
    mov ax, 0704h
    call write_indexed
    mov ax, 0A000h
    mov es, ax
    mov si, 41h * 32
    PRINTS "plane 2 A"
    mov cx, 16
    call show_bytes
    PRINTS "plane 2 80h"
    mov si, 80h * 32
    mov cx, 16
    call show_bytes
    mov dx, 3C4h
    mov ax, 0304h
    call write_indexed
    mov dx, 3CEh
    mov ax, 0004h
    call write_indexed
    mov ax, 1005h
    call write_indexed
    mov ax, 0E06h
    call write_indexed
    PRINTS "vga done"
    call newline
    STOP

show_registers:
    PRINTS "misc "
    mov dx, 3CCh
    in al, dx
    call hex8
    call newline
    PRINTS "seq"
    mov dx, 3C4h
    mov cx, 5
    call show_indexed
    PRINTS "crtc"
    mov dx, 3D4h
    mov cx, 25
    call show_indexed
    PRINTS "gc"
    mov dx, 3CEh
    mov cx, 9
    call show_indexed
    PRINTS "ac"
    mov bl, 0
.ac:
    mov al, bl
    call ac_read
    call space
    call hex8
    inc bl
    cmp bl, 15h
    jb .ac
    call newline
    ret

; Registers 0 .. CX-1 of the index/data pair at DX.
show_indexed:
    xor bl, bl
.next:
    mov al, bl
    out dx, al
    inc dx
    in al, dx
    dec dx
    call space
    call hex8
    inc bl
    loop .next
    call newline
    ret

; AL = attribute register AL (the display left on).
ac_read:
    push dx
    mov ah, al
    mov dx, 3DAh
    in al, dx
    mov dx, 3C0h
    mov al, ah
    or al, 20h
    out dx, al
    mov dx, 3C1h
    in al, dx
    push ax
    mov dx, 3DAh
    in al, dx
    pop ax
    pop dx
    ret

; DAC entry BL as three hex bytes.
show_dac:
    mov dx, 3C7h
    mov al, bl
    out dx, al
    mov dx, 3C9h
    call space
    mov cx, 3
.channel:
    in al, dx
    call hex8
    loop .channel
    ret

; Register BL of the index/data pair at DX, after a space.
show_one:
    mov al, bl
    out dx, al
    inc dx
    in al, dx
    dec dx
    call space
    jmp hex8

; Register AL of the index/data pair at DX = AH.
write_indexed:
    out dx, al
    inc dx
    mov al, ah
    out dx, al
    dec dx
    ret

; CX bytes at ES:SI, then a new line.
show_bytes:
    mov al, [es:si]
    call space
    call hex8
    inc si
    loop show_bytes
    jmp newline

user_glyph: db 0FFh, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 81h, 0FFh
dac_block: db 01h, 02h, 03h, 3Dh, 3Eh, 3Fh
palette_all: db 00h, 3Fh, 3Eh, 3Dh, 3Ch, 3Bh, 3Ah, 39h, 38h, 07h, 06h, 05h, 04h, 03h, 02h, 01h, 2Ah

OPTROM_LIBRARY
OPTROM_END
