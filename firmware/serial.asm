; serial.asm: INT 14h (the serial ports from 40:00h), INT 17h (printers: there are
; none), and the COM1 copy of the boot messages.
;
; References: Ralf Brown's Interrupt List, INT 14h AH=00h-03h (the parameter byte and
; the returned line/modem status), INT 17h AH=00h-02h; the 16550A data sheet (DLL/DLM,
; LCR, LSR bits: 0 data ready, 5 THR empty, 6 transmitter empty, 7 time-out as the
; BIOS reports it); the baud divisor table at F000:E729h (bios.asm).

%define UART_DATA 0
%define UART_IER 1
%define UART_FCR 2
%define UART_LCR 3
%define UART_MCR 4
%define UART_LSR 5
%define UART_MSR 6
%define LSR_DATA_READY 01h
%define LSR_THR_EMPTY 20h
%define LSR_TX_EMPTY 40h
%define SERIAL_TIMEOUT 80h
%define TICKS_PER_SECOND 18

int14_handler:
    sti
    push ds
    push bx
    push cx
    push dx
    push si
    mov bx, BDA_SEG
    mov ds, bx
    cmp dx, 3
    ja .no_port
    mov si, dx
    mov bl, [BDA_COM_TIMEOUTS + si]    ; seconds to wait
    shl si, 1
    mov dx, [BDA_COM_PORTS + si]
    test dx, dx
    jz .no_port
    cmp ah, 03h
    ja .no_port
    mov cl, ah
    xor ch, ch
    mov si, cx
    shl si, 1
    call [cs:int14_functions + si]
    jmp short .ret
.no_port:
    mov ah, SERIAL_TIMEOUT
.ret:
    pop si
    pop dx
    pop cx
    pop bx
    pop ds
    iret

int14_functions: dw serial_init_port, serial_send, serial_receive, serial_status

; AH=00h: AL = bits 7-5 baud (110 .. 9600), 4-3 parity, 2 stop bits, 1-0 word length.
; Returns the status as AH=03h.
serial_init_port:
    push ax
    add dx, UART_LCR
    mov al, 80h                     ; DLAB
    out dx, al
    pop ax
    push ax
    mov cl, 5
    shr al, cl
    xor ah, ah
    mov si, ax
    shl si, 1
    mov ax, [cs:baud_divisors + si]
    sub dx, UART_LCR - UART_DATA
    out dx, al                      ; DLL
    inc dx
    mov al, ah
    out dx, al                      ; DLM
    pop ax
    and al, 1Fh                     ; word length, stop bits, parity: LCR bits 0-4
    add dx, UART_LCR - 1
    out dx, al
    sub dx, UART_LCR - UART_IER
    xor al, al
    out dx, al                      ; no UART interrupts
    sub dx, UART_IER
    jmp short serial_status

; AH=01h: sends AL. AH = the line status, bit 7 set if the port never became ready.
serial_send:
    mov bh, al
    add dx, UART_MCR
    mov al, 03h                     ; DTR, RTS
    out dx, al
    inc dx                          ; LSR
    mov ah, LSR_THR_EMPTY
    call serial_wait_line
    jc .timeout
    sub dx, UART_LSR
    mov al, bh
    out dx, al
    mov al, bh
    ret
.timeout:
    mov al, bh
    or ah, SERIAL_TIMEOUT
    ret

; AH=02h: AL = the next byte received; AH = the line status's error bits (1-4), or
; 80h on a time-out.
serial_receive:
    add dx, UART_MCR
    mov al, 01h                     ; DTR
    out dx, al
    inc dx
    mov ah, LSR_DATA_READY
    call serial_wait_line
    jc .timeout
    and ah, 1Eh
    sub dx, UART_LSR
    in al, dx
    ret
.timeout:
    mov ah, SERIAL_TIMEOUT
    ret

; AH=03h: AH = line status, AL = modem status.
serial_status:
    add dx, UART_LSR
    in al, dx
    mov ah, al
    inc dx
    in al, dx
    ret

; Waits until the line status register at DX has a bit of AH set, for at most BL
; seconds (timer ticks: interrupts are on). AH = the last line status; CF = 1 on a
; time-out.
serial_wait_line:
    push bx
    push cx
    push si
    mov bh, ah
    mov al, bl
    mov cl, TICKS_PER_SECOND
    mul cl
    mov cx, ax                      ; ticks to wait
    mov si, [BDA_TICKS]
.poll:
    in al, dx
    test al, bh
    jnz .ready
    mov ax, [BDA_TICKS]
    sub ax, si
    cmp ax, cx
    jb .poll
    in al, dx
    mov ah, al
    pop si
    pop cx
    pop bx
    stc
    ret
.ready:
    mov ah, al
    pop si
    pop cx
    pop bx
    clc
    ret

; Sends AL to COM1 for the boot-message copy. The port runs at whatever rate the
; guest set (DOS programs COM1 for 2400 baud through INT 14h AH=00h: 4 ms a byte), so
; the wait for the transmitter is measured in timer ticks: up to 4 (220 ms, a byte at
; 110 baud), or 16 x 65536 polls when interrupts are off and the ticks stand still. A
; port that never empties loses the byte; the BIOS goes on.
%define MIRROR_TIMEOUT_TICKS 4
serial_put_com1:
    push ax
    push bx
    push cx
    push dx
    push si
    push ds
    mov bx, BDA_SEG
    mov ds, bx
    mov ah, al
    mov dx, COM1 + UART_LSR
    mov bx, [BDA_TICKS]
    mov si, 16
    xor cx, cx
.wait:
    in al, dx
    test al, LSR_THR_EMPTY
    jnz .send
    push cx
    mov cx, [BDA_TICKS]
    sub cx, bx
    cmp cx, MIRROR_TIMEOUT_TICKS
    pop cx
    jae .ret
    loop .wait
    dec si
    jnz .wait
    jmp short .ret
.send:
    mov al, ah
    mov dx, COM1
    out dx, al
.ret:
    pop ds
    pop si
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; Waits (bounded) until COM1 has sent everything, before the machine halts.
serial_flush_com1:
    push ax
    push cx
    push dx
    mov dx, COM1 + UART_LSR
    mov cx, 0FFFFh
.wait:
    in al, dx
    test al, LSR_TX_EMPTY
    jnz .ret
    loop .wait
.ret:
    pop dx
    pop cx
    pop ax
    ret

; INT 17h: the printer ports in 40:08h are all zero (vx86 has no parallel port), so
; every function returns AH = 31h: time-out, with "out of paper" and "selected" both
; set, the pair by which DOS knows that no printer is attached (Ralf Brown, INT 17h
; AH=00h, "Bitfields for printer status" and its note).
int17_handler:
    sti
    mov ah, 31h
    iret
