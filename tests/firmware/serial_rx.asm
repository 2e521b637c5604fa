; INT 14h AH=02h: a byte typed on COM1 (stdin) is received with AH = 0 (no line
; error); with nothing more to read, the call gives up after COM1's time-out (40:7Ch, 1
; second) with AH = 80h. Then AH=00h's initialisation returns the line status.
%include "optrom.inc"

OPTROM_START
    mov ah, 02h
    xor dx, dx
    int 14h
    PRINTS "received "
    call hex16
    call newline
    mov ah, 00h
    int 1Ah
    mov si, dx
    mov ah, 02h
    xor dx, dx
    int 14h
    PRINTS "then "
    mov al, ah
    call hex8
    mov ah, 00h
    int 1Ah
    sub dx, si
    PRINTS " after ticks "
    mov ax, dx
    call dec16
    call newline
    mov ax, 00E3h                   ; 9600 baud, 8N1
    xor dx, dx
    int 14h
    PRINTS "init "
    call hex16
    call newline
    STOP

OPTROM_LIBRARY
OPTROM_END
