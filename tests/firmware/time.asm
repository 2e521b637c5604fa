; INT 1Ah and the INT 15h waits as a program sees them: the tick count set and read,
; its midnight wrap (1800B0h ticks) and flag, the tick rate over a one-second wait, the
; RTC's time and date written and read back in BCD, the alarm (a second one refused),
; and INT 15h AH=83h's event wait setting bit 7 of the program's flag byte.
%include "optrom.inc"

OPTROM_START
    ; ticks: set, read back
    mov ah, 01h
    mov cx, 0012h
    mov dx, 3456h
    int 1Ah
    mov ah, 00h
    int 1Ah
    PRINTS "ticks set "
    call show_ticks
    ; midnight: one tick before 1800B0h, then a tick later the count is 0 and AL = 1
    mov ah, 01h
    mov cx, 0018h
    mov dx, 00AFh
    int 1Ah
    call wait_tick
    call wait_tick
    mov ah, 00h
    int 1Ah
    PRINTS "midnight "
    call hex8
    call space
    call show_ticks
    mov ah, 00h
    int 1Ah
    PRINTS "flag cleared "
    call hex8
    call newline
    ; the tick rate: 18.2 ticks in a second
    mov ah, 01h
    xor cx, cx
    xor dx, dx
    int 1Ah
    mov ah, 86h
    mov cx, 000Fh
    mov dx, 4240h                   ; 1000000 us
    int 15h
    mov ah, 00h
    int 1Ah
    PRINTS "ticks in 1 s "
    mov ax, dx
    call dec16
    call newline
    ; the RTC: 12:34:56, 1999-12-31
    mov ah, 03h
    mov cx, 1234h
    mov dx, 5600h
    int 1Ah
    mov ah, 05h
    mov cx, 1999h
    mov dx, 1231h
    int 1Ah
    mov ah, 02h
    int 1Ah
    PRINTS "rtc time "
    mov ax, cx
    call hex16
    mov al, dh
    call hex8
    call space
    mov ah, 04h
    int 1Ah
    mov ax, cx
    call hex16
    mov ax, dx
    call hex16
    call newline
    ; the alarm: set, set again (refused), reset, set
    mov ah, 06h
    mov cx, 1235h
    xor dh, dh
    int 1Ah
    call print_cf
    mov ah, 06h
    int 1Ah
    call space
    call print_cf
    mov ah, 07h
    int 1Ah
    mov ah, 06h
    int 1Ah
    call space
    call print_cf
    call newline
    mov ah, 07h
    int 1Ah
    ; the alarm rings: INT 4Ah (hooked here) within two seconds of setting it for the
    ; next second
    xor ax, ax
    mov es, ax
    mov byte [es:0601h], 0
    cli
    mov word [es:4Ah * 4], alarm_hook
    mov [es:4Ah * 4 + 2], cs
    sti
    mov ah, 02h
    int 1Ah
    mov al, dh
    add al, 1
    daa
    cmp al, 60h
    jb .second_ok
    xor al, al
.second_ok:
    mov dh, al
    mov ah, 06h
    int 1Ah
    mov cx, 2 * 19
.ring:
    call wait_tick
    cmp byte [es:0601h], 0
    jne .rang
    loop .ring
.rang:
    PRINTS "alarm rang "
    mov al, [es:0601h]
    call hex8
    call newline
    mov ah, 07h
    int 1Ah
    ; IRQ 0 turns the diskette motors off when 40:40h counts down to 0
    mov ax, 40h
    mov es, ax
    cli
    mov byte [es:3Fh], 83h          ; motors A and B on, bit 7: a write
    mov byte [es:40h], 2
    sti
    call wait_tick
    call wait_tick
    call wait_tick
    PRINTS "motor "
    mov al, [es:3Fh]
    call hex8
    call space
    mov al, [es:40h]
    call hex8
    call newline
    ; AH=83h: 50 ms on the flag at 0000:0600h, then wait for bit 7
    xor ax, ax
    mov es, ax
    mov byte [es:0600h], 0
    mov ax, 8300h
    mov cx, 0
    mov dx, 0C350h
    mov bx, 0600h
    int 15h
    call print_cf
    mov ax, 8300h                   ; a second one while the first runs: refused
    int 15h
    call space
    call print_cf
    mov cx, 0
.sleep:
    test byte [es:0600h], 80h
    jnz .posted
    sti
    hlt
    loop .sleep
.posted:
    PRINTS " event flag "
    mov al, [es:0600h]
    call hex8
    call newline
    PRINTS "time done"
    call newline
    STOP

alarm_hook:
    push ds
    push ax
    xor ax, ax
    mov ds, ax
    inc byte [0601h]
    pop ax
    pop ds
    iret

; Waits for the tick count (40:6Ch, read directly: INT 1Ah AH=00h would clear the
; midnight flag) to change.
wait_tick:
    push ax
    push es
    mov ax, 40h
    mov es, ax
    mov ax, [es:6Ch]
.wait:
    sti
    hlt
    cmp ax, [es:6Ch]
    je .wait
    pop es
    pop ax
    ret

show_ticks:
    mov ax, cx
    call hex16
    mov ax, dx
    call hex16
    call newline
    ret

OPTROM_LIBRARY
OPTROM_END
