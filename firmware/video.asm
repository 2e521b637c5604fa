; video.asm: INT 10h for a VGA: text modes 0-3 and 7, mode 13h, the cursor, scrolling,
; characters, teletype (copied to COM1 with -nographic), write string, the palette and
; DAC, fonts, and the state and configuration queries.
;
; References: Ralf Brown's Interrupt List, INT 10h (every function below); IBM VGA
; Technical Reference and FreeVGA (the register sets of each mode: sequencer 3C4h,
; misc output 3C2h, CRTC 3D4h/3B4h, attribute controller 3C0h, graphics controller
; 3CEh, DAC 3C8h/3C9h; plane 2 holding the fonts); IBM PC/AT Technical Reference
; (VIDEO_IO: teletype's control characters, scrolling with the attribute at the cursor).

%define SEG_GRAPHICS 0A000h
%define SEG_MONO 0B000h
%define SEG_COLOUR 0B800h
%define PORT_SEQ 3C4h
%define PORT_MISC_WRITE 3C2h
%define PORT_AC 3C0h
%define PORT_AC_READ 3C1h
%define PORT_GC 3CEh
%define PORT_DAC_READ_INDEX 3C7h
%define PORT_DAC_WRITE_INDEX 3C8h
%define PORT_DAC_DATA 3C9h
%define CRTC_COLOUR 3D4h
%define CRTC_MONO 3B4h
%define AC_PAS 20h                  ; palette address source: the display on
%define BLANK_CELL 0720h

; Mode kinds.
%define VM_TEXT 0
%define VM_MONO 1
%define VM_GRAPHICS 2

; The caller's registers as int10_handler pushed them, from BP.
%define V_AX 0
%define V_AL 0
%define V_AH 1
%define V_BX 2
%define V_BL 2
%define V_BH 3
%define V_CX 4
%define V_CL 4
%define V_CH 5
%define V_DX 6
%define V_DL 6
%define V_DH 7
%define V_SI 8
%define V_DI 10
%define V_BP 12
%define V_ES 14
%define V_DS 16

int10_handler:
    sti
    cld
    push ds
    push es
    push bp
    push di
    push si
    push dx
    push cx
    push bx
    push ax
    mov bp, sp
    mov si, BDA_SEG
    mov ds, si
    cmp ah, 1Bh
    ja .return
    mov si, ax
    mov al, ah
    xor ah, ah
    xchg ax, si
    shl si, 1
    call [cs:int10_functions + si]
.return:
    pop ax
    pop bx
    pop cx
    pop dx
    pop si
    pop di
    pop bp
    pop es
    pop ds
    iret

int10_functions:
    dw video_set_mode, video_cursor_type, video_set_cursor, video_get_cursor   ; 00-03
    dw video_light_pen, video_set_page, video_scroll_up, video_scroll_down     ; 04-07
    dw video_read_char, video_write_char_attr, video_write_char, video_cga_palette ; 08-0B
    dw video_write_pixel, video_read_pixel, video_teletype, video_get_mode     ; 0C-0F
    dw video_palette, video_font, video_config, video_write_string             ; 10-13
    dw video_none, video_none, video_none, video_none                          ; 14-17
    dw video_none, video_none, video_display_combination, video_state          ; 18-1B
video_none:
    ret

; ---- the modes ----

; mode, register set, kind, columns, rows, character height, page size, segment
%define MODE_ENTRY 10
video_modes:
    db 00h, 0, VM_TEXT, 40, 25, 16
    dw 0800h, SEG_COLOUR
    db 01h, 0, VM_TEXT, 40, 25, 16
    dw 0800h, SEG_COLOUR
    db 02h, 1, VM_TEXT, 80, 25, 16
    dw 1000h, SEG_COLOUR
    db 03h, 1, VM_TEXT, 80, 25, 16
    dw 1000h, SEG_COLOUR
    db 07h, 2, VM_MONO, 80, 25, 16
    dw 1000h, SEG_MONO
    db 13h, 3, VM_GRAPHICS, 40, 25, 8
    dw 0FA00h, SEG_GRAPHICS
    db 0FFh

; Per register set: sequencer 1-4, misc output, CRTC 0-18h, attribute 0-13h, graphics
; 0-8 (the IBM VGA's values for 720x400 text at 70 Hz and 320x200 in 256 colours).
%define VGA_PARAMS 59
%define VP_SEQ 0
%define VP_MISC 4
%define VP_CRTC 5
%define VP_AC 30
%define VP_GC 50
vga_params:
    ; 40x25 text (modes 0, 1)
    db 08h, 03h, 00h, 02h
    db 67h
    db 2Dh, 27h, 28h, 90h, 2Bh, 0A0h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
    db 9Ch, 8Eh, 8Fh, 14h, 1Fh, 96h, 0B9h, 0A3h, 0FFh
    db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
    db 0Ch, 00h, 0Fh, 08h
    db 00h, 00h, 00h, 00h, 00h, 10h, 0Eh, 00h, 0FFh
    ; 80x25 text (modes 2, 3)
    db 00h, 03h, 00h, 02h
    db 67h
    db 5Fh, 4Fh, 50h, 82h, 55h, 81h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
    db 9Ch, 8Eh, 8Fh, 28h, 1Fh, 96h, 0B9h, 0A3h, 0FFh
    db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
    db 0Ch, 00h, 0Fh, 08h
    db 00h, 00h, 00h, 00h, 00h, 10h, 0Eh, 00h, 0FFh
    ; 80x25 monochrome text (mode 7)
    db 00h, 03h, 00h, 02h
    db 0A6h
    db 5Fh, 4Fh, 50h, 82h, 55h, 81h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
    db 9Ch, 8Eh, 8Fh, 28h, 0Fh, 96h, 0B9h, 0A3h, 0FFh
    db 00h, 08h, 08h, 08h, 08h, 08h, 08h, 08h, 10h, 18h, 18h, 18h, 18h, 18h, 18h, 18h
    db 0Eh, 00h, 0Fh, 08h
    db 00h, 00h, 00h, 00h, 00h, 10h, 0Ah, 00h, 0FFh
    ; 320x200 in 256 colours (mode 13h)
    db 01h, 0Fh, 00h, 0Eh
    db 63h
    db 5Fh, 4Fh, 50h, 82h, 54h, 80h, 0BFh, 1Fh, 00h, 41h, 00h, 00h, 00h, 00h, 00h, 00h
    db 9Ch, 8Eh, 8Fh, 28h, 40h, 96h, 0B9h, 0A3h, 0FFh
    db 00h, 01h, 02h, 03h, 04h, 05h, 06h, 07h, 08h, 09h, 0Ah, 0Bh, 0Ch, 0Dh, 0Eh, 0Fh
    db 41h, 00h, 0Fh, 00h
    db 00h, 00h, 00h, 00h, 00h, 40h, 05h, 0Fh, 0FFh

; SI = the entry of mode AL in video_modes; CF = 1 if there is none.
video_find_mode:
    mov si, video_modes
.next:
    cmp byte [cs:si], 0FFh
    je .none
    cmp [cs:si], al
    je .found
    add si, MODE_ENTRY
    jmp short .next
.found:
    clc
    ret
.none:
    stc
    ret

; SI = the entry of the current mode (40:49h); mode 3's if the BDA holds another.
video_current_mode:
    push ax
    mov al, [BDA_VIDEO_MODE]
    call video_find_mode
    jnc .ret
    mov al, 03h
    call video_find_mode
.ret:
    pop ax
    ret

; AH=00h: AL = mode, bit 7 set to keep the video memory.
video_set_mode:
    mov ah, al
    and al, 7Fh
    call video_find_mode
    jc .ret
    mov [BDA_VIDEO_MODE], al
    and ah, 80h
    and byte [BDA_VIDEO_CONTROL], 7Fh
    or [BDA_VIDEO_CONTROL], ah
    push ax
    call video_mode_bda
    mov al, [cs:si + 1]
    mov ah, VGA_PARAMS
    mul ah
    mov bx, ax
    add bx, vga_params
    call vga_program                ; BX = the register set
    call vga_default_palette
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .no_font
    call vga_load_rom_font_16
.no_font:
    pop ax
    test ah, ah
    jnz .keep
    call video_clear_memory
.keep:
    mov cx, 0607h                   ; underline (emulated for 16-line cells)
    mov [BDA_CURSOR_TYPE], cx
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .no_cursor                   ; no text cursor: the table's 0Ah/0Bh stay
    call video_apply_cursor_type
.no_cursor:
    xor bh, bh
    call video_update_cursor
    call video_update_start
.ret:
    ret

; The BDA's video fields for the mode at CS:SI.
video_mode_bda:
    mov al, [cs:si + 3]
    xor ah, ah
    mov [BDA_VIDEO_COLUMNS], ax
    mov al, [cs:si + 4]
    dec al
    mov [BDA_VIDEO_ROWS], al
    mov al, [cs:si + 5]
    mov [BDA_CHAR_HEIGHT], ax
    mov ax, [cs:si + 6]
    mov [BDA_VIDEO_PAGE_SIZE], ax
    xor ax, ax
    mov [BDA_VIDEO_PAGE_START], ax
    mov [BDA_VIDEO_ACTIVE_PAGE], al
    mov di, BDA_CURSOR_POS
    mov cx, 8
.clear_cursors:
    mov [di], ax
    add di, 2
    loop .clear_cursors
    ; CGA mode-control values (PC/AT VIDEO_PARMS' M7 table), colour select 30h
    mov bl, [BDA_VIDEO_MODE]
    and bx, 07h
    mov al, [cs:video_6845_params + 64 + 8 + 8 + bx]
    mov [BDA_VIDEO_MODE_CTL], al
    mov byte [BDA_VIDEO_PALETTE], 30h
    ; the equipment word's video bits and the CRTC address follow colour or mono
    mov ax, [BDA_EQUIPMENT]
    and al, 0CFh
    mov dx, CRTC_COLOUR
    cmp byte [cs:si + 2], VM_MONO
    jne .colour
    or al, 30h
    mov dx, CRTC_MONO
    jmp short .equipment
.colour:
    or al, 20h
.equipment:
    mov [BDA_EQUIPMENT], ax
    mov [BDA_CRTC_BASE], dx
    mov byte [BDA_VIDEO_SWITCHES], 09h
    and byte [BDA_VIDEO_CONTROL], 80h
    or byte [BDA_VIDEO_CONTROL], 60h   ; 256 KiB of video memory
    mov byte [BDA_VGA_FLAGS], 11h      ; VGA active, 400 lines
    mov byte [BDA_VIDEO_DCC], 0Bh
    ret

; Writes the register set at CS:BX to the VGA.
vga_program:
    push si
    ; sequencer: held in reset while the clocking changes
    mov dx, PORT_SEQ
    mov ax, 0100h
    call vga_write_indexed_ah       ; index 0 = 01h: synchronous reset
    mov cx, 4
    mov al, 1
    mov si, bx
.seq:
    mov ah, [cs:si + VP_SEQ]
    call vga_write_indexed_ah
    inc si
    inc al
    loop .seq
    mov al, [cs:bx + VP_MISC]
    mov dx, PORT_MISC_WRITE
    out dx, al
    mov dx, PORT_SEQ
    mov ax, 0300h
    call vga_write_indexed_ah       ; out of reset
    ; CRTC: unlock registers 0-7 (11h bit 7) first
    mov dx, [BDA_CRTC_BASE]
    mov ah, [cs:bx + VP_CRTC + 11h]
    and ah, 7Fh
    mov al, 11h
    call vga_write_indexed_ah
    lea si, [bx + VP_CRTC]
    mov cx, 25
    xor al, al
.crtc:
    mov ah, [cs:si]
    call vga_write_indexed_ah
    inc si
    inc al
    loop .crtc
    ; attribute controller: index and data through the one port, after a read of
    ; input status 1 resets its flip-flop
    call vga_ac_reset
    lea si, [bx + VP_AC]
    mov cx, 20
    xor ah, ah
    mov dx, PORT_AC
.ac:
    mov al, ah
    out dx, al
    mov al, [cs:si]
    out dx, al
    inc si
    inc ah
    loop .ac
    mov al, 14h                     ; colour select
    out dx, al
    xor al, al
    out dx, al
    mov al, AC_PAS
    out dx, al
    ; graphics controller
    mov dx, PORT_GC
    lea si, [bx + VP_GC]
    mov cx, 9
    xor al, al
.gc:
    mov ah, [cs:si]
    call vga_write_indexed_ah
    inc si
    inc al
    loop .gc
    pop si
    ret

; Register AL of the index/data pair at DX = AH.
vga_write_indexed_ah:
    out dx, al
    inc dx
    xchg al, ah
    out dx, al
    xchg al, ah
    dec dx
    ret

; AL = register AL of the index/data pair at DX.
vga_read_indexed:
    out dx, al
    inc dx
    in al, dx
    dec dx
    ret

; Reads input status 1 (3DAh, or 3BAh in mono), which points the attribute
; controller's flip-flop at the index.
vga_ac_reset:
    push ax
    push dx
    mov dx, [BDA_CRTC_BASE]
    add dx, 6
    in al, dx
    pop dx
    pop ax
    ret

; Attribute register AL = AH, the display left on. Keeps AX.
vga_ac_write:
    push ax
    push dx
    call vga_ac_reset
    mov dx, PORT_AC
    out dx, al
    xchg al, ah
    out dx, al
    mov al, AC_PAS
    out dx, al
    pop dx
    pop ax
    ret

; AL = attribute register AL.
vga_ac_read:
    push dx
    call vga_ac_reset
    mov dx, PORT_AC
    out dx, al
    mov dx, PORT_AC_READ
    in al, dx
    push ax
    call vga_ac_reset
    mov dx, PORT_AC
    mov al, AC_PAS
    out dx, al
    pop ax
    pop dx
    ret

; ---- the DAC ----

; The default DAC: in text modes the 64 colours of the EGA (each of the six bits rgbRGB
; adds 2/3 of full for a primary, 1/3 for a secondary: IBM VGA Technical Reference,
; "default colour values"), with greys for the monochrome mode; in mode 13h the VGA's
; 256-colour palette (vga_palette_256).
vga_default_palette:
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .graphics
    mov dx, PORT_DAC_WRITE_INDEX
    xor al, al
    out dx, al
    inc dx
    xor bl, bl
.entry:
    cmp byte [cs:si + 2], VM_MONO
    je .mono
    mov cl, 2                       ; red: bit 2 and bit 5
    call .channel
    mov cl, 1                       ; green: bits 1 and 4
    call .channel
    mov cl, 0                       ; blue: bits 0 and 3
    call .channel
    jmp short .next
.mono:
    xor al, al
    test bl, 08h
    jz .mono_bright
    mov al, 2Ah
.mono_bright:
    test bl, 10h
    jz .mono_out
    mov al, 3Fh
.mono_out:
    out dx, al
    out dx, al
    out dx, al
.next:
    inc bl
    cmp bl, 64
    jb .entry
    ret
.channel:
    mov al, bl
    shr al, cl
    mov ah, al
    xor al, al
    test ah, 01h
    jz .no_primary
    add al, 2Ah
.no_primary:
    test ah, 08h
    jz .no_secondary
    add al, 15h
.no_secondary:
    out dx, al
    ret
.graphics:
    push si
    mov dx, PORT_DAC_WRITE_INDEX
    xor al, al
    out dx, al
    inc dx
    mov si, vga_palette_256
    mov cx, 256 * 3
.dac:
    mov al, [cs:si]
    out dx, al
    inc si
    loop .dac
    pop si
    ret

; The VGA's default 256-colour palette: the 16 CGA colours, 16 greys, then for three
; intensities (full 3Fh, 1Ch, 10h) and three saturations each a ring of 24 hues from
; blue through magenta, red, yellow, green and cyan back to blue; the last 8 black.
%macro HUE_RING 5                   ; least, 1/4, 1/2, 3/4, most
    db %1, %1, %5,  %2, %1, %5,  %3, %1, %5,  %4, %1, %5
    db %5, %1, %5,  %5, %1, %4,  %5, %1, %3,  %5, %1, %2
    db %5, %1, %1,  %5, %2, %1,  %5, %3, %1,  %5, %4, %1
    db %5, %5, %1,  %4, %5, %1,  %3, %5, %1,  %2, %5, %1
    db %1, %5, %1,  %1, %5, %2,  %1, %5, %3,  %1, %5, %4
    db %1, %5, %5,  %1, %4, %5,  %1, %3, %5,  %1, %2, %5
%endmacro
vga_palette_256:
    db 0, 0, 0,  0, 0, 2Ah,  0, 2Ah, 0,  0, 2Ah, 2Ah,  2Ah, 0, 0,  2Ah, 0, 2Ah
    db 2Ah, 15h, 0,  2Ah, 2Ah, 2Ah,  15h, 15h, 15h,  15h, 15h, 3Fh,  15h, 3Fh, 15h
    db 15h, 3Fh, 3Fh,  3Fh, 15h, 15h,  3Fh, 15h, 3Fh,  3Fh, 3Fh, 15h,  3Fh, 3Fh, 3Fh
    db 0, 0, 0,  5, 5, 5,  8, 8, 8,  11, 11, 11,  14, 14, 14,  17, 17, 17,  20, 20, 20
    db 24, 24, 24,  28, 28, 28,  32, 32, 32,  36, 36, 36,  40, 40, 40,  45, 45, 45
    db 50, 50, 50,  56, 56, 56,  63, 63, 63
    HUE_RING 0, 16, 31, 47, 63
    HUE_RING 31, 39, 47, 55, 63
    HUE_RING 45, 49, 54, 58, 63
    HUE_RING 0, 7, 14, 21, 28
    HUE_RING 14, 17, 21, 24, 28
    HUE_RING 20, 22, 24, 26, 28
    HUE_RING 0, 4, 8, 12, 16
    HUE_RING 8, 10, 12, 14, 16
    HUE_RING 11, 12, 13, 15, 16
    times 8 * 3 db 0

; ---- fonts in plane 2 ----

; Opens plane 2 at A0000h for the CPU: map mask plane 2, sequential addressing, read
; map 2, write mode 0, A0000h-AFFFFh without odd/even (IBM VGA Technical Reference,
; "loading a character font"; FreeVGA "VGA memory organization").
vga_plane2_open:
    push ax
    push dx
    mov dx, PORT_SEQ
    mov ax, 0402h
    call vga_write_indexed_ah
    mov ax, 0704h
    call vga_write_indexed_ah
    mov dx, PORT_GC
    mov ax, 0204h
    call vga_write_indexed_ah
    mov ax, 0005h
    call vga_write_indexed_ah
    mov ax, 0406h
    call vga_write_indexed_ah
    pop dx
    pop ax
    ret

; Back to text: planes 0 and 1, odd/even, the text window (B8000h, or B0000h mono).
vga_plane2_close:
    push ax
    push dx
    mov dx, PORT_SEQ
    mov ax, 0302h
    call vga_write_indexed_ah
    mov ax, 0304h
    call vga_write_indexed_ah
    mov dx, PORT_GC
    mov ax, 0004h
    call vga_write_indexed_ah
    mov ax, 1005h
    call vga_write_indexed_ah
    mov ax, 0E06h
    cmp word [BDA_CRTC_BASE], CRTC_MONO
    jne .colour
    mov ax, 0A06h
.colour:
    call vga_write_indexed_ah
    pop dx
    pop ax
    ret

; Loads CX glyphs of BH bytes from ES:DI, the first for character DX, into font block
; BL (0-7: blocks 0-3 at 0, 16, 32, 48 KiB, blocks 4-7 8 KiB above them) of plane 2,
; 32 bytes a character.
vga_load_font:
    push ds
    push es
    push si
    push di
    push cx
    push dx
    push ax
    call vga_plane2_open
    push es
    pop ds
    mov si, di
    mov ax, SEG_GRAPHICS
    mov es, ax
    and bl, 07h
    mov al, bl
    and al, 03h
    mov ah, al
    shl ah, 1
    shl ah, 1
    shl ah, 1
    shl ah, 1
    shl ah, 1
    shl ah, 1                       ; AH = block * 64 -> * 256 = 16 KiB steps
    xor al, al
    test bl, 04h
    jz .low_block
    add ah, 20h                     ; + 8 KiB
.low_block:
    mov di, ax
    mov ax, dx
    push cx
    mov cl, 5
    shl ax, cl
    pop cx
    add di, ax
    test cx, cx
    jz .done
.glyph:
    push cx
    mov cl, bh
    xor ch, ch
    push di
    rep movsb
    pop di
    add di, 32
    pop cx
    loop .glyph
.done:
    push cs
    pop ds
    mov ax, BDA_SEG
    mov ds, ax
    call vga_plane2_close
    pop ax
    pop dx
    pop cx
    pop di
    pop si
    pop es
    pop ds
    ret

; Loads the ROM's 8x16 font into block 0 (every text mode uses 16-line cells).
vga_load_rom_font_16:
    push es
    mov ax, cs
    mov es, ax
    mov di, font8x16
    mov cx, 256
    xor dx, dx
    mov bx, 1000h                   ; 16 bytes a glyph, block 0
    call vga_load_font
    pop es
    ret

; ---- memory, cursor, pages ----

; ES = the current mode's video memory.
video_segment:
    push ax
    push si
    call video_current_mode
    mov ax, [cs:si + 8]
    mov es, ax
    pop si
    pop ax
    ret

; Fills the whole video memory of the mode at CS:SI with blanks (text) or zeros.
video_clear_memory:
    push es
    mov ax, [cs:si + 8]
    mov es, ax
    xor di, di
    mov cx, 4000h                   ; 32 KiB of text
    mov ax, BLANK_CELL
    cmp byte [cs:si + 2], VM_GRAPHICS
    jne .fill
    mov cx, 8000h                   ; 64 KiB of pixels
    xor ax, ax
.fill:
    rep stosw
    pop es
    ret

; DI = the offset of row DH, column DL of page BH in the video memory (text).
video_cell_offset:
    push ax
    push dx
    mov al, bh
    and al, 07h
    xor ah, ah
    mul word [BDA_VIDEO_PAGE_SIZE]
    mov di, ax
    pop dx
    push dx
    mov al, dh
    mul byte [BDA_VIDEO_COLUMNS]
    add al, dl
    adc ah, 0
    shl ax, 1
    add di, ax
    pop dx
    pop ax
    ret

; DX = the cursor of page BH.
video_cursor_of:
    push bx
    mov bl, bh
    and bx, 07h
    shl bx, 1
    mov dx, [BDA_CURSOR_POS + bx]
    pop bx
    ret

; The cursor of page BH = DX; the CRTC follows if BH is the active page.
video_store_cursor:
    push bx
    mov bl, bh
    and bx, 07h
    shl bx, 1
    mov [BDA_CURSOR_POS + bx], dx
    pop bx
    ; fall through
; Points the CRTC's cursor (0Eh, 0Fh) at page BH's cursor if BH is the active page.
video_update_cursor:
    cmp bh, [BDA_VIDEO_ACTIVE_PAGE]
    jne .ret
    push ax
    push dx
    push di
    call video_cursor_of
    call video_cell_offset
    shr di, 1
    mov dx, [BDA_CRTC_BASE]
    mov ax, di
    mov al, 0Eh
    call vga_write_indexed_ah
    mov ax, di
    mov ah, al
    mov al, 0Fh
    call vga_write_indexed_ah
    pop di
    pop dx
    pop ax
.ret:
    ret

; The CRTC's start address (0Ch, 0Dh) = the active page's offset in words.
video_update_start:
    mov ax, [BDA_VIDEO_PAGE_START]
    shr ax, 1
    mov di, ax
    mov dx, [BDA_CRTC_BASE]
    mov al, 0Ch
    call vga_write_indexed_ah
    mov ax, di
    mov ah, al
    mov al, 0Dh
    call vga_write_indexed_ah
    ret

; AH=01h: the cursor's start line CH and end line CL (CH bit 5: hidden).
video_cursor_type:
    ; fall through
; The cursor type CX into 40:60h and the CRTC (0Ah, 0Bh). Programs give the lines of
; an 8-line cell, as on the CGA; for taller cells the VGA BIOS emulates them (IBM VGA
; Technical Reference, "cursor emulation"): a cursor in the cell's bottom lines stays
; at the bottom, one from the top scales with the height.
video_apply_cursor_type:
    mov [BDA_CURSOR_TYPE], cx
    mov dx, [BDA_CRTC_BASE]
    mov al, ch
    and al, 60h
    cmp al, 20h
    je .program                     ; hidden: as given
    mov bl, [BDA_CHAR_HEIGHT]
    cmp bl, 8
    jbe .program
    cmp ch, 7
    ja .program
    cmp cl, 7
    ja .program
    cmp cl, ch
    jb .program
    cmp cl, 6
    jb .scale
    ; bottom: the end one line above the cell's last, the start as far above it
    mov al, cl
    sub al, ch                      ; the height of the cursor - 1
    mov cl, bl
    sub cl, 2
    cmp ch, 6
    jb .from_top
    mov ch, cl
    sub ch, al
    jmp short .program
.from_top:
    mov al, ch
    mul bl
    shr ax, 1
    shr ax, 1
    shr ax, 1
    mov ch, al
    jmp short .program
.scale:
    mov al, ch
    mul bl
    shr ax, 1
    shr ax, 1
    shr ax, 1
    mov ch, al
    mov al, cl
    mul bl
    shr ax, 1
    shr ax, 1
    shr ax, 1
    mov cl, al
.program:
    mov ah, ch
    mov al, 0Ah
    call vga_write_indexed_ah
    mov ah, cl
    mov al, 0Bh
    call vga_write_indexed_ah
    ret

; AH=02h: the cursor of page BH = row DH, column DL.
video_set_cursor:
    jmp video_store_cursor

; AH=03h: DX = the cursor of page BH, CX = the cursor type.
video_get_cursor:
    call video_cursor_of
    mov [bp + V_DX], dx
    mov ax, [BDA_CURSOR_TYPE]
    mov [bp + V_CX], ax
    ret

; AH=04h: no light pen: AH = 0.
video_light_pen:
    mov byte [bp + V_AH], 0
    ret

; AH=05h: the active page = AL.
video_set_page:
    call video_current_mode
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .ret
    and al, 07h
    mov [BDA_VIDEO_ACTIVE_PAGE], al
    xor ah, ah
    mul word [BDA_VIDEO_PAGE_SIZE]
    mov [BDA_VIDEO_PAGE_START], ax
    call video_update_start
    mov bh, [BDA_VIDEO_ACTIVE_PAGE]
    call video_update_cursor
.ret:
    ret

; ---- scrolling ----

; AH=06h / 07h: scroll the window CH,CL - DH,DL of the active page up / down by AL
; lines (0: blank it), filling with attribute BH.
video_scroll_up:
    xor ah, ah
    jmp short video_scroll
video_scroll_down:
    mov ah, 1
video_scroll:
    call video_clip_window
    jc .ret
    call video_current_mode
    cmp byte [cs:si + 2], VM_GRAPHICS
    jne .text
    jmp video_scroll_graphics
.text:
    call video_segment
    mov bl, dh
    sub bl, ch
    inc bl                          ; BL = the window's rows
    test al, al
    jz .all
    cmp al, bl
    jbe .some
.all:
    mov al, bl
.some:
    ; one row at a time: copy or blank (the attribute is the caller's BH)
    test ah, ah
    jnz .down
    mov bl, ch                      ; BL = the destination row
.up_row:
    mov bh, bl
    add bh, al                      ; BH = the source row
    cmp bh, dh
    ja .up_blank
    call video_copy_row
    inc bl
    jmp short .up_row
.up_blank:
    cmp bl, dh
    ja .ret
    call video_blank_row
    inc bl
    jmp short .up_blank
.down:
    mov bl, dh
.down_row:
    mov bh, bl
    sub bh, al
    jc .down_blank
    cmp bh, ch
    jb .down_blank
    call video_copy_row
    cmp bl, ch
    je .ret
    dec bl
    jmp short .down_row
.down_blank:
    call video_blank_row
    cmp bl, ch
    je .ret
    dec bl
    jmp short .down_blank
.ret:
    ret

; Clips the window CH,CL - DH,DL to the screen. CF = 1 if nothing is left.
video_clip_window:
    push ax
    mov al, [BDA_VIDEO_ROWS]
    cmp dh, al
    jbe .rows_ok
    mov dh, al
.rows_ok:
    mov al, [BDA_VIDEO_COLUMNS]
    dec al
    cmp dl, al
    jbe .columns_ok
    mov dl, al
.columns_ok:
    cmp ch, dh
    ja .empty
    cmp cl, dl
    ja .empty
    pop ax
    clc
    ret
.empty:
    pop ax
    stc
    ret

; Copies columns CL-DL of row BH to row BL, on the active page (ES = video memory).
video_copy_row:
    push ax
    push bx
    push cx
    push dx
    push si
    push di
    push ds
    mov al, bh
    push bx
    push dx
    mov dh, al
    mov dl, cl
    mov bh, [BDA_VIDEO_ACTIVE_PAGE]
    call video_cell_offset
    mov si, di
    pop dx
    pop bx
    push dx
    mov dh, bl
    mov dl, cl
    mov bh, [BDA_VIDEO_ACTIVE_PAGE]
    call video_cell_offset
    pop dx
    sub dl, cl
    inc dl
    mov cl, dl
    xor ch, ch
    push es
    pop ds
    rep movsw
    pop ds
    pop di
    pop si
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; Blanks columns CL-DL of row BL with the caller's attribute ([bp + V_BH]).
video_blank_row:
    push ax
    push bx
    push cx
    push dx
    push di
    push dx
    mov dh, bl
    mov dl, cl
    mov bh, [BDA_VIDEO_ACTIVE_PAGE]
    call video_cell_offset
    pop dx
    sub dl, cl
    inc dl
    mov cl, dl
    xor ch, ch
    mov al, ' '
    mov ah, [bp + V_BH]
    rep stosw
    pop di
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; Mode 13h: the window in 8x8 cells, pixel rows of 320 bytes; the fill is colour BH.
; AL = lines (already clipped to the window), AH = 0 up, 1 down.
%define GS_LEFT -2                  ; locals below the BP this routine sets
%define GS_COLOUR -4
%define GS_DOWN -6
video_scroll_graphics:
    mov bl, [bp + V_BH]
    push bp
    mov bp, sp
    sub sp, 6
    mov [bp + GS_COLOUR], bl
    mov [bp + GS_DOWN], ah
    push ds
    mov bx, SEG_GRAPHICS
    mov es, bx
    mov ds, bx
    mov bl, dh
    sub bl, ch
    inc bl                          ; rows in the window
    test al, al
    jz .all
    cmp al, bl
    jbe .some
.all:
    mov al, bl
.some:
    mov bl, 8
    mul bl
    mov bx, ax                      ; BX = the shift in pixel rows
    mov al, cl
    xor ah, ah
    push cx
    mov cl, 3
    shl ax, cl
    mov [bp + GS_LEFT], ax          ; the window's left edge in bytes
    pop cx
    sub dl, cl
    inc dl                          ; columns
    mov al, dh
    inc al
    mov ah, 8
    mul ah
    mov si, ax                      ; SI = one past the last pixel row
    mov al, ch
    mov ah, 8
    mul ah
    mov di, ax                      ; DI = the first pixel row
    mov al, dl
    xor ah, ah
    mov cl, 3
    shl ax, cl
    mov cx, ax                      ; CX = bytes a pixel row
    mov dx, si                      ; DX = the end row
    mov ax, di                      ; AX = the row being written
    cmp byte [bp + GS_DOWN], 0
    jne .down
.up_row:                            ; rows get row + BX, then blanks
    push ax
    add ax, bx
    cmp ax, dx
    pop ax
    jae .up_blank
    call .copy_from_below
    inc ax
    jmp short .up_row
.up_blank:
    cmp ax, dx
    jae .done
    call .blank
    inc ax
    jmp short .up_blank
.down:                              ; from the bottom: rows get row - BX, then blanks
    mov si, ax                      ; SI = the first row
    mov ax, dx
.down_row:
    cmp ax, si
    je .done
    dec ax
    push ax
    sub ax, bx
    cmp ax, si
    pop ax
    jl .down_blank
    neg bx
    call .copy_from_below
    neg bx
    jmp short .down_row
.down_blank:
    call .blank
    jmp short .down_row
.done:
    pop ds
    mov sp, bp
    pop bp
    ret
.row_address:                       ; DI = pixel row AX at the window's left edge
    push ax
    push dx
    mov di, 320
    mul di
    add ax, [bp + GS_LEFT]
    mov di, ax
    pop dx
    pop ax
    ret
.copy_from_below:                   ; row AX = row AX + BX
    push si
    push ax
    add ax, bx
    call .row_address
    mov si, di
    pop ax
    call .row_address
    push cx
    rep movsb
    pop cx
    pop si
    ret
.blank:
    push ax
    call .row_address
    push cx
    mov al, [bp + GS_COLOUR]
    rep stosb
    pop cx
    pop ax
    ret

; ---- characters ----

; AH=08h: AX = the character and attribute at page BH's cursor (text modes).
video_read_char:
    call video_current_mode
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .ret
    call video_segment
    call video_cursor_of
    call video_cell_offset
    mov ax, [es:di]
    mov [bp + V_AX], ax
.ret:
    ret

; AH=09h: CX copies of character AL with attribute BL at page BH's cursor (the cursor
; does not move). AH=0Ah: the same keeping the attributes.
video_write_char_attr:
    mov ah, 1
    jmp short video_write_chars
video_write_char:
    xor ah, ah
video_write_chars:
    jcxz .ret
    push ax
    call video_current_mode
    pop ax
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .graphics
    call video_segment
    call video_cursor_of
    call video_cell_offset
    test ah, ah
    jz .char_only
    mov ah, bl
    rep stosw
.ret:
    ret
.char_only:
    stosb
    inc di
    loop .char_only
    ret
.graphics:
    call video_cursor_of
.glyph:
    call video_draw_glyph
    inc dl
    loop .glyph
    ret

; Mode 13h: draws character AL at cell row DH, column DL in colour BL (bit 7: XOR),
; from the 8x8 font.
video_draw_glyph:
    push ax
    push bx
    push cx
    push dx
    push si
    push di
    push ds
    push es
    cmp dl, 40
    jae .out
    cmp dh, 25
    jae .out
    mov cx, SEG_GRAPHICS
    mov es, cx
    ; DI = (row * 8 * 320) + column * 8
    push ax
    mov al, dh
    xor ah, ah
    mov cx, 8 * 320
    mul cx
    mov di, ax
    mov al, dl
    xor ah, ah
    mov cl, 3
    shl ax, cl
    add di, ax
    pop ax
    ; DS:SI = the glyph: INT 43h's table for 00h-7Fh, INT 1Fh's for 80h-FFh
    xor si, si
    mov ds, si
    mov si, 43h * 4
    test al, 80h
    jz .table
    mov si, 1Fh * 4
    and al, 7Fh
.table:
    xor ah, ah
    mov cl, 3
    shl ax, cl
    lds si, [si]
    add si, ax
    mov ch, 8
.row:
    mov ah, [si]
    inc si
    mov cl, 8
.pixel:
    shl ah, 1
    mov al, 0
    jnc .set
    mov al, bl
    and al, 7Fh
.set:
    test bl, 80h
    jz .plain
    xor [es:di], al
    jmp short .pixel_next
.plain:
    mov [es:di], al
.pixel_next:
    inc di
    dec cl
    jnz .pixel
    add di, 320 - 8
    dec ch
    jnz .row
.out:
    pop es
    pop ds
    pop di
    pop si
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; AH=0Eh: teletype AL on the active page: BEL, BS, CR and LF act, other characters are
; written (keeping the cell's attribute in text modes, colour BL in mode 13h) and the
; cursor advances, wrapping at the line's end and scrolling at the screen's.
video_teletype:
    call tty_mirror
    mov bh, [BDA_VIDEO_ACTIVE_PAGE]
    xor ah, ah
    jmp tty_put

; BEL: the speaker (PIT channel 2, programmed by POST for 896 Hz) on for two timer
; ticks, about 110 ms (PC/AT BEEP; int10_handler has enabled interrupts).
speaker_beep:
    push ax
    push cx
    in al, PORT_SYSCTRL_B
    or al, 03h                      ; gate channel 2, speaker data on
    out PORT_SYSCTRL_B, al
    mov cx, 2
.tick:
    mov ax, [BDA_TICKS]
.wait:
    hlt
    cmp ax, [BDA_TICKS]
    je .wait
    loop .tick
    in al, PORT_SYSCTRL_B
    and al, 0FCh
    out PORT_SYSCTRL_B, al
    pop cx
    pop ax
    ret

; -nographic: every teletype character also goes to COM1 (CMOS 5Fh bit 0, copied to
; the EBDA at POST).
tty_mirror:
    push es
    mov es, [BDA_EBDA_SEG]
    cmp byte [es:EBDA_MIRROR], 0
    pop es
    je .ret
    call serial_put_com1
.ret:
    ret

; Writes AL on page BH at its cursor as a teletype (AH = 1: with attribute BL) and
; advances the cursor.
tty_put:
    push ax
    call video_current_mode
    pop ax
    call video_cursor_of
    cmp al, 07h
    je .bell
    cmp al, 08h
    je .backspace
    cmp al, 0Dh
    je .carriage_return
    cmp al, 0Ah
    je .line_feed
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .graphics
    push es
    push di
    call video_segment
    call video_cell_offset
    mov [es:di], al
    test ah, ah
    jz .written
    mov [es:di + 1], bl
.written:
    pop di
    pop es
    jmp short .advance
.graphics:
    call video_draw_glyph
.advance:
    inc dl
    cmp dl, [BDA_VIDEO_COLUMNS]
    jb .store
    xor dl, dl
    jmp short .line_feed
.backspace:
    test dl, dl
    jz .store
    dec dl
    jmp short .store
.carriage_return:
    xor dl, dl
    jmp short .store
.line_feed:
    cmp dh, [BDA_VIDEO_ROWS]
    jae .scroll
    inc dh
    jmp short .store
.scroll:
    call tty_scroll
.store:
    call video_store_cursor
.ret:
    ret
.bell:
    jmp speaker_beep

; Scrolls page BH's whole screen up a line, the new line in the attribute of the cell
; at the cursor (PC/AT WRITE_TTY), black in mode 13h. DX stays.
tty_scroll:
    push ax
    push bx
    push cx
    push dx
    xor bl, bl                      ; the fill attribute / colour
    cmp byte [cs:si + 2], VM_GRAPHICS
    je .fill
    push es
    push di
    call video_segment
    call video_cell_offset
    mov bl, [es:di + 1]
    pop di
    pop es
.fill:
    mov bh, bl
    xor cx, cx
    mov dh, [BDA_VIDEO_ROWS]
    mov dl, [BDA_VIDEO_COLUMNS]
    dec dl
    mov ax, 0601h
    int 10h
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; AH=13h: writes CX characters from ES:BP at row DH, column DL of page BH as the
; teletype does (BEL, BS, CR, LF act); AL bit 1: the string holds character, attribute
; pairs, else every character gets attribute BL; AL bit 0: the cursor stays after the
; string, else it goes back where it was.
video_write_string:
    mov ah, al
    jcxz .ret
    push dx
    call video_cursor_of
    mov di, dx                      ; DI = the cursor before
    pop dx
    call video_store_cursor
    mov si, [bp + V_BP]
.next:
    mov al, [es:si]
    inc si
    test ah, 02h
    jz .put
    mov bl, [es:si]
    inc si
.put:
    push ax
    push cx
    push si
    push di
    mov ah, 1
    call tty_put
    pop di
    pop si
    pop cx
    pop ax
    loop .next
    test ah, 01h
    jnz .ret
    mov dx, di
    call video_store_cursor
.ret:
    ret

; AH=0Fh: AL = mode (bit 7 from 40:87h), AH = columns, BH = the active page.
video_get_mode:
    mov al, [BDA_VIDEO_CONTROL]
    and al, 80h
    or al, [BDA_VIDEO_MODE]
    mov ah, [BDA_VIDEO_COLUMNS]
    mov [bp + V_AX], ax
    mov al, [BDA_VIDEO_ACTIVE_PAGE]
    mov [bp + V_BH], al
    ret

; AH=0Bh BH=00h: the border (and in text modes the background) colour BL.
video_cga_palette:
    test bh, bh
    jnz .ret
    mov ah, bl
    and ah, 0Fh
    mov al, 11h
    call vga_ac_write
.ret:
    ret

; AH=0Ch: pixel CX,DX = colour AL (bit 7: XOR) in mode 13h; AH=0Dh: AL = the pixel.
video_write_pixel:
    call video_pixel_address
    jc .ret
    test al, 80h
    jz .plain
    and al, 7Fh
    xor [es:di], al
    ret
.plain:
    mov [es:di], al
.ret:
    ret

video_read_pixel:
    call video_pixel_address
    jc .ret
    mov al, [es:di]
    mov [bp + V_AL], al
.ret:
    ret

; ES:DI = pixel CX, DX in mode 13h; CF = 1 in another mode or off the screen.
video_pixel_address:
    push ax
    push dx
    cmp byte [BDA_VIDEO_MODE], 13h
    jne .outside
    cmp cx, 320
    jae .outside
    cmp dx, 200
    jae .outside
    mov ax, 320
    mul dx
    add ax, cx
    mov di, ax
    mov ax, SEG_GRAPHICS
    mov es, ax
    pop dx
    pop ax
    clc
    ret
.outside:
    pop dx
    pop ax
    stc
    ret

; ---- AH=10h: the palette registers and the DAC ----

; AL picks the function from palette_functions; the others do nothing.
video_palette:
    mov si, palette_functions
.find:
    cmp byte [cs:si], 0FFh
    je .ret
    cmp [cs:si], al
    je .found
    add si, 3
    jmp short .find
.found:
    jmp [cs:si + 1]
.set_register:                      ; BL = register (0-0Fh), BH = value
    cmp bl, 0Fh
    ja .ret
    mov al, bl
    mov ah, bh
    jmp vga_ac_write
.set_border:
    mov al, 11h
    mov ah, bh
    jmp vga_ac_write
.set_all:                           ; ES:DX = 16 registers and the border
    mov si, dx
    xor al, al
.set_next:
    mov ah, [es:si]
    call vga_ac_write
    inc si
    inc al
    cmp al, 10h
    jb .set_next
    mov ah, [es:si]
    mov al, 11h
    jmp vga_ac_write
.blink:                             ; BL = 0: intensity, 1: blink (mode control bit 3)
    mov al, 10h
    call vga_ac_read
    and al, 0F7h
    test bl, bl
    jz .blink_set
    or al, 08h
.blink_set:
    mov ah, al
    mov al, 10h
    jmp vga_ac_write
.get_register:
    cmp bl, 0Fh
    ja .ret
    mov al, bl
    call vga_ac_read
    mov [bp + V_BH], al
    ret
.get_border:
    mov al, 11h
    call vga_ac_read
    mov [bp + V_BH], al
    ret
.get_all:
    mov di, dx
    xor ah, ah
.get_next:
    mov al, ah
    call vga_ac_read
    stosb
    inc ah
    cmp ah, 10h
    jb .get_next
    mov al, 11h
    call vga_ac_read
    stosb
    ret
.set_dac:                           ; BX = register, DH, CH, CL = red, green, blue
    mov al, bl
    mov dx, PORT_DAC_WRITE_INDEX
    out dx, al
    inc dx
    mov al, [bp + V_DH]
    out dx, al
    mov al, ch
    out dx, al
    mov al, cl
    out dx, al
    ret
.set_dac_block:                     ; BX = first, CX = count, ES:DX = 3 bytes each
    mov si, dx
    mov al, bl
    mov dx, PORT_DAC_WRITE_INDEX
    out dx, al
    inc dx
    call .count3
    jz .ret
.set_dac_next:
    mov al, [es:si]
    out dx, al
    inc si
    loop .set_dac_next
    ret
.get_dac:                           ; BX = register -> DH, CH, CL
    mov al, bl
    mov dx, PORT_DAC_READ_INDEX
    out dx, al
    mov dx, PORT_DAC_DATA
    in al, dx
    mov [bp + V_DH], al
    in al, dx
    mov [bp + V_CH], al
    in al, dx
    mov [bp + V_CL], al
    ret
.get_dac_block:
    mov di, dx
    mov al, bl
    mov dx, PORT_DAC_READ_INDEX
    out dx, al
    mov dx, PORT_DAC_DATA
    call .count3
    jz .ret
.get_dac_next:
    in al, dx
    stosb
    loop .get_dac_next
.ret:
    ret
.count3:                            ; CX = 3 * min(CX, 256 - BL); ZF = 1 if 0
    mov al, bl
    xor ah, ah
    neg ax
    add ax, 256
    cmp cx, ax
    jbe .count_ok
    mov cx, ax
.count_ok:
    mov ax, cx
    shl cx, 1
    add cx, ax
    test cx, cx
    ret

; AL, handler; FFh ends the table.
palette_functions:
    db 00h
    dw video_palette.set_register
    db 01h
    dw video_palette.set_border
    db 02h
    dw video_palette.set_all
    db 03h
    dw video_palette.blink
    db 07h
    dw video_palette.get_register
    db 08h
    dw video_palette.get_border
    db 09h
    dw video_palette.get_all
    db 10h
    dw video_palette.set_dac
    db 12h
    dw video_palette.set_dac_block
    db 15h
    dw video_palette.get_dac
    db 17h
    dw video_palette.get_dac_block
    db 0FFh

; ---- AH=11h: fonts ----

video_font:
    cmp al, 30h
    je video_font_info
    cmp al, 03h
    je .select_block
    mov ah, al
    and ah, 0EFh                    ; 1xh = 0xh, then the rows are recomputed
    cmp ah, 04h
    ja .graphics_fonts
    push ax
    cmp ah, 00h
    je .user
    mov cx, 256
    xor dx, dx
    push cs
    pop es
    cmp ah, 01h
    je .rom14
    cmp ah, 02h
    je .rom8
    cmp ah, 04h
    je .rom16
    pop ax
    ret
.rom14:
    mov di, font8x14
    mov bh, 14
    jmp short .load
.rom8:
    mov di, font8x8_low             ; the 8x8 halves: low at FA6Eh, high with the others
    mov bh, 8
    mov cx, 128
    call vga_load_font
    mov di, font8x8_high
    mov dx, 128
    jmp short .load
.rom16:
    mov di, font8x16
    mov bh, 16
    jmp short .load
.user:                              ; ES:BP, CX glyphs, DX first, BL block, BH bytes
    mov di, [bp + V_BP]
.load:
    call vga_load_font
    pop ax
    test al, 10h
    jz .ret
    call video_set_char_height      ; BH = bytes a glyph
.ret:
    ret
.select_block:
    mov dx, PORT_SEQ
    mov ah, bl
    mov al, 03h
    jmp vga_write_indexed_ah
.graphics_fonts:
    ; 20h: INT 1Fh = ES:BP; 21h: INT 43h = ES:BP; 22h-24h: INT 43h = the ROM's 8x14,
    ; 8x8, 8x16
    xor bx, bx
    mov ds, bx
    mov bx, [bp + V_BP]
    mov cx, es
    cmp al, 20h
    jne .not_1f
    mov [1Fh * 4], bx
    mov [1Fh * 4 + 2], cx
    jmp short .graphics_done
.not_1f:
    mov cx, cs
    mov bx, font8x14
    cmp al, 22h
    je .set_43
    mov bx, font8x8_low
    cmp al, 23h
    je .set_43
    mov bx, font8x16
    cmp al, 24h
    je .set_43
    cmp al, 21h
    jne .graphics_done
    mov bx, [bp + V_BP]
    mov cx, es
.set_43:
    mov [43h * 4], bx
    mov [43h * 4 + 2], cx
.graphics_done:
    mov ax, BDA_SEG
    mov ds, ax
    ret

; After a text font load with AL = 1xh: the cell height BH, the rows that fit 400
; lines, the CRTC's maximum scan line and vertical display end, the page size.
video_set_char_height:
    cmp bh, 2                       ; 400 / BH must fit a byte
    jb .ret
    cmp bh, 32
    ja .ret
    mov bl, bh
    xor bh, bh
    mov [BDA_CHAR_HEIGHT], bx
    mov ax, 400
    div bl                          ; AL = rows
    cmp al, 1
    jb .ret
    mov cl, al
    dec al
    mov [BDA_VIDEO_ROWS], al
    mov al, cl
    mul byte [BDA_VIDEO_COLUMNS]
    shl ax, 1
    add ax, 0FFh
    xor al, al                      ; rounded up to 256 bytes
    mov [BDA_VIDEO_PAGE_SIZE], ax
    mov dx, [BDA_CRTC_BASE]
    mov al, 09h
    call vga_read_indexed
    and al, 0E0h
    mov ah, bl
    dec ah
    or ah, al
    mov al, 09h
    call vga_write_indexed_ah
    mov al, cl
    mul bl
    dec ax                          ; the last scan line shown
    mov ch, ah
    mov ah, al
    mov al, 12h
    call vga_write_indexed_ah
    mov cx, [BDA_CURSOR_TYPE]
    call video_apply_cursor_type
.ret:
    ret

; AX=1130h: ES:BP = the font BH names, CX = the character height, DL = rows - 1.
; 0: INT 1Fh, 1: INT 43h, 2: 8x14, 3: 8x8, 4: 8x8 80h-FFh, 5: 9x14 alternates, 6: 8x16,
; 7: 9x16 alternates (the alternate tables are empty: the 8-wide glyphs serve).
video_font_info:
    xor ax, ax
    mov es, ax
    cmp bh, 1
    ja .rom
    mov si, 1Fh * 4
    jb .vector
    mov si, 43h * 4
.vector:
    mov ax, [es:si]
    mov [bp + V_BP], ax
    mov ax, [es:si + 2]
    mov [bp + V_ES], ax
    jmp short .sizes
.rom:
    cmp bh, 7
    ja .sizes
    mov bl, bh
    xor bh, bh
    shl bx, 1
    mov ax, [cs:font_pointers - 4 + bx]
    mov [bp + V_BP], ax
    mov word [bp + V_ES], BIOS_SEG
.sizes:
    mov ax, [BDA_CHAR_HEIGHT]
    mov [bp + V_CX], ax
    mov al, [BDA_VIDEO_ROWS]
    mov [bp + V_DL], al
    ret

font_pointers: dw font8x14, font8x8_low, font8x8_high, font_no_alternates, font8x16
    dw font_no_alternates
font_no_alternates: db 0

; ---- AH=12h, 1Ah, 1Bh: configuration and state ----

; AH=12h BL=10h: BH = 0 colour / 1 mono, BL = 3 (256 KiB), CH = feature bits 0, CL =
; the switch setting.
video_config:
    cmp bl, 10h
    jne .ret
    xor bh, bh
    cmp word [BDA_CRTC_BASE], CRTC_MONO
    jne .colour
    inc bh
.colour:
    mov bl, 03h
    mov [bp + V_BX], bx
    mov cl, [BDA_VIDEO_SWITCHES]
    and cl, 0Fh
    xor ch, ch
    mov [bp + V_CX], cx
.ret:
    ret

; AH=1Ah AL=00h: BL = the active display (08h VGA colour, 07h VGA mono), BH = none;
; AL=01h sets it. AL = 1Ah: supported.
video_display_combination:
    cmp al, 01h
    ja .ret
    je .set
    mov bl, 08h
    cmp word [BDA_CRTC_BASE], CRTC_MONO
    jne .colour
    mov bl, 07h
.colour:
    xor bh, bh
    mov [bp + V_BX], bx
.set:
    mov byte [bp + V_AL], 1Ah
.ret:
    ret

; AH=1Bh BX=0: the 64-byte state table at ES:DI (Ralf Brown, INT 10h AH=1Bh, "Format of
; Video state information"). AL = 1Bh.
video_state:
    test bx, bx
    jnz .ret
    mov ax, video_static_table
    stosw
    mov ax, BIOS_SEG
    stosw
    mov al, [BDA_VIDEO_MODE]
    stosb
    mov si, BDA_VIDEO_COLUMNS       ; 40:4Ah-66h: columns .. palette, as 05h-21h
    mov cx, BDA_VIDEO_PALETTE + 1 - BDA_VIDEO_COLUMNS
    rep movsb
    mov al, [BDA_VIDEO_ROWS]
    inc al
    stosb                           ; 22h rows
    mov ax, [BDA_CHAR_HEIGHT]
    stosw                           ; 23h
    mov al, 08h
    cmp word [BDA_CRTC_BASE], CRTC_MONO
    jne .colour
    mov al, 07h
.colour:
    stosb                           ; 25h active display
    xor al, al
    stosb                           ; 26h alternate: none
    call video_current_mode
    mov ax, 16
    cmp byte [cs:si + 2], VM_TEXT
    je .colours
    xor ax, ax
    cmp byte [cs:si + 2], VM_MONO
    je .colours
    mov ax, 256
.colours:
    stosw                           ; 27h colours
    mov al, 8
    cmp byte [cs:si + 2], VM_GRAPHICS
    jne .pages
    mov al, 1
.pages:
    stosb                           ; 29h pages
    mov al, 2                       ; 2Ah: 400 scan lines
    stosb
    xor ax, ax
    stosw                           ; 2Bh, 2Ch: font blocks 0 and 0
    mov al, 10h                     ; 2Dh: cursor emulation; blink from the AC
    stosb
    xor al, al
    mov cx, 3
    rep stosb                       ; 2Eh-30h
    mov al, 03h                     ; 31h: 256 KiB
    stosb
    xor al, al
    mov cx, 64 - 32h
    rep stosb
    mov byte [bp + V_AL], 1Bh
.ret:
    ret

; The static functionality table (Ralf Brown, INT 10h AH=1Bh, "Format of static
; functionality table"): modes 0-3, 7 and 13h; 400 scan lines; 8 font blocks, 2 at a
; time; font loading, palette loading, cursor emulation, EGA palette, DAC; blink.
video_static_table:
    db 8Fh, 00h, 08h
    db 0, 0, 0, 0
    db 04h
    db 8, 2
    db 7Ch
    db 04h
    db 0, 0
    db 0
    db 0
