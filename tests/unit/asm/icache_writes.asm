; Writes beside and onto decoded code: two routines share a 4 KiB page at 20000h; a
; store into the page that touches no instruction must leave both decoded blocks as
; they are, and a store onto one routine's immediate must retire that routine's block
; only. Ends with AX from the rewritten routine and BX from the other.
%include "test.inc"
org 0

start:
    mov ax, cs
    mov ds, ax
    mov ax, 2000h
    mov es, ax
    cld
    mov si, r1
    xor di, di
    mov cx, r1_end - r1
    rep movsb
    mov si, r2
    mov di, 100h
    mov cx, r2_end - r2
    rep movsb
    call 2000h:0000h
    call 2000h:0100h
    mov word [es:0140h], 0ABCDh  ; r2's 128-byte piece, but past its last byte
    mov word [es:0F00h], 0ABCDh  ; a piece without code
    call 2000h:0100h
    mov word [es:0001h], 3333h   ; r1's immediate
    call 2000h:0000h
    call 2000h:0100h
    STOP

r1: mov ax, 1111h
    retf
r1_end:
r2: mov bx, 2222h
    retf
r2_end:
