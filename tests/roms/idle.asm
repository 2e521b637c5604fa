; An idle guest: the PIT interrupts at 1 kHz (mode 2, count 1193) and the CPU sleeps with
; HLT between ticks. After 10,000 ticks (10 s of guest time) it prints "idle done" and
; halts. bench/realtime.sh runs it in real time and measures host time and CPU use.
%include "rom.inc"

ROM_START
    xor ax, ax
    mov es, ax
    mov word [es:08h * 4], tick
    mov word [es:08h * 4 + 2], cs
    mov word [es:500h], 0
    PIC_INIT 0FEh, 0FFh
    mov al, 34h                 ; counter 0, mode 2, LSB then MSB
    out 43h, al
    mov ax, 1193
    out 40h, al
    mov al, ah
    out 40h, al
    PRINT msg_start
    sti
.sleep:
    hlt
    cmp word [es:500h], 10000
    jb .sleep
    cli
    PRINT msg_done
    call console_flush
    STOP

tick:
    inc word [es:500h]
    push ax
    mov al, 20h
    out 20h, al
    pop ax
    iret

ROM_LIBRARY
msg_start: db "idle start", 10, 0
msg_done: db "idle done", 10, 0
ROM_END
