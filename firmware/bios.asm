; vx86 built-in firmware, stage 0: enough to show the machine is alive. It sets up a
; stack, reports POST codes on port 80h, programs COM1 (115200 baud, 8N1), prints its
; banner on COM1 and on the debug console (E9h), and halts with interrupts disabled,
; which ends a headless run. The PC BIOS services (INT 10h/13h/16h ..., booting) come
; with the disk and display devices.
;
; Assembled with: nasm -f bin -o bios.bin bios.asm   (a 64 KiB image)

bits 16
cpu 8086
org 0

%define COM1 3F8h
%define DEBUG_PORT 0E9h
%define POST_PORT 80h

%macro POST 1
    mov al, %1
    out POST_PORT, al
%endmacro

start:
    cli
    cld
    POST 01h
    mov ax, 0F000h
    mov ds, ax
    xor ax, ax
    mov ss, ax
    mov sp, 7C00h
    POST 02h
    call serial_init
    POST 03h
    mov si, banner
    call print
    POST 0FFh
.halt:
    cli
    hlt
    jmp .halt

; COM1: divisor 1 (115200 baud), 8 data bits, no parity, 1 stop bit, FIFOs on.
serial_init:
    mov dx, COM1 + 3
    mov al, 80h          ; DLAB
    out dx, al
    mov dx, COM1
    mov al, 1
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 03h          ; 8N1, DLAB off
    out dx, al
    mov dx, COM1 + 2
    mov al, 07h          ; enable and clear FIFOs
    out dx, al
    mov dx, COM1 + 4
    mov al, 03h          ; DTR, RTS
    out dx, al
    ret

; Prints the zero-terminated string at DS:SI on the debug console and COM1.
print:
    lodsb
    test al, al
    jz .done
    out DEBUG_PORT, al
    mov ah, al
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 20h         ; THR empty
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp print
.done:
    ret

banner:
    db "vx86 BIOS 0.2 (built-in firmware stage 0)", 13, 10
    db "No boot devices yet: the disk, display and BIOS services come next.", 13, 10, 0

    times 0FFF0h - ($ - $$) db 0FFh
reset_vector:                ; F000:FFF0, the first instruction after reset
    jmp 0F000h:start
    db "11/25/26"            ; BIOS date at F000:FFF5
    times 0FFFEh - ($ - $$) db 0
    db 0FCh                  ; model byte: PC/AT
    db 0
