; The decoded-code cache across a change of the memory map: a routine is copied to
; RAM at 20000h and called, so its block is decoded and cached; then a write to port
; F0h (the test's stand-in for a chipset's shadow-RAM control) puts a ROM over that
; page, and the same calls must run the ROM's code, not the cached RAM block.
%include "test.inc"
org 0

MAP_PORT equ 0F0h

start:
    mov ax, cs
    mov ds, ax
    mov ax, 2000h
    mov es, ax
    mov si, routine
    xor di, di
    mov cx, routine_end - routine
    cld
    rep movsb
    call 2000h:0000h        ; RAM: prints R
    call 2000h:0000h        ; again, from the cache
    out MAP_PORT, al        ; the ROM now answers at 20000h
    call 2000h:0000h        ; must print O (the ROM's routine)
    call 2000h:0000h        ; and again, once its page is back in the TLB
    STOP

routine:
    mov al, 'R'
    out DEBUG_PORT, al
    retf
routine_end:
