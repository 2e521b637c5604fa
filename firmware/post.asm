; post.asm: the power-on self test, from the reset vector to INT 19h. Each stage reports
; on port 80h. The order follows the IBM PC/AT Technical Reference's POST (BIOS listing,
; "POST"): CPU, interrupt controllers, timer, RTC/CMOS, keyboard controller, vectors,
; data area, memory, video, option ROMs, disks, boot.
;
; POST codes: 01h start, 02h shutdown byte checked, 03h CPU identified, 04h PICs,
; 05h PIT, 06h RTC, 07h vectors, 08h BIOS data area, 09h memory sized and the EBDA,
; 0Ah keyboard controller, 0Bh serial ports, 0Ch video, 0Dh video option ROMs, 0Eh CMOS checksum,
; 0Fh disks, 10h other option ROMs, 11h INT 19h.

%define POST_STACK 7C00h            ; SS = 0: below where the boot record goes
%define SHUTDOWN_SOFT_RESET 00h
%define SHUTDOWN_EOI_JUMP 05h       ; flush the keyboard, EOI, jump via 40:67h
%define SHUTDOWN_BLOCK_MOVE 09h     ; return from INT 15h AH=87h (286)
%define SHUTDOWN_JUMP 0Ah           ; jump via 40:67h, no EOI
%define WARM_BOOT_FLAG 1234h
%define KBC_TIMEOUT_LOOPS 0         ; 65536 polls per wait
%define KBC_COMMAND_BYTE 65h        ; keyboard IRQ, system flag, aux off, translation on

post_start:
    cli
    cld
    POST_CODE 01h
    ; No stack yet: after a 286's reset SS:SP still points into the program's memory.
    mov al, CMOS_SHUTDOWN
    out PORT_CMOS_INDEX, al
    IO_DELAY
    in al, PORT_CMOS_DATA
    cmp al, SHUTDOWN_EOI_JUMP
    je post_shutdown_resume
    cmp al, SHUTDOWN_BLOCK_MOVE
    je post_shutdown_resume
    cmp al, SHUTDOWN_JUMP
    je post_shutdown_resume
    POST_CODE 02h
    xor ax, ax
    mov ss, ax
    mov sp, POST_STACK
    mov ax, BDA_SEG
    mov ds, ax
    mov es, ax
    mov bp, [BDA_RESET_FLAG]        ; kept across the data area's clearing
    call cpu_detect
    mov bl, al                      ; BL = CPU level until the EBDA exists
    POST_CODE 03h
    call pic_init
    POST_CODE 04h
    call pit_init
    POST_CODE 05h
    call rtc_init
    POST_CODE 06h
    call ivt_init
    POST_CODE 07h
    call bda_init                   ; BP = the old reset flag
    POST_CODE 08h
    call memory_init                ; BL = CPU level, kept in the EBDA
    POST_CODE 09h
    call kbc_init
    call kbd_update_leds            ; Num Lock is on from POST (bda_init)
    POST_CODE 0Ah
    call serial_ports_init
    POST_CODE 0Bh
    call equipment_init
    sti
    mov ax, 0003h                   ; 80x25 colour text
    int 10h
    POST_CODE 0Ch
    mov ax, 0C000h                  ; a VGA BIOS comes before anything is printed
    mov dx, 0C800h
    call option_rom_scan
    POST_CODE 0Dh
    call post_banner
    call post_errors
    call cmos_checksum_check
    POST_CODE 0Eh
    mov ax, BDA_SEG
    mov ds, ax
    mov es, ax
    call floppy_init
    mov ax, BDA_SEG
    mov ds, ax
    mov es, ax
    call harddisk_init
    POST_CODE 0Fh
    mov ax, 0C800h
    mov dx, 0E000h
    call option_rom_scan
    POST_CODE 10h
    mov ax, BDA_SEG
    mov ds, ax
    mov word [BDA_RESET_FLAG], 0
    POST_CODE 11h
    int 19h
    int 18h                         ; INT 19h returns only if nothing booted
    jmp short $

; ---- the shutdown byte (CMOS 0Fh): why the CPU was reset ----

; A 286 leaves protected mode only through a reset; the code in CMOS 0Fh says what the
; program that reset it wants (IBM PC/AT Technical Reference, POST, "shutdown"). Codes
; 05h, 09h and 0Ah resume the interrupted program; anything else is a normal POST.
; AL = the code; no stack is used until the program's own SS:SP is back.
post_shutdown_resume:
    mov ah, al
    mov al, CMOS_SHUTDOWN
    out PORT_CMOS_INDEX, al
    IO_DELAY
    mov al, SHUTDOWN_SOFT_RESET
    out PORT_CMOS_DATA, al
    mov bx, BDA_SEG
    mov ds, bx
    cmp ah, SHUTDOWN_BLOCK_MOVE
    je block_move_resume            ; system.asm: SS:SP from 40:67h
    cmp ah, SHUTDOWN_JUMP
    je .jump
    in al, PORT_KBC_DATA            ; flush the keyboard controller
    mov al, PIC_EOI
    out PORT_PIC1, al
.jump:
    jmp far [BDA_RESET_POINTER]

; ---- the CPU ----

; AL = the CPU level (CPU_8086 .. CPU_386). FLAGS bits 12-15 always read 1 on the 8086
; and 80186, always 0 on a 286 in real mode, and can be changed on a 386 (Intel 80386
; Programmer's Reference Manual, 2.3.4; Intel's CPU identification application note,
; AP-485). The 8086 shifts by CL unmasked, the 80186 masks the count to 5 bits (80186
; data sheet, "shift/rotate count").
cpu_detect:
    pushf
    xor ax, ax
    push ax
    popf
    pushf
    pop ax
    and ax, 0F000h
    cmp ax, 0F000h
    je .8086_or_186
    mov ax, 0F000h
    push ax
    popf
    pushf
    pop ax
    popf
    test ax, 0F000h
    jz .is_286
    mov al, CPU_386
    ret
.is_286:
    mov al, CPU_286
    ret
.8086_or_186:
    popf
    mov ax, 1
    mov cl, 32
    shl ax, cl                      ; 8086: 0; 80186: count 0, AX stays 1
    test ax, ax
    jz .is_8086
    mov al, CPU_186
    ret
.is_8086:
    mov al, CPU_8086
    ret

; ---- the interrupt controllers ----

; ICW1 11h (edge, cascade, ICW4), ICW2 vectors 08h / 70h, ICW3 slave on IR2, ICW4 8086
; mode (Intel 8259A data sheet, "Initialization command words"); then every line masked
; but IRQ 0 (timer), 1 (keyboard), 2 (cascade) and 8 (RTC).
pic_init:
    mov al, 11h
    out PORT_PIC1, al
    out PORT_PIC2, al
    mov al, 08h
    out PORT_PIC1 + 1, al
    mov al, 70h
    out PORT_PIC2 + 1, al
    mov al, 04h
    out PORT_PIC1 + 1, al
    mov al, 02h
    out PORT_PIC2 + 1, al
    mov al, 01h
    out PORT_PIC1 + 1, al
    out PORT_PIC2 + 1, al
    mov al, 0F8h
    out PORT_PIC1 + 1, al
    mov al, 0FEh
    out PORT_PIC2 + 1, al
    ret

; ---- the timer ----

; Channel 0 mode 3 with the full count 65536: 1193180 / 65536 = 18.2 Hz (IRQ 0).
; Channel 2 mode 3 at 1193180 / 0533h = 896 Hz for the speaker, its gate off (Intel
; 8254 data sheet, control word; PC/AT Technical Reference, BEEP).
pit_init:
    mov al, 36h
    out PORT_PIT_CONTROL, al
    xor al, al
    out PORT_PIT, al
    out PORT_PIT, al
    mov al, 0B6h
    out PORT_PIT_CONTROL, al
    mov al, 33h
    out PORT_PIT + 2, al
    mov al, 05h
    out PORT_PIT + 2, al
    in al, PORT_SYSCTRL_B
    and al, 0FCh
    out PORT_SYSCTRL_B, al
    ret

; ---- the keyboard controller ----

; Self-test (AAh -> 55h), the command byte, then a keyboard reset (FFh -> FAh, then
; AAh when its own test passed). Every wait has a time-out: a missing keyboard costs a
; few milliseconds, no more. A failure is noted in the EBDA for post_errors.
kbc_init:
    xor bl, bl
    call kbc_flush
    mov al, 0AAh
    call kbc_command
    call kbc_read
    jc .controller_failed
    cmp al, 55h
    je .controller_ok
.controller_failed:
    or bl, POST_ERROR_KBC
.controller_ok:
    mov al, 60h
    call kbc_command
    mov al, KBC_COMMAND_BYTE
    call kbc_write_data
    mov al, 0FFh
    call kbd_send                   ; reset: FAh, then AAh after the self-test
    jc .keyboard_failed
    call kbc_read_long
    jc .keyboard_failed
    cmp al, 0AAh
    je .keyboard_ok
.keyboard_failed:
    or bl, POST_ERROR_KEYBOARD
.keyboard_ok:
    call kbc_flush
    push es
    mov es, [BDA_EBDA_SEG]
    or [es:EBDA_POST_ERRORS], bl
    pop es
    ret

; After the banner: what POST found broken.
post_errors:
    push es
    mov ax, BDA_SEG
    mov es, ax
    mov es, [es:BDA_EBDA_SEG]
    mov bl, [es:EBDA_POST_ERRORS]
    pop es
    test bl, POST_ERROR_KBC
    jz .keyboard
    mov si, msg_kbc_failed
    call print_message
.keyboard:
    test bl, POST_ERROR_KEYBOARD
    jz .ret
    mov si, msg_keyboard_failed
    call print_message
.ret:
    ret

msg_kbc_failed: db "Keyboard controller error: its self-test failed", 13, 10, 0
msg_keyboard_failed: db "Keyboard error: no keyboard answered the reset", 13, 10, 0

; Waits until the controller's input buffer is empty. CF = 1 on a time-out.
kbc_wait_write:
    push cx
    mov cx, KBC_TIMEOUT_LOOPS
.poll:
    in al, PORT_KBC_STATUS
    test al, 02h
    jz .ready
    loop .poll
    pop cx
    stc
    ret
.ready:
    pop cx
    clc
    ret

; AL = the next byte from the controller's output buffer; CF = 1 on a time-out.
kbc_read:
    push cx
    mov cx, KBC_TIMEOUT_LOOPS
.poll:
    in al, PORT_KBC_STATUS
    test al, 01h
    jnz .ready
    loop .poll
    pop cx
    stc
    ret
.ready:
    in al, PORT_KBC_DATA
    pop cx
    clc
    ret

; The same with a longer time-out, for the keyboard's self-test after a reset.
kbc_read_long:
    push cx
    mov cx, 16
.again:
    call kbc_read
    jnc .done
    loop .again
.done:
    pop cx
    ret

; Sends the command AL to the controller (port 64h).
kbc_command:
    push ax
    call kbc_wait_write
    pop ax
    out PORT_KBC_STATUS, al
    ret

; Sends AL to port 60h (a command's data byte, or a byte for the keyboard).
kbc_write_data:
    push ax
    call kbc_wait_write
    pop ax
    out PORT_KBC_DATA, al
    ret

; Sends AL to the keyboard and waits for its answer: CF = 0 if it acknowledged (FAh).
kbd_send:
    call kbc_write_data
    call kbc_read
    jc .ret
    cmp al, 0FAh
    je .ret                         ; CF = 0 after an equal compare
    stc
.ret:
    ret

; Empties the controller's output buffer (at most 16 stale bytes).
kbc_flush:
    push cx
    mov cx, 16
.next:
    in al, PORT_KBC_STATUS
    test al, 01h
    jz .done
    in al, PORT_KBC_DATA
    loop .next
.done:
    pop cx
    ret

; ---- the interrupt vector table ----

; Every vector to the dummy IRET, the hardware IRQs to handlers that send the EOI, then
; the BIOS's own vectors from ivt_table.
ivt_init:
    push ds
    push es
    xor ax, ax
    mov es, ax
    xor di, di
    mov cx, 256
.all:
    mov ax, default_handler
    stosw
    mov ax, BIOS_SEG
    stosw
    loop .all
    mov di, 08h * 4
    mov ax, irq_master_default
    call .eight_vectors
    mov di, 70h * 4
    mov ax, irq_slave_default
    call .eight_vectors
    mov ax, cs
    mov ds, ax
    mov si, ivt_table
.entry:
    lodsw                           ; vector number, FFFFh ends the table
    cmp ax, 0FFFFh
    je .done
    mov di, ax
    shl di, 1
    shl di, 1
    movsw
    mov ax, BIOS_SEG
    stosw
    jmp short .entry
.done:
    pop es
    pop ds
    ret
.eight_vectors:
    mov cx, 8
.irq:
    stosw
    mov word [es:di], BIOS_SEG
    add di, 2
    loop .irq
    ret

ivt_table:
    dw 02h, nmi_handler
    dw 05h, print_screen_handler
    dw 08h, int08_handler
    dw 09h, int09_handler
    dw 10h, int10_handler
    dw 11h, int11_handler
    dw 12h, int12_handler
    dw 13h, int13_handler
    dw 14h, int14_handler
    dw 15h, int15_handler
    dw 16h, int16_handler
    dw 17h, int17_handler
    dw 18h, int18_handler
    dw 19h, int19_handler
    dw 1Ah, int1a_handler
    dw 1Dh, video_6845_params
    dw 1Eh, diskette_params
    dw 1Fh, font8x8_high
    dw 43h, font8x8_low
    dw 70h, int70_handler
    dw 71h, irq9_handler
    dw 75h, irq13_handler
    dw 0FFFFh

; ---- the default hardware interrupt handlers ----

; An IRQ nobody claimed: record the in-service bits in 40:6Bh (the PC/AT's "interrupt
; flag", D11) and end it. A spurious one (IRQ 7 or 15 with nothing in service: Intel
; 8259A data sheet, "interrupt sequence") gets no EOI of its own, which would end
; another interrupt; a spurious IRQ 15 still ends the cascade on the master.
irq_master_default:
    push ax
    push ds
    mov al, 0Bh                     ; OCW3: read the ISR
    out PORT_PIC1, al
    in al, PORT_PIC1
    push ax
    mov ax, BDA_SEG
    mov ds, ax
    pop ax
    mov [BDA_LAST_IRQ], al
    test al, al
    jz .spurious
    mov al, PIC_EOI
    out PORT_PIC1, al
.spurious:
    pop ds
    pop ax
    iret

irq_slave_default:
    push ax
    push ds
    mov al, 0Bh
    out PORT_PIC2, al
    in al, PORT_PIC2
    push ax
    mov ax, BDA_SEG
    mov ds, ax
    pop ax
    mov byte [BDA_LAST_IRQ], 04h    ; came through IR2
    test al, al
    jz .spurious
    mov al, PIC_EOI
    out PORT_PIC2, al
.spurious:
    mov al, PIC_EOI
    out PORT_PIC1, al
    pop ds
    pop ax
    iret

; IRQ 9 is the PC/XT's IRQ 2 line on the AT bus: end it on the slave and pass it to
; INT 0Ah, whose handler ends it on the master (PC/AT Technical Reference, RE_DIRECT).
irq9_handler:
    push ax
    mov al, PIC_EOI
    out PORT_PIC2, al
    pop ax
    int 0Ah
    iret

; IRQ 13, the coprocessor's error: clear its busy latch (port F0h), end the interrupt
; and report it as an NMI, as the PC/AT does (INT_287).
irq13_handler:
    push ax
    xor al, al
    out 0F0h, al
    mov al, PIC_EOI
    out PORT_PIC2, al
    out PORT_PIC1, al
    pop ax
    int 02h
    iret

nmi_handler:
    iret

; ---- the BIOS data area and the EBDA ----

; Clears 40:00-40:FF and fills in what POST knows. BP = the reset flag from before.
bda_init:
    push es
    mov ax, BDA_SEG
    mov es, ax
    xor di, di
    xor ax, ax
    mov cx, 128
    rep stosw
    mov [BDA_RESET_FLAG], bp
    ; the keyboard buffer
    mov ax, BDA_KBD_BUFFER
    mov [BDA_KBD_HEAD], ax
    mov [BDA_KBD_TAIL], ax
    mov [BDA_KBD_START], ax
    mov word [BDA_KBD_END], BDA_KBD_BUFFER_END
    mov byte [BDA_KBD_FLAGS3], KF3_ENHANCED
    mov byte [BDA_KBD_FLAGS0], KF0_NUM
    ; time-outs: 1 for the printers (none) and 1 for each serial port (seconds)
    mov word [BDA_COM_TIMEOUTS], 0101h
    mov word [BDA_COM_TIMEOUTS + 2], 0101h
    mov word [BDA_LPT_TIMEOUTS], 1414h
    mov byte [BDA_LPT_TIMEOUTS + 2], 14h
    pop es
    call ticks_from_rtc
    ret

; The conventional memory from CMOS 15h/16h (the machine fills it: vx86 devices/pc.c,
; fill_cmos), at most 640 KiB, less the 1 KiB EBDA at its top: 40:13h and 40:0Eh, then
; the EBDA itself. The memory above 1 MiB is read from the CMOS where it is asked for
; (INT 15h AH=88h, E801h, E820h). BL = the CPU level, kept in the EBDA.
memory_init:
    push es
    mov al, CMOS_BASE_KIB
    call cmos_read_word
    cmp ax, 640
    jbe .base_ok
    mov ax, 640
.base_ok:
    cmp ax, 64
    jae .base_min
    mov ax, 640                     ; an unset CMOS: every PC/AT has 640 KiB
.base_min:
    sub ax, EBDA_KIB
    mov [BDA_MEMORY_KIB], ax
    mov cl, 6
    shl ax, cl                      ; KiB -> paragraphs
    mov [BDA_EBDA_SEG], ax
    mov es, ax
    xor di, di
    xor ax, ax
    mov cx, EBDA_KIB * 512
    rep stosw
    mov byte [es:EBDA_SIZE], EBDA_KIB
    mov [es:EBDA_CPU], bl
    mov al, CMOS_VX86_FLAGS
    call cmos_read
    and al, 01h
    mov [es:EBDA_MIRROR], al
    pop es
    ret

; The equipment word (INT 11h; Ralf Brown, INT 11h, "Bitfields for BIOS equipment
; list"): diskette drives from CMOS 10h, 80x25 colour video, the serial ports found,
; a coprocessor if FNINIT/FNSTSW answer.
equipment_init:
    xor bx, bx
    mov al, CMOS_FLOPPY_TYPES
    call cmos_read
    mov cl, 0
    test al, 0F0h
    jz .no_a
    inc cl
.no_a:
    test al, 0Fh
    jz .no_b
    inc cl
.no_b:
    test cl, cl
    jz .video
    dec cl
    mov ch, cl
    mov cl, 6
    shl ch, cl
    or bl, ch                       ; bits 7-6: drives - 1
    or bl, 01h                      ; bit 0: diskettes present
.video:
    or bl, 20h                      ; bits 5-4 = 10b: 80x25 colour
    call fpu_detect
    jnc .serial
    or bl, 02h
.serial:
    ; bits 11-9: the number of serial ports
    xor cx, cx
    mov si, BDA_COM_PORTS
.count:
    cmp word [si], 0
    je .counted
    inc cx
    add si, 2
    cmp si, BDA_COM_PORTS + 8
    jb .count
.counted:
    mov ax, cx
    mov cl, 9
    shl ax, cl
    or bx, ax
    or bx, 0004h                    ; bit 2: a PS/2 pointing device (the 8042's mouse)
    mov [BDA_EQUIPMENT], bx
    ret

; CF = 1 if a coprocessor answers: FNINIT clears its status word, FNSTSW stores it; with
; no coprocessor the ESC instructions do nothing and the test word keeps its value
; (Intel, "80387 Programmer's Reference Manual", 4.2 "Detecting a coprocessor").
fpu_detect:
    push es
    xor ax, ax
    mov es, ax
    mov word [es:04FEh], 5A5Ah      ; the intra-application area as scratch
    fninit
    fnstsw [es:04FEh]
    cmp byte [es:04FEh], 0
    mov word [es:04FEh], 0
    pop es
    je .present
    clc
    ret
.present:
    stc
    ret

; ---- the serial ports ----

; Each UART that keeps what is written to its scratch register goes into 40:00h
; (PC/AT Technical Reference, POST, "RS232 test"); COM1 is programmed for 115200
; baud 8N1 so the boot messages can go there.
serial_ports_init:
    mov si, serial_bases
    mov di, BDA_COM_PORTS
.next:
    mov dx, [cs:si]
    test dx, dx
    jz .program
    add dx, 7
    mov al, 5Ah
    out dx, al
    IO_DELAY
    in al, dx
    cmp al, 5Ah
    jne .absent
    mov al, 0A5h
    out dx, al
    IO_DELAY
    in al, dx
    cmp al, 0A5h
    jne .absent
    mov ax, [cs:si]
    mov [di], ax
    add di, 2
.absent:
    add si, 2
    jmp short .next
.program:
    mov dx, COM1 + 3
    mov al, 80h                     ; DLAB
    out dx, al
    mov dx, COM1
    mov al, 1                       ; divisor 1: 115200 baud
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 03h                     ; 8N1
    out dx, al
    mov dx, COM1 + 2
    mov al, 07h                     ; FIFOs on and cleared
    out dx, al
    mov dx, COM1 + 4
    mov al, 03h                     ; DTR, RTS
    out dx, al
    ret

serial_bases: dw 3F8h, 2F8h, 3E8h, 2E8h, 0

; ---- the CMOS checksum ----

; The word at 2Eh (high byte first) is the sum of bytes 10h-2Dh (PC/AT Technical
; Reference, CMOS RAM address map). A bad one is reported and flagged in the
; diagnostic byte 0Eh (bit 6), as the PC/AT does.
cmos_checksum_check:
    xor bx, bx
    mov cl, 10h
.sum:
    mov al, cl
    call cmos_read
    xor ah, ah
    add bx, ax
    inc cl
    cmp cl, 2Eh
    jb .sum
    mov al, CMOS_CHECKSUM_HI
    call cmos_read
    mov ah, al
    mov al, CMOS_CHECKSUM_HI + 1
    push ax
    call cmos_read
    mov dl, al
    pop ax
    mov al, dl
    cmp ax, bx
    je .ok
    mov si, msg_cmos_checksum
    call print_message
    mov al, CMOS_DIAGNOSTIC
    call cmos_read
    or al, 40h
    mov ah, al
    mov al, CMOS_DIAGNOSTIC
    call cmos_write
.ok:
    ret

; ---- option ROMs ----

; Scans segments AX up to DX (exclusive) in 2 KiB steps for ROMs: 55h AAh, a size byte
; in 512-byte units, and bytes that sum to zero over the whole ROM; each valid one is
; called at offset 3 (far), then the scan skips past it (IBM PC/AT Technical
; Reference, POST, "ROM_CHECK").
option_rom_scan:
.next:
    cmp ax, dx
    jae .done
    mov es, ax
    cmp word [es:0], 0AA55h
    jne .step
    mov cl, [es:2]
    test cl, cl
    jz .step
    call option_rom_checksum
    jnz .step
    push ax
    push dx
    push es
    call option_rom_run
    pop es
    pop dx
    pop ax
    ; skip the ROM: size * 512 bytes = size * 32 paragraphs, rounded up to 2 KiB
    mov bl, [es:2]
    xor bh, bh
    mov cl, 5
    shl bx, cl
    add bx, 7Fh
    and bx, 0FF80h
    add ax, bx
    jmp short .next
.step:
    add ax, 80h
    jmp short .next
.done:
    ret

; ZF = 1 if the CL * 512 bytes at ES:0 sum to zero (in 512-byte blocks, so a ROM of
; any size byte is summed without an offset overflowing).
option_rom_checksum:
    push ax
    push cx
    push dx
    push si
    push es
    mov dl, cl
    xor ah, ah
.block:
    xor si, si
    mov cx, 512
.add:
    add ah, [es:si]
    inc si
    loop .add
    mov cx, es
    add cx, 512 / 16
    mov es, cx
    dec dl
    jnz .block
    test ah, ah
    pop es
    pop si
    pop dx
    pop cx
    pop ax
    ret

; Calls the ROM at ES:0003h (far) with DS = the BDA; keeps DS, BP, SI, DI.
option_rom_run:
    push ds
    push bp
    push si
    push di
    mov ax, cs
    push ax
    mov ax, .returned
    push ax
    push es
    mov ax, 3
    push ax
    mov ax, BDA_SEG
    mov ds, ax
    retf
.returned:
    cld
    pop di
    pop si
    pop bp
    pop ds
    ret
