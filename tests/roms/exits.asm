; Ends a run in one of the ways the exit statuses distinguish, chosen at assembly time
; with -DEXIT_POWEROFF, -DEXIT_TRIPLE, -DEXIT_HANG or -DEXIT_PANIC (default: halt).
%include "rom.inc"

ROM_START
    PRINT msg_hello
    call console_flush
%ifdef EXIT_POWEROFF
    mov dx, 8900h               ; the Bochs/QEMU power-off port
    mov si, shutdown
.out:
    lodsb
    test al, al
    jz .off
    out dx, al
    jmp .out
.off:
    PRINT msg_still_on          ; not reached
    STOP
%elifdef EXIT_TRIPLE
    ; An IDT of limit 0: INT 3 cannot be delivered (#GP), nor can the #GP, nor the
    ; double fault: the CPU shuts down.
    lidt [idt_empty]
    int 3
    PRINT msg_still_on          ; not reached
    STOP
%elifdef EXIT_HANG
    sti
.forever:
    jmp .forever
%elifdef EXIT_PANIC
    PRINT msg_panic
    STOP
%else
    STOP
%endif

ROM_LIBRARY
msg_hello: db "exit test", 10, 0
msg_still_on: db "still running", 10, 0
msg_panic: db "Kernel panic - not syncing", 10, 0
shutdown: db "Shutdown", 0
idt_empty: dw 0
           dd 0
ROM_END
