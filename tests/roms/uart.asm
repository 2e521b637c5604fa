; UART: COM1 in loopback mode echoes a string through its FIFO (polled: on a PC the
; OUT2 pin, which gates the IRQ, is forced inactive in loopback, 16550D datasheet
; "Loopback"), then, out of loopback, prints a line on the serial port and echoes the
; bytes it receives through the receive interrupt (IRQ 4) until a '.' arrives (the test
; feeds them on stdin).
%include "rom.inc"
%define COM1 3F8h

ROM_START
    xor ax, ax
    mov es, ax
    mov word [es:0Ch * 4], com1_handler
    mov word [es:0Ch * 4 + 2], cs
    mov word [es:600h], 0       ; bytes received by the interrupt handler
    PIC_INIT 0EFh, 0FFh

    ; FIFOs on (trigger level 1), loopback; console_init already set 115200 8N1
    mov dx, COM1 + 2
    mov al, 07h
    out dx, al
    mov dx, COM1 + 4
    mov al, 1Bh                 ; DTR RTS OUT2 LOOP
    out dx, al
    mov si, loop_text
    xor di, di
.send:
    lodsb
    test al, al
    jz .sent
    call serial_put
    mov dx, COM1 + 5
.back:
    in al, dx
    test al, 01h                ; data ready: the byte came round
    jz .back
    mov dx, COM1
    in al, dx
    mov [es:700h + di], al
    inc di
    jmp .send
.sent:
    mov [es:600h], di
    mov dx, COM1 + 4
    mov al, 0Bh                 ; DTR RTS OUT2, loopback off
    out dx, al
    PRINT msg_loop
    mov cx, [es:600h]
    mov si, 700h
.show:
    mov al, [es:si]
    call console_put
    inc si
    loop .show
    call newline

    ; talk to the outside: received bytes arrive through IRQ 4
    mov word [es:600h], 0
    mov dx, COM1 + 1
    mov al, 01h                 ; received-data interrupt
    out dx, al
    PRINT hello
    xor bx, bx                  ; bytes echoed so far
    sti
.wait:
    hlt
.echo:
    cli
    cmp bx, [es:600h]
    jae .idle
    mov al, [es:700h + bx]
    inc bx
    sti
    call serial_put
    cmp al, '.'
    jne .echo
    cli
    call newline
    PRINT msg_done
    STOP
.idle:
    sti
    jmp .wait

; Sends AL on COM1 once the transmitter has room.
serial_put:
    push dx
    push ax
    mov dx, COM1 + 5
.busy:
    in al, dx
    test al, 20h
    jz .busy
    pop ax
    mov dx, COM1
    out dx, al
    pop dx
    ret

com1_handler:
    push ax
    push dx
    push di
.more:
    mov dx, COM1 + 5
    in al, dx
    test al, 01h
    jz .none
    mov dx, COM1
    in al, dx
    mov di, [es:600h]
    mov [es:700h + di], al
    inc word [es:600h]
    jmp .more
.none:
    mov al, 20h
    out 20h, al
    pop di
    pop dx
    pop ax
    iret

ROM_LIBRARY
loop_text: db "loopback through the FIFO", 0
loop_len equ $ - loop_text - 1
hello: db "uart ready", 10, 0
msg_loop: db "loop ", 0
msg_done: db "uart done", 10, 0
ROM_END
