; keyboard.asm: IRQ 1 (INT 09h), which turns the 8042's scan codes into key codes in
; the 16-word buffer at 40:1Eh, and INT 16h, which reads them.
;
; The 8042 translates the keyboard's set 2 into set 1 (vx86 devices/input/kbc.c, as
; every PC/AT-compatible controller does), so IRQ 1 sees set 1 codes: bit 7 set for a
; release, E0h before the keys the 101-key keyboard added (IBM PS/2 Hardware Interface
; Technical Reference, "Keyboard", scan code set 1).
;
; The key codes (scan code << 8 | character) for each shift state are Ralf Brown's
; (INT 16h AH=00h, "Table of keyboard scan codes and ASCII codes"), and the shift flag
; bytes 40:17h, 40:18h, 40:96h and 40:97h follow MEMORY.LST.

%define KEY_RELEASE 80h
%define SC_PREFIX_E0 0E0h
%define SC_PREFIX_E1 0E1h
%define SC_ESC 01h
%define SC_CTRL 1Dh
%define SC_LSHIFT 2Ah
%define SC_RSHIFT 36h
%define SC_ALT 38h
%define SC_CAPS 3Ah
%define SC_NUM 45h
%define SC_SCROLL 46h
%define SC_KP_7 47h
%define SC_KP_DOT 53h
%define SC_INSERT 52h
%define SC_DELETE 53h
%define SC_SYSREQ 54h
%define SC_LAST 58h
%define KBD_CMD_LEDS 0EDh
%define KBD_CMD_TYPEMATIC 0F3h

; ---- IRQ 1 ----

int09_handler:
    push ax
    push bx
    push cx
    push dx
    push si
    push di
    push ds
    push es
    cld
    mov ax, BDA_SEG
    mov ds, ax
    in al, PORT_KBC_STATUS
    test al, 01h                    ; a stale edge: nothing to read
    jz .done
    test al, 20h                    ; a mouse byte: not ours
    jnz .done
    in al, PORT_KBC_DATA
    sti
    call kbd_process_byte
    call kbd_update_leds
.done:
    cli
    mov al, PIC_EOI
    out PORT_PIC1, al
    pop es
    pop ds
    pop di
    pop si
    pop dx
    pop cx
    pop bx
    pop ax
    iret

; A byte from the keyboard: through the INT 15h AH=4Fh intercept (which may change or
; eat it), then as a scan code. DS = BDA.
kbd_process_byte:
    mov ah, 4Fh
    stc
    int 15h
    jnc .ret
    call kbd_scan_code
.ret:
    ret

; Sends AL to the keyboard and waits for its acknowledge (FAh); keys that arrive before
; it are handled as if IRQ 1 had brought them, not lost. CF = 1 on a resend request
; or a time-out.
kbd_command:
    push cx
    call kbc_write_data
    mov cx, 16                      ; at most this many keys before the answer
.next:
    call kbc_read
    jc .failed
    cmp al, 0FAh
    je .acknowledged
    cmp al, 0FEh
    je .failed
    push cx
    call kbd_process_byte
    pop cx
    loop .next
.failed:
    pop cx
    stc
    ret
.acknowledged:
    pop cx
    clc
    ret

; Handles the set 1 code AL. DS = BDA.
kbd_scan_code:
    cmp al, 0FAh                    ; the keyboard's acknowledge
    je .ack
    cmp al, 0FEh
    je .resend
    cmp al, SC_PREFIX_E0
    je .prefix_e0
    cmp al, SC_PREFIX_E1
    je .prefix_e1
    test byte [BDA_KBD_FLAGS3], KF3_E1
    jnz .pause_sequence
    mov ah, [BDA_KBD_FLAGS3]
    and byte [BDA_KBD_FLAGS3], ~KF3_E0 & 0FFh
    and ah, KF3_E0                  ; AH nonzero: this code followed E0h
    ; fake shifts (E0 2Ah, E0 AAh ...) that the keyboard sends around gray keys
    test ah, ah
    jz .not_fake
    mov bl, al
    and bl, 7Fh
    cmp bl, SC_LSHIFT
    je .ret
    cmp bl, SC_RSHIFT
    je .ret
.not_fake:
    call kbd_special_key
    jnc .ret
    call kbd_shift_key
    jnc .ret                        ; a shift, lock or release: done
    call kbd_translate              ; AX = key code, CF = 1 if none
    jc .ret
    call kbd_buffer_put
.ret:
    ret
.ack:
    or byte [BDA_KBD_FLAGS2], KF2_ACK
    ret
.resend:
    or byte [BDA_KBD_FLAGS2], KF2_RESEND
    ret
.prefix_e0:
    or byte [BDA_KBD_FLAGS3], KF3_E0
    ret
.prefix_e1:
    ; Pause sends E1 1D 45 E1 9D C5: the five bytes after E1h are skipped (Pause's
    ; suspension is not implemented).
    or byte [BDA_KBD_FLAGS3], KF3_E1
    ret
.pause_sequence:
    cmp al, 45h | KEY_RELEASE       ; the E1 9D C5 half ends the sequence
    jne .ret
    and byte [BDA_KBD_FLAGS3], ~KF3_E1 & 0FFh
    ret

; The shift and lock keys. AL = the code, AH = nonzero after E0h. CF = 0 if the code
; was one of them, or any release (which only shift keys care about).
kbd_shift_key:
    mov bl, al
    and bl, 7Fh
    mov si, shift_keys
.find:
    mov bh, [cs:si]
    test bh, bh
    jz .not_shift
    cmp bh, bl
    je .found
    add si, 4
    jmp short .find
.found:
    mov cl, [cs:si + 1]             ; the bit in 40:17h
    mov ch, [cs:si + 2]             ; the bit in 40:18h
    mov dl, [cs:si + 3]             ; 1 = a toggle (lock) key
    test dl, dl
    jnz .lock
    ; Ctrl and Alt: the right ones (E0h) are kept in 40:96h, the left in 40:18h
    test ah, ah
    jz .left
    mov ch, KF3_RCTRL
    cmp bl, SC_ALT
    jne .right
    mov ch, KF3_RALT
.right:
    test al, KEY_RELEASE
    jnz .right_up
    or [BDA_KBD_FLAGS3], ch
    jmp short .recompute
.right_up:
    not ch
    and [BDA_KBD_FLAGS3], ch
    jmp short .recompute
.left:
    test al, KEY_RELEASE
    jnz .left_up
    or [BDA_KBD_FLAGS1], ch
    or [BDA_KBD_FLAGS0], cl
    jmp short .recompute
.left_up:
    not ch
    and [BDA_KBD_FLAGS1], ch
.recompute:
    ; 40:17h's Ctrl/Alt = left or right held (shifts have no 40:18h bit: CH = 0)
    test byte [cs:si + 2], 0FFh
    jz .plain_shift
    mov bh, [BDA_KBD_FLAGS1]
    mov dh, [BDA_KBD_FLAGS3]
    and bh, KF1_LCTRL | KF1_LALT
    shr dh, 1
    shr dh, 1
    and dh, 03h                     ; right Ctrl -> bit 0, right Alt -> bit 1
    or bh, dh                       ; bit 0 Ctrl, bit 1 Alt
    shl bh, 1
    shl bh, 1                       ; -> 04h Ctrl, 08h Alt
    and byte [BDA_KBD_FLAGS0], ~(KF0_CTRL | KF0_ALT) & 0FFh
    or [BDA_KBD_FLAGS0], bh
    clc
    ret
.plain_shift:
    test al, KEY_RELEASE
    jnz .shift_up
    or [BDA_KBD_FLAGS0], cl
    clc
    ret
.shift_up:
    not cl
    and [BDA_KBD_FLAGS0], cl
    clc
    ret
.lock:
    test al, KEY_RELEASE
    jnz .lock_up
    test [BDA_KBD_FLAGS1], ch       ; held: the typematic repeat does not toggle
    jnz .done
    or [BDA_KBD_FLAGS1], ch
    xor [BDA_KBD_FLAGS0], cl
    clc
    ret
.lock_up:
    not ch
    and [BDA_KBD_FLAGS1], ch
.done:
    clc
    ret
.not_shift:
    test al, KEY_RELEASE
    jz .make
    clc                             ; other releases: nothing to do
    ret
.make:
    stc
    ret

; code, bit in 40:17h, bit in 40:18h, lock
shift_keys:
    db SC_LSHIFT, KF0_LSHIFT, 0, 0
    db SC_RSHIFT, KF0_RSHIFT, 0, 0
    db SC_CTRL, KF0_CTRL, KF1_LCTRL, 0
    db SC_ALT, KF0_ALT, KF1_LALT, 0
    db SC_CAPS, KF0_CAPS, KF1_CAPS, 1
    db SC_NUM, KF0_NUM, KF1_NUM, 1
    db SC_SCROLL, KF0_SCROLL, KF1_SCROLL, 1
    db 0

; Keys with an action of their own: Ctrl+Alt+Del (warm boot), Insert (toggles 40:17h
; bit 7 and is also stored), Ctrl+Break (E0 46, as Ctrl+Pause sends it; plain 46h is
; Scroll Lock). CF = 0 if handled and nothing more to do.
kbd_special_key:
    test al, KEY_RELEASE
    jnz .other
    mov bl, [BDA_KBD_FLAGS0]
    cmp al, SC_DELETE
    jne .insert
    and bl, KF0_CTRL | KF0_ALT
    cmp bl, KF0_CTRL | KF0_ALT
    jne .other
    ; Ctrl+Alt+Del: a warm boot, the memory test skipped (PC/AT KB_INT, 40:72h = 1234h)
    mov word [BDA_RESET_FLAG], WARM_BOOT_FLAG
    mov al, PIC_EOI
    out PORT_PIC1, al
    jmp BIOS_SEG:0E05Bh
.insert:
    cmp al, SC_INSERT
    jne .break
    test bl, KF0_CTRL | KF0_ALT
    jnz .other
    test ah, ah
    jnz .toggle_insert              ; the gray Insert key
    test bl, KF0_NUM | KF0_LSHIFT | KF0_RSHIFT
    jnz .other                      ; the keypad's 0
.toggle_insert:
    xor byte [BDA_KBD_FLAGS0], KF0_INSERT
    jmp short .other
.break:
    cmp al, SC_SCROLL
    jne .other
    test ah, ah
    jz .other
    test bl, KF0_CTRL
    jz .other
    ; Ctrl+Break: empty the buffer, flag it, call INT 1Bh, store a zero key
    mov bx, [BDA_KBD_START]
    mov [BDA_KBD_HEAD], bx
    mov [BDA_KBD_TAIL], bx
    or byte [BDA_BREAK], 80h
    int 1Bh
    xor ax, ax
    call kbd_buffer_put
    clc
    ret
.other:
    stc
    ret

; AX = the key code of make code AL (AH = nonzero after E0h) in the current shift
; state; CF = 1 if the combination has none.
kbd_translate:
    cmp al, SC_LAST
    ja .none
    test al, al
    jz .none
    mov bl, al
    xor bh, bh
    dec bx
    mov cl, 3
    shl bx, cl                      ; 8 bytes a key: normal, shift, ctrl, alt
    add bx, key_table
    mov dl, [BDA_KBD_FLAGS0]
    test ah, ah
    jnz .gray                       ; E0-prefixed
    test dl, KF0_ALT
    jnz .alt
    test dl, KF0_CTRL
    jnz .ctrl
    ; keypad keys: Num Lock xor Shift picks the digit
    cmp al, SC_KP_7
    jb .letters
    cmp al, SC_KP_DOT
    ja .letters
    cmp al, 4Ah                     ; keypad - and + are the same shifted or not
    je .normal
    cmp al, 4Eh
    je .normal
    mov dh, dl
    and dh, KF0_LSHIFT | KF0_RSHIFT
    jz .num_only
    mov dh, KF0_NUM
.num_only:
    and dl, KF0_NUM
    xor dl, dh                      ; nonzero: the digit
    jnz .shifted
    jmp short .normal
.letters:
    mov dh, dl
    and dh, KF0_LSHIFT | KF0_RSHIFT
    mov ax, [cs:bx]
    cmp al, 'a'
    jb .not_letter
    cmp al, 'z'
    ja .not_letter
    test dl, KF0_CAPS               ; Caps Lock inverts Shift for the letters
    jz .not_letter
    xor dh, KF0_LSHIFT
.not_letter:
    test dh, dh
    jz .normal
.shifted:
    mov ax, [cs:bx + 2]
    jmp short .check
.normal:
    mov ax, [cs:bx]
    jmp short .check
.ctrl:
    mov ax, [cs:bx + 4]
    jmp short .check
.alt:
    mov ax, [cs:bx + 6]
.check:
    test ax, ax
    jz .none
    clc
    ret
.gray:
    ; The gray keys of the 101-key keyboard: the keypad's code with E0h as the
    ; character (Enter and / keep theirs, with E0h as the scan code).
    cmp al, 1Ch
    je .gray_enter
    cmp al, 35h
    je .gray_slash
    cmp al, SC_KP_7
    jb .none
    cmp al, SC_KP_DOT
    ja .none
    test dl, KF0_ALT
    jnz .gray_alt
    test dl, KF0_CTRL
    jnz .gray_ctrl
    mov ah, al
    mov al, 0E0h
    clc
    ret
.gray_ctrl:
    mov ax, [cs:bx + 4]
    mov al, 0E0h
    clc
    ret
.gray_alt:
    ; Alt + gray key: the scan code plus 50h, no character (Ralf Brown's table)
    mov ah, al
    add ah, 50h
    xor al, al
    clc
    ret
.gray_enter:
    mov ax, 0E00Dh
    test dl, KF0_CTRL
    jz .gray_done
    mov ax, 0E00Ah
.gray_done:
    clc
    ret
.gray_slash:
    mov ax, 0E02Fh
    clc
    ret
.none:
    stc
    ret

; Puts AX at the buffer's tail; a full buffer drops it (the PC/AT beeps).
kbd_buffer_put:
    mov bx, [BDA_KBD_TAIL]
    mov si, bx
    add bx, 2
    cmp bx, [BDA_KBD_END]
    jb .no_wrap
    mov bx, [BDA_KBD_START]
.no_wrap:
    cmp bx, [BDA_KBD_HEAD]
    je .full
    mov [si], ax
    mov [BDA_KBD_TAIL], bx
.full:
    ret

; Sends the lock states to the keyboard's LEDs (command EDh, then bit 0 Scroll, 1 Num,
; 2 Caps) when they differ from what 40:97h says it shows. Polled, with interrupts
; off, with time-outs; the answers are read here so IRQ 1 never sees them. DS = BDA.
kbd_update_leds:
    mov al, [BDA_KBD_FLAGS0]
    mov cl, 4
    shr al, cl
    and al, KF2_LEDS
    mov ah, [BDA_KBD_FLAGS2]
    and ah, KF2_LEDS
    cmp al, ah
    je .ret
    test byte [BDA_KBD_FLAGS2], KF2_LED_UPDATE
    jnz .ret
    or byte [BDA_KBD_FLAGS2], KF2_LED_UPDATE
    pushf
    cli
    mov bl, al
    mov al, KBD_CMD_LEDS
    call kbd_command
    jc .failed
    mov al, bl
    call kbd_command
    jc .failed
    and byte [BDA_KBD_FLAGS2], ~(KF2_LEDS | KF2_ERROR) & 0FFh
    or [BDA_KBD_FLAGS2], bl
    jmp short .end
.failed:
    or byte [BDA_KBD_FLAGS2], KF2_ERROR
.end:
    and byte [BDA_KBD_FLAGS2], ~KF2_LED_UPDATE & 0FFh
    popf
.ret:
    ret

; The key codes of scan codes 01h-58h: normal, Shift, Ctrl, Alt; 0 = no key.
key_table:
    dw 011Bh, 011Bh, 011Bh, 0100h   ; 01 Esc
    dw 0231h, 0221h, 0, 7800h       ; 02 1 !
    dw 0332h, 0340h, 0300h, 7900h   ; 03 2 @
    dw 0433h, 0423h, 0, 7A00h       ; 04 3 #
    dw 0534h, 0524h, 0, 7B00h       ; 05 4 $
    dw 0635h, 0625h, 0, 7C00h       ; 06 5 %
    dw 0736h, 075Eh, 071Eh, 7D00h   ; 07 6 ^
    dw 0837h, 0826h, 0, 7E00h       ; 08 7 &
    dw 0938h, 092Ah, 0, 7F00h       ; 09 8 *
    dw 0A39h, 0A28h, 0, 8000h       ; 0A 9 (
    dw 0B30h, 0B29h, 0, 8100h       ; 0B 0 )
    dw 0C2Dh, 0C5Fh, 0C1Fh, 8200h   ; 0C - _
    dw 0D3Dh, 0D2Bh, 0, 8300h       ; 0D = +
    dw 0E08h, 0E08h, 0E7Fh, 0E00h   ; 0E Backspace
    dw 0F09h, 0F00h, 9400h, 0A500h  ; 0F Tab
    dw 1071h, 1051h, 1011h, 1000h   ; 10 q
    dw 1177h, 1157h, 1117h, 1100h   ; 11 w
    dw 1265h, 1245h, 1205h, 1200h   ; 12 e
    dw 1372h, 1352h, 1312h, 1300h   ; 13 r
    dw 1474h, 1454h, 1414h, 1400h   ; 14 t
    dw 1579h, 1559h, 1519h, 1500h   ; 15 y
    dw 1675h, 1655h, 1615h, 1600h   ; 16 u
    dw 1769h, 1749h, 1709h, 1700h   ; 17 i
    dw 186Fh, 184Fh, 180Fh, 1800h   ; 18 o
    dw 1970h, 1950h, 1910h, 1900h   ; 19 p
    dw 1A5Bh, 1A7Bh, 1A1Bh, 1A00h   ; 1A [ {
    dw 1B5Dh, 1B7Dh, 1B1Dh, 1B00h   ; 1B ] }
    dw 1C0Dh, 1C0Dh, 1C0Ah, 1C00h   ; 1C Enter
    dw 0, 0, 0, 0                   ; 1D Ctrl
    dw 1E61h, 1E41h, 1E01h, 1E00h   ; 1E a
    dw 1F73h, 1F53h, 1F13h, 1F00h   ; 1F s
    dw 2064h, 2044h, 2004h, 2000h   ; 20 d
    dw 2166h, 2146h, 2106h, 2100h   ; 21 f
    dw 2267h, 2247h, 2207h, 2200h   ; 22 g
    dw 2368h, 2348h, 2308h, 2300h   ; 23 h
    dw 246Ah, 244Ah, 240Ah, 2400h   ; 24 j
    dw 256Bh, 254Bh, 250Bh, 2500h   ; 25 k
    dw 266Ch, 264Ch, 260Ch, 2600h   ; 26 l
    dw 273Bh, 273Ah, 0, 2700h       ; 27 ; :
    dw 2827h, 2822h, 0, 2800h       ; 28 ' "
    dw 2960h, 297Eh, 0, 2900h       ; 29 ` ~
    dw 0, 0, 0, 0                   ; 2A left Shift
    dw 2B5Ch, 2B7Ch, 2B1Ch, 2B00h   ; 2B \ |
    dw 2C7Ah, 2C5Ah, 2C1Ah, 2C00h   ; 2C z
    dw 2D78h, 2D58h, 2D18h, 2D00h   ; 2D x
    dw 2E63h, 2E43h, 2E03h, 2E00h   ; 2E c
    dw 2F76h, 2F56h, 2F16h, 2F00h   ; 2F v
    dw 3062h, 3042h, 3002h, 3000h   ; 30 b
    dw 316Eh, 314Eh, 310Eh, 3100h   ; 31 n
    dw 326Dh, 324Dh, 320Dh, 3200h   ; 32 m
    dw 332Ch, 333Ch, 0, 3300h       ; 33 , <
    dw 342Eh, 343Eh, 0, 3400h       ; 34 . >
    dw 352Fh, 353Fh, 0, 3500h       ; 35 / ?
    dw 0, 0, 0, 0                   ; 36 right Shift
    dw 372Ah, 372Ah, 9600h, 3700h   ; 37 keypad *
    dw 0, 0, 0, 0                   ; 38 Alt
    dw 3920h, 3920h, 3920h, 3920h   ; 39 space
    dw 0, 0, 0, 0                   ; 3A Caps Lock
    dw 3B00h, 5400h, 5E00h, 6800h   ; 3B F1
    dw 3C00h, 5500h, 5F00h, 6900h   ; 3C F2
    dw 3D00h, 5600h, 6000h, 6A00h   ; 3D F3
    dw 3E00h, 5700h, 6100h, 6B00h   ; 3E F4
    dw 3F00h, 5800h, 6200h, 6C00h   ; 3F F5
    dw 4000h, 5900h, 6300h, 6D00h   ; 40 F6
    dw 4100h, 5A00h, 6400h, 6E00h   ; 41 F7
    dw 4200h, 5B00h, 6500h, 6F00h   ; 42 F8
    dw 4300h, 5C00h, 6600h, 7000h   ; 43 F9
    dw 4400h, 5D00h, 6700h, 7100h   ; 44 F10
    dw 0, 0, 0, 0                   ; 45 Num Lock
    dw 0, 0, 0, 0                   ; 46 Scroll Lock
    dw 4700h, 4737h, 7700h, 0       ; 47 Home / 7
    dw 4800h, 4838h, 8D00h, 0       ; 48 Up / 8
    dw 4900h, 4939h, 8400h, 0       ; 49 PgUp / 9
    dw 4A2Dh, 4A2Dh, 8E00h, 4A00h   ; 4A keypad -
    dw 4B00h, 4B34h, 7300h, 0       ; 4B Left / 4
    dw 4C00h, 4C35h, 8F00h, 0       ; 4C keypad 5
    dw 4D00h, 4D36h, 7400h, 0       ; 4D Right / 6
    dw 4E2Bh, 4E2Bh, 9000h, 4E00h   ; 4E keypad +
    dw 4F00h, 4F31h, 7500h, 0       ; 4F End / 1
    dw 5000h, 5032h, 9100h, 0       ; 50 Down / 2
    dw 5100h, 5133h, 7600h, 0       ; 51 PgDn / 3
    dw 5200h, 5230h, 9200h, 0       ; 52 Ins / 0
    dw 5300h, 532Eh, 9300h, 0       ; 53 Del / .
    dw 0, 0, 0, 0                   ; 54 SysRq
    dw 0, 0, 0, 0                   ; 55
    dw 565Ch, 567Ch, 0, 0           ; 56 the 102nd key \ |
    dw 8500h, 8700h, 8900h, 8B00h   ; 57 F11
    dw 8600h, 8800h, 8A00h, 8C00h   ; 58 F12

; ---- INT 16h ----

int16_handler:
    sti
    cld
    push ds
    push bx
    mov bx, BDA_SEG
    mov ds, bx
    cmp ah, 01h
    je .peek
    cmp ah, 11h
    je .peek_extended
    mov bl, ah
    xor bh, bh
    cmp bl, 12h
    ja .unsupported
    shl bx, 1
    call [cs:int16_functions + bx]
.unsupported:
    pop bx
    pop ds
    iret
.peek:
    call kbd_peek_standard
    pop bx
    pop ds
    IRET_ZF
.peek_extended:
    call kbd_peek
    pop bx
    pop ds
    IRET_ZF

int16_functions:
    dw kbd_read_standard, 0, kbd_shift_flags, kbd_typematic   ; 00-03
    dw kbd_nothing, kbd_store_key, kbd_nothing, kbd_nothing   ; 04-07
    dw kbd_nothing, kbd_functionality, kbd_keyboard_id, kbd_nothing ; 08-0B
    dw kbd_nothing, kbd_nothing, kbd_nothing, kbd_nothing     ; 0C-0F
    dw kbd_read, 0, kbd_extended_shift_flags                  ; 10-12

kbd_nothing:
    ret

; AH=10h: waits for a key; AX = its code as stored.
kbd_read:
.wait:
    cli
    mov bx, [BDA_KBD_HEAD]
    cmp bx, [BDA_KBD_TAIL]
    jne .take
    sti
    hlt
    jmp short .wait
.take:
    mov ax, [bx]
    add bx, 2
    cmp bx, [BDA_KBD_END]
    jb .no_wrap
    mov bx, [BDA_KBD_START]
.no_wrap:
    mov [BDA_KBD_HEAD], bx
    sti
    ret

; AH=11h: ZF = 1 if no key is waiting, else AX = the next key (left in the buffer).
kbd_peek:
    cli
    mov bx, [BDA_KBD_HEAD]
    cmp bx, [BDA_KBD_TAIL]
    je .ret
    mov ax, [bx]
    cmp bx, 0FFFFh                  ; ZF = 0
.ret:
    sti
    ret

; AH=00h: as AH=10h, but the codes only the 101-key keyboard has are dropped or made
; into their 84-key forms (the gray keys lose the E0h character; Enter and / of the
; keypad get their 84-key scan codes).
kbd_read_standard:
    call kbd_read
    call kbd_standard_code
    jc kbd_read_standard
    ret

; AH=01h: as AH=11h for the standard codes; a code AH=00h would drop is removed.
kbd_peek_standard:
    call kbd_peek
    jz .ret
    call kbd_standard_code
    jnc .available
    call kbd_read
    jmp short kbd_peek_standard
.available:
    cmp bx, 0FFFFh                  ; ZF = 0 (BX is a buffer offset)
.ret:
    ret

; AX = the 84-key form of key code AX; CF = 1 if it has none.
kbd_standard_code:
    cmp ah, 0E0h
    jne .not_keypad
    mov ah, 1Ch                     ; keypad Enter
    cmp al, 2Fh
    jne .ok
    mov ah, 35h                     ; keypad /
    jmp short .ok
.not_keypad:
    cmp al, 0E0h
    jne .extended
    test ah, ah
    jz .ok                          ; Alt+224 typed on the keypad
    xor al, al
.extended:
    cmp ah, 84h                     ; F11, F12 and the other new combinations
    ja .drop
    cmp ax, 0100h                   ; Alt+Esc
    je .drop
    cmp ax, 0E00h                   ; Alt+Backspace
    je .drop
.ok:
    clc
    ret
.drop:
    stc
    ret

; AH=02h: AL = 40:17h.
kbd_shift_flags:
    mov al, [BDA_KBD_FLAGS0]
    ret

; AH=12h: AL = 40:17h, AH = bit 0 left Ctrl, 1 left Alt, 2 right Ctrl, 3 right Alt,
; 4 Scroll, 5 Num, 6 Caps held, 7 SysRq held.
kbd_extended_shift_flags:
    mov al, [BDA_KBD_FLAGS1]
    mov ah, al
    and ah, KF1_LCTRL | KF1_LALT | KF1_SCROLL | KF1_NUM | KF1_CAPS
    test al, KF1_SYSREQ
    jz .right
    or ah, 80h
.right:
    mov al, [BDA_KBD_FLAGS3]
    and al, KF3_RCTRL | KF3_RALT
    or ah, al
    mov al, [BDA_KBD_FLAGS0]
    ret

; AH=03h AL=05h: typematic delay BH (0-3: 250-1000 ms) and rate BL (0-1Fh), sent to the
; keyboard with command F3h.
kbd_typematic:
    cmp al, 05h
    jne .ret
    cmp bh, 3
    ja .ret
    cmp bl, 1Fh
    ja .ret
    push ax
    push cx
    cli
    mov al, KBD_CMD_TYPEMATIC
    call kbd_command
    jc .done
    mov al, bh
    mov cl, 5
    shl al, cl
    or al, bl
    call kbd_command
.done:
    sti
    pop cx
    pop ax
.ret:
    ret

; AH=05h: stores CX as if typed. AL = 0, or 1 if the buffer was full.
kbd_store_key:
    push si
    cli
    mov bx, [BDA_KBD_TAIL]
    mov si, bx
    add bx, 2
    cmp bx, [BDA_KBD_END]
    jb .no_wrap
    mov bx, [BDA_KBD_START]
.no_wrap:
    mov al, 1
    cmp bx, [BDA_KBD_HEAD]
    je .ret
    mov [si], cx
    mov [BDA_KBD_TAIL], bx
    xor al, al
.ret:
    sti
    pop si
    ret

; AH=09h: AL = the functions supported: bit 2, AX=0305h (Ralf Brown, INT 16h AH=09h).
kbd_functionality:
    mov al, 04h
    ret

; AH=0Ah: BX = the keyboard's ID, 41ABh: an MF2 keyboard through a translating 8042.
; Returned in the caller's BX, which int16_handler restores: so it is written there.
kbd_keyboard_id:
    push bp
    mov bp, sp
    mov word [bp + 4], 41ABh        ; the saved BX (above BP and the return address)
    pop bp
    ret
