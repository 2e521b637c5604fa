; time.asm: the CMOS RAM and real-time clock, the timer tick (IRQ 0 / INT 08h), the RTC
; interrupt (IRQ 8 / INT 70h), INT 1Ah (time of day) and the INT 15h waits (AH=83h,
; AH=86h) that run on the RTC's periodic interrupt.
;
; References: MC146818A datasheet (registers A-D, the update cycle and UIP, the
; periodic rates); IBM PC/AT Technical Reference, BIOS listing (TIMER_INT, RTC_INT,
; TIME_OF_DAY); Ralf Brown's Interrupt List (INT 1Ah AH=00h-07h, INT 15h AH=83h/86h,
; MEMORY.LST 40:6Ch, 40:98h-A0h).

%define TICKS_PER_DAY_HIGH 0018h    ; 1800B0h ticks = 24 h at 1193180/65536 Hz
%define TICKS_PER_DAY_LOW 00B0h
%define RTC_REG_A_DEFAULT 26h       ; 32.768 kHz time base, periodic rate 1024 Hz
%define RTC_REG_B_DEFAULT 02h       ; 24-hour, BCD, no interrupts, no DST
%define RTC_B_SET 80h
%define RTC_B_PIE 40h               ; periodic interrupt enable
%define RTC_B_AIE 20h               ; alarm interrupt enable
%define RTC_B_DSE 01h
%define RTC_C_PF 40h
%define RTC_C_AF 20h
%define RTC_A_UIP 80h
%define PERIODIC_US 976             ; microseconds per periodic interrupt at 1024 Hz
%define WAIT_ACTIVE 01h
%define WAIT_ELAPSED 80h

; ---- CMOS access (index port 70h bit 7 left clear: NMI stays enabled) ----

; AL = CMOS register AL.
cmos_read:
    out PORT_CMOS_INDEX, al
    IO_DELAY
    in al, PORT_CMOS_DATA
    ret

; CMOS register AL = AH.
cmos_write:
    out PORT_CMOS_INDEX, al
    IO_DELAY
    mov al, ah
    out PORT_CMOS_DATA, al
    ret

; AX = the little-endian word at CMOS register AL (low byte first).
cmos_read_word:
    push bx
    mov bl, al
    inc al
    call cmos_read
    mov bh, al
    mov al, bl
    call cmos_read
    mov ah, bh
    pop bx
    ret

; Waits until the RTC is not in an update cycle (register A's UIP clear), so that the
; time registers read consistently (MC146818A datasheet: UIP rises 244 us before the
; update). CF = 1 if UIP never fell (the clock is not running).
rtc_wait_update:
    push cx
    mov cx, 0FFFFh
.poll:
    mov al, CMOS_STATUS_A
    call cmos_read
    test al, RTC_A_UIP
    jz .ready
    loop .poll
    pop cx
    stc
    ret
.ready:
    pop cx
    clc
    ret

; POST: programs registers A and B, clears the pending flags, and sets the tick count
; from the RTC's time of day.
rtc_init:
    mov ax, (RTC_REG_A_DEFAULT << 8) | CMOS_STATUS_A
    call cmos_write
    mov ax, (RTC_REG_B_DEFAULT << 8) | CMOS_STATUS_B
    call cmos_write
    mov al, CMOS_STATUS_C
    call cmos_read
    call ticks_from_rtc
    ret

; AL = the BCD byte AL as binary.
bcd_to_binary:
    push cx
    mov ch, al
    and ch, 0Fh
    mov cl, 4
    shr al, cl
    mov cl, 10
    mul cl
    add al, ch
    pop cx
    ret

; 40:6Ch = the ticks since midnight of the RTC's time: floor(s * 1193180 / 65536) for
; s seconds, computed as h * 3600 + t (t = m * 60 + s < 3600) so every product fits
; 32 bits: h * 3600 * 1193180 = h * 65543 * 65536 + h * 21952, and t * 1193180 =
; t * 18 * 65536 + t * 13532.
ticks_from_rtc:
    push ds
    push bx
    push cx
    push dx
    push si
    push di
    mov ax, BDA_SEG
    mov ds, ax
    call rtc_wait_update
    mov al, CMOS_SECONDS
    call cmos_read
    call bcd_to_binary
    xor ah, ah
    mov si, ax                  ; seconds
    mov al, CMOS_MINUTES
    call cmos_read
    call bcd_to_binary
    mov cl, 60
    mul cl
    add si, ax                  ; t = minutes * 60 + seconds
    mov al, CMOS_HOURS
    call cmos_read
    call bcd_to_binary
    xor ah, ah
    mov di, ax                  ; h
    ; fraction = h * 21952 + t * 13532 (32 bits): its high word carries into the ticks
    mov cx, 21952
    mul cx
    mov bx, ax
    mov cx, dx                  ; CX:BX = h * 21952
    mov ax, si
    mov dx, 13532
    mul dx
    add ax, bx
    adc dx, cx                  ; DX = floor(fraction / 65536)
    mov bx, dx
    ; whole = h * 65543 + t * 18 + BX
    mov ax, si
    mov cx, 18
    mul cx                      ; < 65536: t < 3600
    add bx, ax
    mov ax, di
    mov cx, 7
    mul cx                      ; h * 65543 = h * 65536 + h * 7
    add dx, di
    add ax, bx
    adc dx, 0
    mov [BDA_TICKS], ax
    mov [BDA_TICKS + 2], dx
    mov byte [BDA_MIDNIGHT], 0
    pop di
    pop si
    pop dx
    pop cx
    pop bx
    pop ds
    ret

; ---- IRQ 0: the timer tick, 18.2 times a second ----

int08_handler:
    push ax
    push dx
    push ds
    mov ax, BDA_SEG
    mov ds, ax
    add word [BDA_TICKS], 1
    adc word [BDA_TICKS + 2], 0
    cmp word [BDA_TICKS + 2], TICKS_PER_DAY_HIGH
    jne .motor
    cmp word [BDA_TICKS], TICKS_PER_DAY_LOW
    jne .motor
    mov word [BDA_TICKS], 0
    mov word [BDA_TICKS + 2], 0
    mov byte [BDA_MIDNIGHT], 1
.motor:
    ; The diskette motor-off countdown (PC/AT TIMER_INT): at zero every motor stops.
    cmp byte [BDA_FLOPPY_MOTOR_COUNT], 0
    je .user
    dec byte [BDA_FLOPPY_MOTOR_COUNT]
    jnz .user
    and byte [BDA_FLOPPY_MOTOR], 0F0h
    mov al, 0Ch                 ; DOR: controller enabled, DMA on, all motors off
    mov dx, 3F2h
    out dx, al
.user:
    int 1Ch
    cli
    mov al, PIC_EOI
    out PORT_PIC1, al
    pop ds
    pop dx
    pop ax
    iret

; ---- IRQ 8: the RTC's periodic and alarm interrupts ----

int70_handler:
    push ax
    push ds
    mov ax, BDA_SEG
    mov ds, ax
    mov al, CMOS_STATUS_C       ; reading C acknowledges the interrupt
    call cmos_read
    test al, RTC_C_PF
    jz .alarm
    push ax
    call wait_tick
    pop ax
.alarm:
    test al, RTC_C_AF
    jz .done
    sti
    int 4Ah                     ; the user's alarm routine
    cli
.done:
    mov al, PIC_EOI
    out PORT_PIC2, al
    out PORT_PIC1, al
    pop ds
    pop ax
    iret

; One periodic interrupt of a running INT 15h AH=83h/86h wait: counts its microseconds
; down and, when they are gone, sets bit 7 of the user's flag byte and of 40:A0h and
; turns the periodic interrupt off. DS = BDA.
wait_tick:
    test byte [BDA_WAIT_ACTIVE], WAIT_ACTIVE
    jz .stop
    sub word [BDA_WAIT_COUNT], PERIODIC_US
    sbb word [BDA_WAIT_COUNT + 2], 0
    jnc .ret
    push es
    push bx
    les bx, [BDA_WAIT_FLAG_PTR]
    or byte [es:bx], WAIT_ELAPSED
    pop bx
    pop es
    mov byte [BDA_WAIT_ACTIVE], WAIT_ELAPSED
.stop:
    call rtc_periodic_off
.ret:
    ret

rtc_periodic_on:
    push ax
    mov al, CMOS_STATUS_B
    call cmos_read
    or al, RTC_B_PIE
    mov ah, al
    mov al, CMOS_STATUS_B
    call cmos_write
    pop ax
    ret

rtc_periodic_off:
    push ax
    mov al, CMOS_STATUS_B
    call cmos_read
    and al, ~RTC_B_PIE & 0FFh
    mov ah, al
    mov al, CMOS_STATUS_B
    call cmos_write
    pop ax
    ret

; ---- INT 15h AH=83h and AH=86h (called from int15_handler with DS = BDA) ----

; AH=83h AL=00h: set bit 7 of the byte at ES:BX after CX:DX microseconds, and return
; at once; AL=01h: cancel. CF = 1 (AH=80h) if a wait is already running.
int15_event_wait:
    cmp al, 01h
    je .cancel
    test byte [BDA_WAIT_ACTIVE], WAIT_ACTIVE
    jnz .busy
    mov [BDA_WAIT_FLAG_PTR], bx
    mov [BDA_WAIT_FLAG_PTR + 2], es
    call wait_start
    clc
    ret
.cancel:
    cli
    mov byte [BDA_WAIT_ACTIVE], 0
    call rtc_periodic_off
    sti
    clc
    ret
.busy:
    mov ah, 80h
    stc
    ret

; AH=86h: waits CX:DX microseconds (interrupts enabled during the wait: the RTC's
; periodic interrupt ends it). CF = 1 (AH=83h) if a wait is already running.
int15_wait:
    test byte [BDA_WAIT_ACTIVE], WAIT_ACTIVE
    jnz .busy
    mov word [BDA_WAIT_FLAG_PTR], BDA_WAIT_ACTIVE
    mov word [BDA_WAIT_FLAG_PTR + 2], BDA_SEG
    call wait_start
.sleep:
    cli                             ; test and sleep with no interrupt in between:
    test byte [BDA_WAIT_ACTIVE], WAIT_ELAPSED
    jnz .done
    sti                             ; STI's one-instruction delay covers the HLT
    hlt
    jmp short .sleep
.done:
    sti
    mov byte [BDA_WAIT_ACTIVE], 0
    xor ah, ah
    clc
    ret
.busy:
    mov ah, 83h
    stc
    ret

; Arms a wait of CX:DX microseconds on the periodic interrupt.
wait_start:
    cli
    mov [BDA_WAIT_COUNT], dx
    mov [BDA_WAIT_COUNT + 2], cx
    mov byte [BDA_WAIT_ACTIVE], WAIT_ACTIVE
    call rtc_periodic_on
    sti
    ret

; ---- INT 1Ah: time of day ----

int1a_handler:
    sti
    push ds
    push bx
    mov bx, BDA_SEG
    mov ds, bx
    cmp ah, 07h
    ja .unsupported
    mov bl, ah
    xor bh, bh
    shl bx, 1
    call [cs:int1a_functions + bx]
    pop bx
    pop ds
    IRET_CF
.unsupported:
    pop bx
    pop ds
    stc
    IRET_CF

int1a_functions:
    dw time_get_ticks, time_set_ticks, time_get_rtc_time, time_set_rtc_time
    dw time_get_rtc_date, time_set_rtc_date, time_set_alarm, time_reset_alarm

; AH=00h: CX:DX = ticks since midnight, AL = midnight flag (then cleared).
time_get_ticks:
    cli
    mov dx, [BDA_TICKS]
    mov cx, [BDA_TICKS + 2]
    mov al, 0
    xchg al, [BDA_MIDNIGHT]
    sti
    clc
    ret

; AH=01h: ticks since midnight = CX:DX.
time_set_ticks:
    cli
    mov [BDA_TICKS], dx
    mov [BDA_TICKS + 2], cx
    mov byte [BDA_MIDNIGHT], 0
    sti
    clc
    ret

; AH=02h: CH = hours, CL = minutes, DH = seconds (BCD), DL = 1 if daylight saving.
time_get_rtc_time:
    call rtc_wait_update
    jc .ret
    mov al, CMOS_HOURS
    call cmos_read
    mov ch, al
    mov al, CMOS_MINUTES
    call cmos_read
    mov cl, al
    mov al, CMOS_SECONDS
    call cmos_read
    mov dh, al
    mov al, CMOS_STATUS_B
    call cmos_read
    and al, RTC_B_DSE
    mov dl, al
    clc
.ret:
    ret

; AH=03h: sets the time from CH, CL, DH (BCD), DL = daylight saving. Register B's SET
; bit holds the update cycle while the registers are written (MC146818A datasheet).
time_set_rtc_time:
    call rtc_begin_set
    mov al, CMOS_HOURS
    mov ah, ch
    call cmos_write
    mov al, CMOS_MINUTES
    mov ah, cl
    call cmos_write
    mov al, CMOS_SECONDS
    mov ah, dh
    call cmos_write
    mov al, CMOS_STATUS_B
    call cmos_read
    and al, ~(RTC_B_SET | RTC_B_DSE) & 0FFh
    or al, 02h                  ; 24-hour
    and dl, RTC_B_DSE
    or al, dl
    mov ah, al
    mov al, CMOS_STATUS_B
    call cmos_write
    clc
    ret

; Sets register B's SET bit (keeping 24-hour BCD) so the clock can be written.
rtc_begin_set:
    call rtc_wait_update
    mov al, CMOS_STATUS_B
    call cmos_read
    and al, ~04h & 0FFh         ; BCD
    or al, RTC_B_SET | 02h
    mov ah, al
    mov al, CMOS_STATUS_B
    call cmos_write
    ret

rtc_end_set:
    mov al, CMOS_STATUS_B
    call cmos_read
    and al, ~RTC_B_SET & 0FFh
    mov ah, al
    mov al, CMOS_STATUS_B
    call cmos_write
    ret

; AH=04h: CH = century, CL = year, DH = month, DL = day (BCD).
time_get_rtc_date:
    call rtc_wait_update
    jc .ret
    mov al, CMOS_CENTURY
    call cmos_read
    mov ch, al
    mov al, CMOS_YEAR
    call cmos_read
    mov cl, al
    mov al, CMOS_MONTH
    call cmos_read
    mov dh, al
    mov al, CMOS_DAY
    call cmos_read
    mov dl, al
    clc
.ret:
    ret

; AH=05h: sets the date from CH, CL, DH, DL (BCD).
time_set_rtc_date:
    call rtc_begin_set
    mov al, CMOS_CENTURY
    mov ah, ch
    call cmos_write
    mov al, CMOS_YEAR
    mov ah, cl
    call cmos_write
    mov al, CMOS_MONTH
    mov ah, dh
    call cmos_write
    mov al, CMOS_DAY
    mov ah, dl
    call cmos_write
    call rtc_end_set
    clc
    ret

; AH=06h: alarm at CH:CL:DH (BCD); IRQ 8 then calls INT 4Ah. CF = 1 if an alarm is
; already set (register B's AIE on).
time_set_alarm:
    mov al, CMOS_STATUS_B
    call cmos_read
    test al, RTC_B_AIE
    jnz .busy
    mov al, CMOS_HOURS_ALARM
    mov ah, ch
    call cmos_write
    mov al, CMOS_MINUTES_ALARM
    mov ah, cl
    call cmos_write
    mov al, CMOS_SECONDS_ALARM
    mov ah, dh
    call cmos_write
    mov al, CMOS_STATUS_B
    call cmos_read
    or al, RTC_B_AIE
    mov ah, al
    mov al, CMOS_STATUS_B
    call cmos_write
    clc
    ret
.busy:
    stc
    ret

; AH=07h: cancels the alarm.
time_reset_alarm:
    mov al, CMOS_STATUS_B
    call cmos_read
    and al, ~RTC_B_AIE & 0FFh
    mov ah, al
    mov al, CMOS_STATUS_B
    call cmos_write
    clc
    ret
