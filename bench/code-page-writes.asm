; Stores beside decoded code: a real-mode loop in RAM adds 1 to a 32-bit counter
; ITERATIONS times. With SAME_PAGE=1 the counter sits on the loop's own 4 KiB page
; (the data-beside-code of DOS programs and BIOS code), with SAME_PAGE=0 on another
; page. A store that touches no decoded instruction must not cost a re-decode, so both
; builds should run in about the same time (bench/code-page-writes.sh compares them).
; Prints "counter XXXXXXXX" on the debug port (E9h) and halts.

%ifndef SAME_PAGE
%define SAME_PAGE 1
%endif
%ifndef ITERATIONS
%define ITERATIONS 20000000
%endif
%define DEBUG_PORT 0E9h
%define LOOP_SEG 0700h               ; the loop runs at 0700:0000 (physical 7000h)
%if SAME_PAGE
%define COUNTER 0E00h                ; 7E00h: the loop's page
%else
%define COUNTER 2E00h                ; 9E00h: two pages further
%endif

bits 16
org 0

start:
    cli
    cld
    xor ax, ax
    mov ss, ax
    mov sp, 6000h
    mov ax, cs
    mov ds, ax
    mov ax, LOOP_SEG
    mov es, ax
    mov si, loop_code
    xor di, di
    mov cx, loop_end - loop_code
    rep movsb
    call LOOP_SEG:0
    mov si, msg_counter
    call print
    mov ax, LOOP_SEG
    mov ds, ax
    mov eax, [COUNTER]
    call print_hex
    mov al, 10
    out DEBUG_PORT, al
.halt:
    cli
    hlt
    jmp .halt

; Copied to LOOP_SEG:0 and called there, with DS = LOOP_SEG.
loop_code:
    push ds
    mov ax, LOOP_SEG
    mov ds, ax
    mov dword [COUNTER], 0
    mov ecx, ITERATIONS
.next:
    add dword [COUNTER], 1
    dec ecx
    jnz .next
    pop ds
    retf
loop_end:

print:                               ; DS:SI, zero-terminated
    lodsb
    test al, al
    jz .done
    out DEBUG_PORT, al
    jmp print
.done:
    ret

print_hex:                           ; EAX
    mov cx, 8
.digit:
    rol eax, 4
    mov bx, ax
    and bx, 0Fh
    mov dl, [cs:hex_digits + bx]
    xchg ax, dx
    out DEBUG_PORT, al
    xchg ax, dx
    loop .digit
    ret

hex_digits: db "0123456789ABCDEF"
msg_counter: db "counter ", 0

    times 0FFF0h - ($ - $$) db 0FFh
    jmp 0F000h:start                 ; the reset vector at F000:FFF0
    times 10000h - ($ - $$) db 0FFh
