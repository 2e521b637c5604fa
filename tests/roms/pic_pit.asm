; PIC and PIT: programs the 8259A pair (vectors 08h-0Fh and 70h-77h), sets PIT counter 0
; to mode 2 with a 1 ms period (count 1193), enables IRQ 0 only, and counts timer
; interrupts while polling counter 2 for 50 ms of guest time (mode 0, one-shot, gate
; through port 61h). Prints the number of ticks seen: 50 or 51 on a correct machine
; (the count starts at an arbitrary phase). Also checks that the handler's EOI cleared
; the in-service register and that masked IRQs stay pending in the IRR.
%include "rom.inc"

ROM_START
    ; IVT entry 08h -> timer handler
    xor ax, ax
    mov es, ax
    mov word [es:08h * 4], timer_handler
    mov word [es:08h * 4 + 2], cs

    PIC_INIT 0FEh, 0FFh

    ; PIT counter 0: mode 2, binary, LSB then MSB, count 1193 (~1 ms)
    mov al, 34h
    out 43h, al
    mov ax, 1193
    out 40h, al
    mov al, ah
    out 40h, al

    ; PIT counter 2: mode 0, count 59659 (50 ms); the gate opens through port 61h
    in al, 61h
    and al, 0FCh
    out 61h, al
    mov al, 0B0h
    out 43h, al
    mov ax, 59659
    out 42h, al
    mov al, ah
    out 42h, al
    mov word [es:500h], 0       ; tick counter in RAM
    in al, 61h
    or al, 01h                  ; gate 2 high: counting starts
    out 61h, al
    sti
.wait:
    in al, 61h
    test al, 20h                ; OUT2 goes high at terminal count
    jz .wait
    cli

    PRINT msg_ticks
    mov ax, [es:500h]
    call print_dec
    call newline

    ; The handler sent EOIs: nothing may be left in service.
    mov al, 0Bh                 ; OCW3: read ISR
    out 20h, al
    in al, 20h
    PRINT msg_isr
    call print_hex8
    call newline

    ; With IRQ 0 masked, the timer still requests: IRR bit 0 comes up, no interrupt.
    mov al, 0FFh
    out 21h, al
    mov bx, 4                   ; about 260k instructions: several timer periods
.outer:
    mov cx, 0
.spin:
    loop .spin
    dec bx
    jnz .outer
    mov al, 0Ah                 ; OCW3: read IRR
    out 20h, al
    in al, 20h
    and al, 01h
    PRINT msg_irr
    call print_hex8
    call newline
    PRINT msg_done
    STOP

timer_handler:
    inc word [es:500h]
    push ax
    mov al, 20h                 ; non-specific EOI
    out 20h, al
    pop ax
    iret

ROM_LIBRARY
msg_ticks: db "ticks ", 0
msg_isr: db "isr ", 0
msg_irr: db "irr ", 0
msg_done: db "pic-pit done", 10, 0
ROM_END
