; Keyboard controller: the 8042 self-test and interface test, the command byte with
; translation and the keyboard interrupt, a keyboard reset and identify, then the scan
; codes of the keys typed by the test (-send-keys) through IRQ 1 until the release of
; Enter, and finally the A20 gate through the controller's output port.
; With COUNT_KEYS it only counts the scan codes, as many as come, until Enter is
; released, and prints "keys counted N" (for a -send-keys longer than any fixed limit).
%include "rom.inc"

ROM_START
    xor ax, ax
    mov es, ax
    mov word [es:09h * 4], kbd_handler
    mov word [es:09h * 4 + 2], cs
    mov word [es:500h], 0       ; scan codes received
    mov word [es:502h], 0       ; scan codes counted (COUNT_KEYS)
    mov byte [es:504h], 0       ; the last one
    PIC_INIT 0FDh, 0FFh

    mov al, 0AAh                ; controller self-test
    call kbc_command
    call kbc_read
    PRINT msg_selftest
    call print_hex8
    call newline
    mov al, 0ABh                ; keyboard interface test
    call kbc_command
    call kbc_read
    PRINT msg_iftest
    call print_hex8
    call newline
    mov al, 60h                 ; command byte: translate, system flag, IRQ 1
    call kbc_command
    mov al, 45h
    call kbc_write_data
    mov al, 0FFh                ; keyboard reset: ACK then 'passed'
    call kbc_write_data
    call kbc_read
    PRINT msg_reset
    call print_hex8
    mov al, ' '
    call console_put
    call kbc_read
    call print_hex8
    call newline
    mov al, 0F2h                ; identify: ACK, AB, 83 (translated: AB, 41)
    call kbc_write_data
    PRINT msg_id
    mov cx, 3
.id:
    call kbc_read
    call print_hex8
    mov al, ' '
    call console_put
    loop .id
    call newline

    PRINT msg_ready             ; the test types its keys after this line
    sti
%ifdef COUNT_KEYS
.count:
    hlt
    cmp byte [es:504h], 9Ch     ; Enter released (set 1)
    jne .count
    cli
    PRINT msg_counted
    mov ax, [es:502h]
    call print_dec
    call newline
    PRINT msg_done
    STOP
%endif
.keys:
    hlt
    mov bx, [es:500h]
    test bx, bx
    jz .keys
    cmp byte [es:600h + bx - 1], 9Ch    ; Enter released (set 1)
    jne .keys
    cli
    PRINT msg_keys
    mov cx, [es:500h]
    xor bx, bx
.show:
    mov al, [es:600h + bx]
    call print_hex8
    mov al, ' '
    call console_put
    inc bx
    loop .show
    call newline

    ; A20 through the output port: off makes 1 MiB alias 0, on separates them.
    mov al, 0D1h
    call kbc_command
    mov al, 0DDh                ; A20 off (bit 1 clear), reset line inactive (bit 0 set)
    call kbc_write_data
    call a20_state
    mov al, 0D1h
    call kbc_command
    mov al, 0DFh                ; A20 on
    call kbc_write_data
    call a20_state
    PRINT msg_done
    STOP

; Prints "a20 on" or "a20 off": writes differ at 0000:0600 and FFFF:0610 unless they alias.
a20_state:
    push ds
    mov ax, 0FFFFh
    mov ds, ax
    mov byte [es:0600h], 11h
    mov byte [0610h], 22h
    mov al, [es:0600h]
    pop ds
    cmp al, 22h
    je .off
    PRINT msg_a20_on
    ret
.off:
    PRINT msg_a20_off
    ret

kbc_wait_write:
    in al, 64h
    test al, 02h
    jnz kbc_wait_write
    ret

kbc_command:
    push ax
    call kbc_wait_write
    pop ax
    out 64h, al
    ret

kbc_write_data:
    push ax
    call kbc_wait_write
    pop ax
    out 60h, al
    ret

kbc_read:
    in al, 64h
    test al, 01h
    jz kbc_read
    in al, 60h
    ret

kbd_handler:
    push ax
    push bx
    in al, 60h
    inc word [es:502h]
    mov [es:504h], al
    mov bx, [es:500h]
    cmp bx, 100h
    jae .full
    mov [es:600h + bx], al
    inc word [es:500h]
.full:
    mov al, 20h
    out 20h, al
    pop bx
    pop ax
    iret

ROM_LIBRARY
msg_selftest: db "self-test ", 0
msg_iftest: db "interface test ", 0
msg_reset: db "keyboard reset ", 0
msg_id: db "identify ", 0
msg_ready: db "type now", 10, 0
msg_keys: db "keys ", 0
msg_counted: db "keys counted ", 0
msg_a20_on: db "a20 on", 10, 0
msg_a20_off: db "a20 off", 10, 0
msg_done: db "kbc done", 10, 0
ROM_END
