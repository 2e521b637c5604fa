; The COM1 copy of INT 10h's teletype (-nographic) at the rate a guest sets: DOS
; programs COM1 for 2400 baud (INT 14h AH=00h AL=A3h), 4 ms a byte, and every byte of a
; line written then must still arrive.
%include "optrom.inc"

OPTROM_START
    mov ax, 00A3h                   ; 2400 baud, no parity, 1 stop bit, 8 bits
    xor dx, dx
    int 14h
    mov si, text
.next:
    mov al, [cs:si]
    inc si
    test al, al
    jz .done
    mov ah, 0Eh
    xor bx, bx
    int 10h
    jmp short .next
.done:
    STOP

text: db "The quick brown fox", 13, 10, 0

OPTROM_LIBRARY
OPTROM_END
