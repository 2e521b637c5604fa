; POST starts the tick count from the RTC's time of day: the first time this ROM runs
; it sets the RTC to 12:34:56 and restarts the machine (a marker in RAM at 0000:0600h
; survives the restart); run again, it prints the ticks POST computed, floor(45296 s x
; 1193180 / 65536) = 0C9568h (0C957Bh if the RTC reached :57), plus the few ticks since.
%include "optrom.inc"

OPTROM_START
    xor ax, ax
    mov es, ax
    cmp word [es:0600h], 'VX'
    je .second_run
    mov word [es:0600h], 'VX'
    mov ah, 03h
    mov cx, 1234h
    mov dx, 5600h
    int 1Ah
    cli
    jmp 0F000h:0FFF0h
.second_run:
    mov word [es:0600h], 0
    mov ah, 00h
    int 1Ah
    PRINTS "ticks "
    mov ax, cx
    call hex16
    mov ax, dx
    call hex16
    call newline
    STOP

OPTROM_LIBRARY
OPTROM_END
