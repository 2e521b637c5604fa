; RTC: reads the date and time from the MC146818 in BCD (waiting while an update is in
; progress), then enables the update-ended interrupt (IRQ 8 through the slave PIC) and
; sleeps with HLT through two of them, and reads the time again: it must have moved on
; by two seconds. Also checks register D (valid RAM) and the CMOS memory-size fields.
%include "rom.inc"

ROM_START
    xor ax, ax
    mov es, ax
    mov word [es:70h * 4], rtc_handler
    mov word [es:70h * 4 + 2], cs
    mov word [es:500h], 0
    PIC_INIT 0FBh, 0FEh

    call print_time
    mov al, 0Dh
    call cmos_read
    PRINT msg_vrt
    call print_hex8
    call newline
    mov al, 17h                 ; extended memory in KiB, low byte first
    call cmos_read
    mov bl, al
    mov al, 18h
    call cmos_read
    mov ah, al
    mov al, bl
    PRINT msg_ext
    call print_dec
    call newline

    mov al, 0Bh                 ; register B: UIE, 24-hour, BCD
    call cmos_read
    or al, 10h
    mov ah, al
    mov al, 0Bh
    call cmos_write
    mov al, 0Ch                 ; clear pending flags
    call cmos_read
    sti
.sleep:
    hlt
    cmp word [es:500h], 2
    jb .sleep
    cli
    call print_time
    PRINT msg_done
    STOP

; Reads CMOS register AL into AL (NMI stays enabled: bit 7 clear).
cmos_read:
    out 70h, al
    in al, 71h
    ret

; Writes AH to CMOS register AL.
cmos_write:
    out 70h, al
    mov al, ah
    out 71h, al
    ret

print_time:
.uip:
    mov al, 0Ah
    call cmos_read
    test al, 80h
    jnz .uip
    PRINT msg_time
    mov al, 32h                 ; century
    call cmos_read
    call print_hex8
    mov al, 09h
    call cmos_read
    call print_hex8
    mov al, '-'
    call console_put
    mov al, 08h
    call cmos_read
    call print_hex8
    mov al, '-'
    call console_put
    mov al, 07h
    call cmos_read
    call print_hex8
    mov al, ' '
    call console_put
    mov al, 04h
    call cmos_read
    call print_hex8
    mov al, ':'
    call console_put
    mov al, 02h
    call cmos_read
    call print_hex8
    mov al, ':'
    call console_put
    mov al, 00h
    call cmos_read
    call print_hex8
    call newline
    ret

rtc_handler:
    push ax
    mov al, 0Ch                 ; reading register C acknowledges the interrupt
    out 70h, al
    in al, 71h
    test al, 10h                ; UF
    jz .eoi
    inc word [es:500h]
.eoi:
    mov al, 20h
    out 0A0h, al
    out 20h, al
    pop ax
    iret

ROM_LIBRARY
msg_time: db "time ", 0
msg_vrt: db "register D ", 0
msg_ext: db "extended KiB ", 0
msg_done: db "rtc done", 10, 0
ROM_END
