; floppy.asm: the diskette part of INT 13h, its POST set-up and its boot hook (the
; contract is at the top of disk.asm), driving the 82077AA floppy controller (ports
; 3F2h-3F7h, IRQ 6) and channel 2 of the 8237A DMA controller, as the PC/AT BIOS does
; (IBM PC/AT Technical Reference, BIOS listing, DISKETTE_IO_1; Intel 82077AA data sheet
; 290166, "Command Set"; Intel 8237A data sheet 231466).
;
; The functions (Ralf Brown's Interrupt List, INT 13h): 00h reset, 01h status, 02h
; read, 03h write, 04h verify, 05h format track, 08h drive parameters, 15h drive type,
; 16h change line, 17h and 18h the medium to format. Others answer 01h.
;
; The BDA bytes (Ralf Brown, MEMORY.LST): 3Eh recalibrate status (bit 7 IRQ 6 came,
; bits 0-3 drive n recalibrated), 3Fh motor status (bits 0-3 motor n on, bits 5-4
; selected drive, bit 7 a write in progress), 40h motor-off count (IRQ 0 counts it),
; 41h last status, 42h-48h the controller's last result bytes, 8Bh the last data rate
; (bits 7-6), 8Fh controller information, 90h-91h the media state of drives 0-1 (bits
; 7-6 data rate, bit 4 medium established, bits 2-0 drive/medium), 94h-95h their
; cylinders.
;
; Timing: a wait for the controller polls at most 64 Ki times; a wait for IRQ 6 halts
; until an interrupt and gives up after about 2 s of timer ticks. The spindle of an
; emulated drive is at speed at once, but a real BIOS waits for it before a write (the
; parameter table's motor start time), and so does this one; reads begin at once (a
; read at a slow spindle fails its CRC and is retried).

; ---- ports and controller bytes ----
%define FDC_DOR 3F2h
%define FDC_MSR 3F4h
%define FDC_DATA 3F5h
%define FDC_DIR 3F7h                ; read: disk change in bit 7
%define FDC_CCR 3F7h                ; write: the data rate
%define DOR_ENABLE 0Ch              ; not in reset, DMA and IRQ enabled
%define MSR_RQM 80h
%define MSR_DIO 40h

%define FDC_CMD_SPECIFY 03h
%define FDC_CMD_RECALIBRATE 07h
%define FDC_CMD_SENSE_INT 08h
%define FDC_CMD_SEEK 0Fh
%define FDC_CMD_READ 0E6h           ; MT, MFM, SK
%define FDC_CMD_WRITE 0C5h          ; MT, MFM
%define FDC_CMD_FORMAT 4Dh          ; MFM

; DMA channel 2 (8237A "Mode Register": single transfer, increment, no auto-init).
%define DMA_MODE_TO_MEMORY 46h      ; a write transfer: the disk's data to memory
%define DMA_MODE_FROM_MEMORY 4Ah    ; a read transfer: memory to the disk
%define DMA_MODE_VERIFY 42h

; INT 13h diskette status codes (Ralf Brown, INT 13h AH=01h).
%define FL_BAD_COMMAND 01h
%define FL_NO_ADDRESS_MARK 02h
%define FL_WRITE_PROTECTED 03h
%define FL_NOT_FOUND 04h
%define FL_CHANGED 06h
%define FL_DMA_OVERRUN 08h
%define FL_DMA_BOUNDARY 09h
%define FL_MEDIA_UNSUPPORTED 0Ch
%define FL_CRC 10h
%define FL_CONTROLLER 20h
%define FL_SEEK 40h
%define FL_TIMEOUT 80h

%define FL_TRIES 3
%define FL_IRQ_TICKS 37             ; 2 s of 18.2 Hz ticks

; The diskette parameter table's bytes (Ralf Brown, INT 1Eh).
%define DPT_SPECIFY1 0
%define DPT_SPECIFY2 1
%define DPT_MOTOR_OFF 2
%define DPT_SIZE_CODE 3
%define DPT_SECTORS 4
%define DPT_GAP 5
%define DPT_DATA_LENGTH 6
%define DPT_FORMAT_GAP 7
%define DPT_FILL 8
%define DPT_SETTLE 9
%define DPT_MOTOR_START 10

; floppy.asm's part of the EBDA (EBDA_FLOPPY_AREA, 140h-17Fh).
%define FL_TYPES (EBDA_FLOPPY_AREA + 0)     ; 2 bytes: CMOS types of drives 0 and 1
%define FL_COMMAND (EBDA_FLOPPY_AREA + 2)   ; 9 bytes: the command being sent
%define FL_COMMAND_LEN (EBDA_FLOPPY_AREA + 11)
%define FL_OPERATION (EBDA_FLOPPY_AREA + 12) ; the INT 13h function running
%if FL_COMMAND_LEN + 2 > EBDA_FLOPPY_AREA_END
%error "floppy.asm's EBDA variables overflow their area"
%endif

; ---- drive types and media ----
; For each CMOS drive type 1-5: the last cylinder, sectors per track, the media state
; (40:90h) of its own medium, and its parameter table.
%define DRIVE_TYPE_SIZE 5
fl_drive_types:
    db 39, 9, 93h                   ; 1: 360K, 250 kbps, established, "360K in 360K"
    dw fl_params_360
    db 79, 15, 15h                  ; 2: 1.2M, 500 kbps, "1.2M in 1.2M"
    dw fl_params_1200
    db 79, 9, 97h                   ; 3: 720K, 250 kbps
    dw fl_params_720
    db 79, 18, 17h                  ; 4: 1.44M, 500 kbps
    dw fl_params_1440
    db 79, 36, 0D7h                 ; 5: 2.88M, 1 Mbps
    dw fl_params_2880

; The media each drive type can format (INT 13h AH=18h): drive types (a bit each),
; last cylinder, sectors, media state, parameter table.
fl_media:
    db 1 << 1, 39, 9, 93h
    dw fl_params_360
    db 1 << 2, 39, 9, 74h           ; 360K in a 1.2M drive: 300 kbps, double stepping
    dw fl_params_360
    db 1 << 2, 79, 15, 15h
    dw fl_params_1200
    db 1 << 3 | 1 << 4 | 1 << 5, 79, 9, 97h
    dw fl_params_720
    db 1 << 4 | 1 << 5, 79, 18, 17h
    dw fl_params_1440
    db 1 << 5, 79, 36, 0D7h
    dw fl_params_2880
fl_media_end:
%define MEDIA_SIZE 6

; Parameter tables (the PC/AT's DISK_BASE layout): specify bytes (step rate, head
; unload; head load, DMA), motor-off ticks, sector size 2 (512), sectors per track,
; gap, data length, format gap, filler, head settle ms, motor start in 1/8 s.
fl_params_360:  db 0DFh, 02h, 25h, 02h, 9, 2Ah, 0FFh, 50h, 0F6h, 0Fh, 08h
fl_params_1200: db 0DFh, 02h, 25h, 02h, 15, 1Bh, 0FFh, 54h, 0F6h, 0Fh, 08h
fl_params_720:  db 0DFh, 02h, 25h, 02h, 9, 2Ah, 0FFh, 50h, 0F6h, 0Fh, 08h
fl_params_1440: db 0DFh, 02h, 25h, 02h, 18, 1Bh, 0FFh, 6Ch, 0F6h, 0Fh, 08h
fl_params_2880: db 0DFh, 02h, 25h, 02h, 36, 1Bh, 0FFh, 53h, 0F6h, 0Fh, 08h

; CS:SI = the drive type entry of drive DL, AL = its CMOS type; CF = 1: no such drive.
fl_drive_type:
    cmp dl, 1
    ja .none
    push es
    push bx
    mov es, [BDA_EBDA_SEG]
    mov bl, dl
    xor bh, bh
    mov al, [es:FL_TYPES + bx]
    pop bx
    pop es
    cmp al, 1
    jb .none
    cmp al, 5
    ja .none
    push ax
    dec al
    mov ah, DRIVE_TYPE_SIZE
    mul ah
    add ax, fl_drive_types
    mov si, ax
    pop ax
    clc
    ret
.none:
    stc
    ret

; ES:SI = the diskette parameter table INT 1Eh points at (DOS may install its own).
fl_params:
    push ax
    xor ax, ax
    mov es, ax
    les si, [es:1Eh * 4]
    pop ax
    ret

; ---- the controller ----

; Waits for RQM; AL = the main status. CF = 1 if it never came.
fl_wait_rqm:
    push cx
    push dx
    mov dx, FDC_MSR
    mov cx, 0FFFFh
.poll:
    in al, dx
    test al, MSR_RQM
    jnz .ready
    loop .poll
    pop dx
    pop cx
    stc
    ret
.ready:
    pop dx
    pop cx
    clc
    ret

; Sends AL to the controller. CF = 1: it did not take it.
fl_send:
    push dx
    push ax
    call fl_wait_rqm
    jc .fail
    test al, MSR_DIO
    jnz .fail                       ; it has bytes for us: out of step
    pop ax
    mov dx, FDC_DATA
    out dx, al
    pop dx
    clc
    ret
.fail:
    pop ax
    pop dx
    stc
    ret

; Sends the FL_COMMAND_LEN bytes at FL_COMMAND. CF = 1 on a time-out.
fl_send_command:
    push es
    push cx
    push si
    mov es, [BDA_EBDA_SEG]
    mov si, FL_COMMAND
    mov cl, [es:FL_COMMAND_LEN]
    xor ch, ch
.next:
    mov al, [es:si]
    call fl_send
    jc .done
    inc si
    loop .next
    clc
.done:
    pop si
    pop cx
    pop es
    ret

; Reads the result phase (at most 7 bytes) into 40:42h. CF = 1 on a time-out.
fl_results:
    push cx
    push dx
    push di
    mov di, BDA_FLOPPY_FDC
    mov cx, 7
.next:
    call fl_wait_rqm
    jc .done
    test al, MSR_DIO
    jz .end                         ; back in the command phase
    mov dx, FDC_DATA
    in al, dx
    mov [di], al
    inc di
    loop .next
.end:
    clc
.done:
    pop di
    pop dx
    pop cx
    ret

; Waits for IRQ 6 (the INT 0Eh handler sets 40:3Eh bit 7), then clears the flag.
; CF = 1 after about 2 s without it.
fl_wait_irq:
    push ax
    push bx
    mov bx, [BDA_TICKS]
.check:
    cli
    test byte [BDA_FLOPPY_RECAL], 80h
    jnz .came
    mov ax, [BDA_TICKS]
    sub ax, bx
    cmp ax, FL_IRQ_TICKS
    ja .timeout
    sti
    hlt                             ; STI's shadow: no interrupt is lost before HLT
    jmp short .check
.came:
    and byte [BDA_FLOPPY_RECAL], 7Fh
    sti
    pop bx
    pop ax
    clc
    ret
.timeout:
    sti
    pop bx
    pop ax
    stc
    ret

; SENSE INTERRUPT STATUS: AL = ST0, AH = the present cylinder. CF = 1 on a time-out.
fl_sense_interrupt:
    mov al, FDC_CMD_SENSE_INT
    call fl_send
    jc .done
    call fl_results
    mov al, [BDA_FLOPPY_FDC]
    mov ah, [BDA_FLOPPY_FDC + 1]
.done:
    ret

; IRQ 6.
floppy_irq_handler:
    push ax
    push ds
    mov ax, BDA_SEG
    mov ds, ax
    or byte [BDA_FLOPPY_RECAL], 80h
    mov al, PIC_EOI
    out PORT_PIC1, al
    pop ds
    pop ax
    iret

; Drives the DOR from 40:3Fh (motors and the selected drive), with AL's bits 3-2.
fl_write_dor:
    push ax
    push cx
    push dx
    mov ah, [BDA_FLOPPY_MOTOR]
    mov dl, ah
    and ah, 0Fh
    mov cl, 4
    shl ah, cl                      ; motors to bits 7-4
    shr dl, cl
    and dl, 03h                     ; the selected drive to bits 1-0
    or al, ah
    or al, dl
    mov dx, FDC_DOR
    out dx, al
    pop dx
    pop cx
    pop ax
    ret

; Turns drive DL's motor on and selects it; the timer may not turn it off until
; fl_motor_later. CF = 1 if the motor was off.
fl_motor_on:
    push ax
    push cx
    cli
    mov byte [BDA_FLOPPY_MOTOR_COUNT], 0FFh
    mov cl, dl
    mov ah, 1
    shl ah, cl                      ; the motor bit
    mov al, [BDA_FLOPPY_MOTOR]
    mov ch, al
    and ch, ah                      ; nonzero: the motor was on
    and al, 0CFh                    ; the selected drive
    mov cl, 4
    push dx
    and dl, 3
    shl dl, cl
    or al, dl
    pop dx
    or al, ah
    mov [BDA_FLOPPY_MOTOR], al
    mov al, DOR_ENABLE
    call fl_write_dor
    sti
    test ch, ch
    pop cx
    pop ax
    jnz .was_on
    stc
    ret
.was_on:
    clc
    ret

; Lets the timer turn the motors off after the parameter table's delay.
fl_motor_later:
    push es
    push si
    push ax
    call fl_params
    mov al, [es:si + DPT_MOTOR_OFF]
    mov [BDA_FLOPPY_MOTOR_COUNT], al
    and byte [BDA_FLOPPY_MOTOR], 7Fh
    pop ax
    pop si
    pop es
    ret

; Waits AX timer ticks.
fl_wait_ticks:
    push bx
    push cx
    mov bx, [BDA_TICKS]
.wait:
    mov cx, [BDA_TICKS]
    sub cx, bx
    cmp cx, ax
    jae .done
    sti
    hlt
    jmp short .wait
.done:
    pop cx
    pop bx
    ret

; Before a write: the spindle's start time from the parameter table (1/8 s units; a
; tick is 1/18.2 s, so ticks = units * 9 / 4).
fl_motor_start_wait:
    push es
    push si
    push ax
    push cx
    call fl_params
    mov al, [es:si + DPT_MOTOR_START]
    xor ah, ah
    mov cx, 9
    mul cx
    mov cl, 2
    shr ax, cl
    call fl_wait_ticks
    pop cx
    pop ax
    pop si
    pop es
    ret

; Resets the controller (DOR reset), takes the four interrupt statuses drive polling
; leaves, and sends SPECIFY from the parameter table. AH = status.
fl_reset_controller:
    push es
    push si
    push cx
    cli
    and byte [BDA_FLOPPY_RECAL], 70h ; every drive needs a recalibrate now
    mov al, 08h                     ; reset, DMA and IRQ gate on
    call fl_write_dor
    mov cx, 4
.hold:
    loop .hold                      ; the reset pulse lasts a few microseconds
    mov al, DOR_ENABLE
    call fl_write_dor
    sti
    call fl_wait_irq
    mov ah, FL_TIMEOUT
    jc .done
    mov cx, 4
.sense:
    call fl_sense_interrupt
    mov ah, FL_CONTROLLER
    jc .done
    loop .sense
    mov al, FDC_CMD_SPECIFY
    call fl_send
    jc .fail
    call fl_params
    mov al, [es:si + DPT_SPECIFY1]
    call fl_send
    jc .fail
    mov al, [es:si + DPT_SPECIFY2]
    and al, 0FEh                    ; ND = 0: DMA mode
    call fl_send
    jc .fail
    xor ah, ah
    jmp short .done
.fail:
    mov ah, FL_CONTROLLER
.done:
    pop cx
    pop si
    pop es
    ret

; The data rate of drive DL's medium (40:90h bits 7-6) to the CCR.
fl_set_rate:
    push bx
    push cx
    push dx
    mov bl, dl
    xor bh, bh
    mov al, [BDA_FLOPPY_MEDIA + bx]
    and al, 0C0h
    mov ah, [BDA_FLOPPY_RATE]
    and ah, 3Fh
    or ah, al
    mov [BDA_FLOPPY_RATE], ah
    mov cl, 6
    shr al, cl
    mov dx, FDC_CCR
    out dx, al
    pop dx
    pop cx
    pop bx
    ret

; RECALIBRATE drive DL (twice if the first stops short, as 80-track drives need).
; AH = status.
fl_recalibrate:
    push bx
    push cx
    mov cx, 2
.again:
    mov al, FDC_CMD_RECALIBRATE
    call fl_send
    jc .timeout
    mov al, dl
    call fl_send
    jc .timeout
    call fl_wait_irq
    jc .timeout
    call fl_sense_interrupt
    jc .timeout
    and al, 0F0h
    cmp al, 20h                     ; seek end, normal termination
    je .done
    loop .again
    mov ah, FL_SEEK
    jmp short .out
.done:
    mov bl, dl
    xor bh, bh
    mov byte [BDA_FLOPPY_TRACK + bx], 0
    mov cl, dl
    mov al, 1
    shl al, cl
    or [BDA_FLOPPY_RECAL], al
    xor ah, ah
    jmp short .out
.timeout:
    mov ah, FL_TIMEOUT
.out:
    pop cx
    pop bx
    ret

; Moves drive DL's head (head DH) to cylinder CH, recalibrating first if needed.
; AH = status.
fl_seek:
    push bx
    push cx
    mov cl, dl
    mov al, 1
    shl al, cl
    test [BDA_FLOPPY_RECAL], al
    pop cx
    push cx
    jnz .calibrated
    call fl_recalibrate
    test ah, ah
    jnz .out
.calibrated:
    mov bl, dl
    xor bh, bh
    cmp [BDA_FLOPPY_TRACK + bx], ch
    je .ok
    mov al, FDC_CMD_SEEK
    call fl_send
    jc .timeout
    mov al, dh
    and al, 1
    shl al, 1
    shl al, 1
    or al, dl
    call fl_send
    jc .timeout
    mov al, ch
    call fl_send
    jc .timeout
    call fl_wait_irq
    jc .timeout
    call fl_sense_interrupt
    jc .timeout
    and al, 0E0h
    cmp al, 20h
    jne .failed
    cmp ah, ch
    jne .failed
    mov [BDA_FLOPPY_TRACK + bx], ch
.ok:
    xor ah, ah
    jmp short .out
.failed:
    and byte [BDA_FLOPPY_RECAL], 0F0h
    mov ah, FL_SEEK
    jmp short .out
.timeout:
    mov ah, FL_TIMEOUT
.out:
    pop cx
    pop bx
    ret

; ZF = 0 if drive DL's change line is active (the drive must be selected).
fl_change_line:
    push ax
    push dx
    mov dx, FDC_DIR
    in al, dx
    test al, 80h
    pop dx
    pop ax
    ret

; The change line is active: a step with a medium inside resets it (seek to cylinder
; 1, then recalibrate). AH = FL_CHANGED, or FL_TIMEOUT if it stays (no medium).
fl_medium_changed:
    push cx
    push bx
    mov bl, dl
    xor bh, bh
    and byte [BDA_FLOPPY_MEDIA + bx], 0EFh ; the medium is no longer established
    mov ch, 1
    call fl_seek
    call fl_recalibrate
    pop bx
    pop cx
    mov ah, FL_CHANGED
    call fl_change_line
    jz .ret
    mov ah, FL_TIMEOUT
.ret:
    ret

; The status for the result bytes at 40:42h (ST0, ST1, ST2): AH.
fl_result_status:
    xor ah, ah
    mov al, [BDA_FLOPPY_FDC]
    and al, 0C0h
    jz .ret
    mov ah, FL_CONTROLLER
    cmp al, 40h
    jne .ret                        ; invalid command or a drive's ready change
    mov al, [BDA_FLOPPY_FDC + 1]
    mov ah, FL_NOT_FOUND
    test al, 80h                    ; end of cylinder
    jnz .ret
    mov ah, FL_CRC
    test al, 20h
    jnz .ret
    mov ah, FL_DMA_OVERRUN
    test al, 10h
    jnz .ret
    mov ah, FL_NOT_FOUND
    test al, 04h
    jnz .ret
    mov ah, FL_WRITE_PROTECTED
    test al, 02h
    jnz .ret
    mov ah, FL_NO_ADDRESS_MARK
    test al, 01h
    jnz .ret
    mov ah, FL_CRC
    test byte [BDA_FLOPPY_FDC + 2], 20h
    jnz .ret
    mov ah, FL_CONTROLLER
.ret:
    ret

; Programs DMA channel 2: mode AL, ES:BX, CX bytes (1-65536; 0 = 65536). CF = 1 if
; the buffer crosses a 64 KiB boundary (the page register does not count).
fl_dma_setup:
    push ax
    push bx
    push cx
    push dx
    push si
    mov si, ax                      ; the mode in SI's low byte
    mov ax, es
    mov dx, ax
    push cx
    mov cl, 4
    shl ax, cl
    mov cl, 12
    shr dx, cl
    pop cx
    add ax, bx
    adc dl, 0                       ; DL:AX = the linear address
    dec cx                          ; the count register holds bytes - 1
    mov bx, ax
    add bx, cx
    jc .boundary
    mov bx, ax
    cli
    out 0Ch, al                     ; clear the byte flip-flop
    mov ax, si
    out 0Bh, al                     ; mode
    mov al, bl
    out 04h, al                     ; channel 2 address
    mov al, bh
    out 04h, al
    mov al, dl
    out 81h, al                     ; channel 2 page
    mov al, cl
    out 05h, al                     ; channel 2 count
    mov al, ch
    out 05h, al
    sti
    mov al, 02h
    out 0Ah, al                     ; unmask channel 2
    clc
    jmp short .out
.boundary:
    stc
.out:
    pop si
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; ---- INT 13h ----

floppy_int13:
    call elt_owns_drive             ; cdrom.asm: a CD's El Torito diskette image is
    jne .diskette                   ; drive 00h while it runs
    jmp elt_floppy_int13
.diskette:
    mov es, [BDA_EBDA_SEG]
    mov [es:FL_OPERATION], ah
    mov es, [bp + DISK_ES]
    cmp ah, 18h
    ja .bad
    push bx
    mov bl, ah
    xor bh, bh
    shl bx, 1
    mov di, [cs:fl_functions + bx]
    pop bx
    call di
    jmp short .status
.bad:
    mov ah, FL_BAD_COMMAND
.status:
    ; AH = 01h and 15h return other things than a status: leave 40:41h alone.
    push es
    mov es, [BDA_EBDA_SEG]
    cmp byte [es:FL_OPERATION], 01h
    je .keep
    cmp byte [es:FL_OPERATION], 15h
    je .keep
    mov [BDA_FLOPPY_STATUS], ah
.keep:
    pop es
    cmp ah, 1                       ; CF = 1 for a nonzero status...
    cmc
    jnc .ret
    mov es, [BDA_EBDA_SEG]
    cmp byte [es:FL_OPERATION], 15h ; ...except AH=15h's drive type
    stc
    jne .ret
    clc
.ret:
    ret

fl_functions:
    dw fl_fn_reset, fl_fn_status, fl_fn_read, fl_fn_write, fl_fn_verify, fl_fn_format
    dw fl_fn_bad, fl_fn_bad, fl_fn_parameters, fl_fn_bad, fl_fn_bad, fl_fn_bad
    dw fl_fn_bad, fl_fn_bad, fl_fn_bad, fl_fn_bad, fl_fn_bad, fl_fn_bad
    dw fl_fn_bad, fl_fn_bad, fl_fn_bad, fl_fn_drive_type, fl_fn_change_line, fl_fn_set_type
    dw fl_fn_set_media

fl_fn_bad:
    mov ah, FL_BAD_COMMAND
    ret

; AH=00h: reset the controller; the drives are recalibrated on their next access.
fl_fn_reset:
    jmp fl_reset_controller

; AH=01h: the last status.
fl_fn_status:
    mov ah, [BDA_FLOPPY_STATUS]
    ret

; AH=02h, 03h, 04h, 05h: the transfers, with their DMA mode and command.
fl_fn_read:
    mov bl, DMA_MODE_TO_MEMORY
    mov bh, FDC_CMD_READ
    jmp short fl_transfer
fl_fn_write:
    mov bl, DMA_MODE_FROM_MEMORY
    mov bh, FDC_CMD_WRITE
    jmp short fl_transfer
fl_fn_verify:
    mov bl, DMA_MODE_VERIFY
    mov bh, FDC_CMD_READ
    jmp short fl_transfer
fl_fn_format:
    mov bl, DMA_MODE_FROM_MEMORY
    mov bh, FDC_CMD_FORMAT
    ; fall through

; The caller's AL sectors at CH/DH/CL of drive DL, ES:BX (from the frame), BL = the
; DMA mode, BH = the command. AH = status; the frame's AL = sectors done.
fl_transfer:
    call fl_drive_type
    mov ah, FL_TIMEOUT
    jc .ret_zero
    mov ah, FL_BAD_COMMAND
    cmp byte [bp + DISK_AL], 0
    je .ret
    call fl_build_command
    mov ah, FL_DMA_BOUNDARY
    call fl_dma_for_request
    jc .ret_zero
    mov cx, FL_TRIES
.try:
    push cx
    call fl_attempt
    pop cx
    test ah, ah
    jz .done
    cmp ah, FL_WRITE_PROTECTED
    je .done
    cmp ah, FL_CHANGED
    je .done
    cmp ah, FL_TIMEOUT
    je .done
    push ax
    call fl_reset_controller
    pop ax
    loop .try
.done:
    call fl_sectors_done
    call fl_motor_later
    jmp short .ret
.ret_zero:
    mov byte [bp + DISK_AL], 0
.ret:
    ret

; FL_COMMAND from the frame and BH (see fl_transfer); CS:SI = the drive's type.
fl_build_command:
    push bx
    push es
    push si
    mov dl, [bp + DISK_DL]
    mov dh, [bp + DISK_DH]
    mov cl, [cs:si + 1]             ; sectors per track: the EOT
    mov es, [BDA_EBDA_SEG]
    mov [es:FL_COMMAND], bh
    mov al, dh
    and al, 1
    shl al, 1
    shl al, 1
    or al, dl
    mov [es:FL_COMMAND + 1], al
    push es
    push si
    call fl_params                  ; ES:SI = INT 1Eh's table
    mov al, [es:si + DPT_GAP]
    mov ah, [es:si + DPT_DATA_LENGTH]
    mov ch, [es:si + DPT_FORMAT_GAP]
    mov dl, [es:si + DPT_FILL]
    mov dh, [es:si + DPT_SIZE_CODE]
    pop si
    pop es
    cmp bh, FDC_CMD_FORMAT
    je .format
    mov bl, [bp + DISK_CH]
    mov [es:FL_COMMAND + 2], bl
    mov bl, [bp + DISK_DH]
    mov [es:FL_COMMAND + 3], bl
    mov bl, [bp + DISK_CL]
    and bl, 3Fh
    mov [es:FL_COMMAND + 4], bl
    mov byte [es:FL_COMMAND + 5], 2
    mov [es:FL_COMMAND + 6], cl
    mov [es:FL_COMMAND + 7], al
    mov [es:FL_COMMAND + 8], ah
    mov byte [es:FL_COMMAND_LEN], 9
    jmp short .out
.format:
    mov [es:FL_COMMAND + 2], dh     ; N
    mov bl, [bp + DISK_AL]
    mov [es:FL_COMMAND + 3], bl     ; sectors on the track
    mov [es:FL_COMMAND + 4], ch     ; gap
    mov [es:FL_COMMAND + 5], dl     ; filler
    mov byte [es:FL_COMMAND_LEN], 6
.out:
    pop si
    pop es
    pop bx
    ret

; Programs the DMA for the request; BL = the mode. CF = 1: a 64 KiB boundary.
fl_dma_for_request:
    push es
    push bx
    mov al, bl
    mov es, [bp + DISK_ES]
    mov bx, [bp + DISK_BX]
    mov cl, [bp + DISK_AL]
    xor ch, ch
    cmp al, DMA_MODE_VERIFY
    jne .sized
    xor bx, bx                      ; verify moves nothing: any address will do
    mov es, bx
.sized:
    push es
    push ax
    mov es, [BDA_EBDA_SEG]
    cmp byte [es:FL_COMMAND], FDC_CMD_FORMAT
    pop ax
    pop es
    je .format
    cmp cl, 128
    ja .too_long                    ; more than 64 KiB cannot fit in one page
    mov ch, cl                      ; sectors * 512
    xor cl, cl
    shl ch, 1
    jmp short .go
.format:
    shl cx, 1                       ; 4 bytes of ID for each sector
    shl cx, 1
.go:
    call fl_dma_setup
    jmp short .out
.too_long:
    stc
.out:
    pop bx
    pop es
    ret

; One try of the transfer: motor, change line, rate, seek, command, result. AH = status.
fl_attempt:
    mov dl, [bp + DISK_DL]
    mov dh, [bp + DISK_DH]
    mov ch, [bp + DISK_CH]
    call fl_motor_on
    jnc .spinning
    push es
    mov es, [BDA_EBDA_SEG]
    cmp byte [es:FL_OPERATION], 03h
    jb .read
    cmp byte [es:FL_OPERATION], 04h
    je .read
    or byte [BDA_FLOPPY_MOTOR], 80h ; a write is in progress
    call fl_motor_start_wait
.read:
    pop es
.spinning:
    call fl_change_line
    jz .unchanged
    jmp fl_medium_changed
.unchanged:
    call fl_set_rate
    call fl_seek
    test ah, ah
    jnz .ret
    ; The DMA again on every try: TC masked the channel at the end of the last one.
    push es
    mov es, [BDA_EBDA_SEG]
    mov al, [es:FL_OPERATION]
    pop es
    mov bl, DMA_MODE_TO_MEMORY
    cmp al, 02h
    je .dma
    mov bl, DMA_MODE_VERIFY
    cmp al, 04h
    je .dma
    mov bl, DMA_MODE_FROM_MEMORY
.dma:
    call fl_dma_for_request
    call fl_send_command
    mov ah, FL_TIMEOUT
    jc .ret
    call fl_wait_irq
    jc .ret
    call fl_results
    jc .ret
    call fl_result_status
.ret:
    ret

; The frame's AL: all the sectors if AH = 0, else those before the one that failed
; (from the result C, H, R against the request's; two heads a cylinder).
fl_sectors_done:
    test ah, ah
    jnz .count
    ret
.count:
    push ax
    push bx
    push dx
    push es
    mov es, [BDA_EBDA_SEG]
    xor al, al
    cmp byte [es:FL_COMMAND], FDC_CMD_FORMAT
    je .store
    mov al, [BDA_FLOPPY_FDC + 3]    ; result C
    shl al, 1
    add al, [BDA_FLOPPY_FDC + 4]    ; result H
    mov bl, [bp + DISK_CH]
    shl bl, 1
    add bl, [bp + DISK_DH]
    sub al, bl                      ; tracks moved on
    mov dl, [es:FL_COMMAND + 6]     ; sectors per track
    mul dl
    add al, [BDA_FLOPPY_FDC + 5]    ; result R
    mov bl, [bp + DISK_CL]
    and bl, 3Fh
    sub al, bl
    jae .clamp
    xor al, al
.clamp:
    cmp al, [bp + DISK_AL]
    jbe .store
    xor al, al
.store:
    mov [bp + DISK_AL], al
    pop es
    pop dx
    pop bx
    pop ax
    ret

; AH=08h: BL = drive type, CH/CL = last cylinder and sector, DH = last head, DL =
; drives, ES:DI = the parameter table.
fl_fn_parameters:
    mov ax, [BDA_EQUIPMENT]
    xor cl, cl
    test al, 01h
    jz .count
    mov cl, al
    rol cl, 1
    rol cl, 1
    and cl, 03h
    inc cl
.count:
    mov [bp + DISK_DL], cl
    mov word [bp + DISK_AX], 0
    call fl_drive_type
    jc .absent
    mov [bp + DISK_BL], al
    mov byte [bp + DISK_BH], 0
    mov al, [cs:si]
    mov [bp + DISK_CH], al
    mov al, [cs:si + 1]
    mov [bp + DISK_CL], al
    mov byte [bp + DISK_DH], 1
    mov ax, [cs:si + 3]
    mov [bp + DISK_DI], ax
    mov [bp + DISK_ES], cs
    xor ah, ah
    ret
.absent:
    mov word [bp + DISK_BX], 0
    mov word [bp + DISK_CX], 0
    mov byte [bp + DISK_DH], 0
    mov word [bp + DISK_DI], 0
    mov word [bp + DISK_ES], 0
    xor ah, ah
    ret

; AH=15h: AH = 00h no drive, 02h a diskette drive with a change line.
fl_fn_drive_type:
    call fl_drive_type
    mov ah, 0
    jc .ret
    mov ah, 02h
.ret:
    ret

; AH=16h: 00h unchanged, 06h changed (the line is reset by the steps that follow).
fl_fn_change_line:
    call fl_drive_type
    mov ah, FL_TIMEOUT
    jc .ret
    call fl_motor_on
    xor ah, ah
    call fl_change_line
    jz .off
    call fl_medium_changed
.off:
    call fl_motor_later
.ret:
    ret

; AH=17h: AL = the medium to format (1 320/360K in a 360K drive, 2 360K in a 1.2M
; drive, 3 1.2M in 1.2M, 4 720K in a 720K or 1.44M drive).
fl_fn_set_type:
    call fl_drive_type
    mov ah, FL_TIMEOUT
    jc .ret
    mov bl, [bp + DISK_AL]
    dec bl
    cmp bl, 3
    ja .bad
    xor bh, bh
    shl bx, 1
    mov bx, [cs:fl_format_types + bx] ; BL = the drive types allowed, BH = the media state
    mov cl, al
    mov al, 1
    shl al, cl
    test bl, al
    jz .bad
    mov bl, dl
    mov al, bh
    xor bh, bh
    mov [BDA_FLOPPY_MEDIA + bx], al
    xor ah, ah
    ret
.bad:
    mov ah, FL_BAD_COMMAND
.ret:
    ret
fl_format_types:
    db 1 << 1, 93h                  ; 360K, 250 kbps
    db 1 << 2, 74h                  ; 360K in 1.2M: 300 kbps, double stepping
    db 1 << 2, 15h                  ; 1.2M, 500 kbps
    db 1 << 3 | 1 << 4 | 1 << 5, 97h ; 720K, 250 kbps

; AH=18h: CH = last cylinder, CL = sectors per track; ES:DI = the parameter table.
fl_fn_set_media:
    call fl_drive_type
    mov ah, FL_TIMEOUT
    jc .ret
    mov cl, al
    mov ah, 1
    shl ah, cl                      ; this drive type's bit
    mov si, fl_media
.next:
    test [cs:si], ah
    jz .skip
    mov al, [bp + DISK_CH]
    cmp [cs:si + 1], al
    jne .skip
    mov al, [bp + DISK_CL]
    and al, 3Fh
    cmp [cs:si + 2], al
    je .found
.skip:
    add si, MEDIA_SIZE
    cmp si, fl_media_end
    jb .next
    mov ah, FL_MEDIA_UNSUPPORTED
    ret
.found:
    mov bl, dl
    xor bh, bh
    mov al, [cs:si + 3]
    mov [BDA_FLOPPY_MEDIA + bx], al
    mov ax, [cs:si + 4]
    mov [bp + DISK_DI], ax
    mov [bp + DISK_ES], cs
    xor ah, ah
.ret:
    ret

; ---- POST ----

floppy_init:
    ; The DMA controllers (8237A "Master Clear"): channel 4 cascades controller 1.
    out 0Dh, al
    out 0DAh, al
    mov al, 0C0h                    ; channel 4: cascade mode
    out 0D6h, al
    mov al, 00h                     ; unmask channel 4
    out 0D4h, al
    ; The vectors: IRQ 6, and the parameter table of drive A's type.
    push es
    xor ax, ax
    mov es, ax
    mov word [es:0Eh * 4], floppy_irq_handler
    mov word [es:0Eh * 4 + 2], cs
    pop es
    ; Drive types from CMOS 10h, A in bits 7-4.
    cli
    mov al, CMOS_FLOPPY_TYPES
    call cmos_read
    sti
    mov es, [BDA_EBDA_SEG]
    mov ah, al
    mov cl, 4
    shr ah, cl
    and al, 0Fh
    mov [es:FL_TYPES], ah
    mov [es:FL_TYPES + 1], al
    xor ax, ax
    mov [BDA_FLOPPY_RECAL], al
    mov [BDA_FLOPPY_MOTOR], al
    mov [BDA_FLOPPY_MOTOR_COUNT], al
    mov [BDA_FLOPPY_STATUS], al
    mov [BDA_FLOPPY_RATE], al
    mov [BDA_FLOPPY_INFO], al
    mov [BDA_FLOPPY_MEDIA], ax
    mov [BDA_FLOPPY_MEDIA + 2], ax
    mov [BDA_FLOPPY_TRACK], ax
    mov dl, 0
    call fl_drive_type
    jc .no_drives
    mov ax, [cs:si + 3]
    push es
    xor bx, bx
    mov es, bx
    mov [es:1Eh * 4], ax
    mov [es:1Eh * 4 + 2], cs
    pop es
    in al, PORT_PIC1 + 1
    and al, 0BFh                    ; unmask IRQ 6
    out PORT_PIC1 + 1, al
    call fl_reset_controller
    test ah, ah
    jnz .no_drives
    mov dl, 0
    call fl_init_drive
    mov dl, 1
    call fl_init_drive
.no_drives:
    mov byte [BDA_FLOPPY_MOTOR_COUNT], 1 ; the next tick turns the motors off
    ret

; POST for drive DL: its media state and controller information, then a step out and
; back (the PC/AT's seek test), which also resets the change line power-on set.
fl_init_drive:
    call fl_drive_type
    jc .ret
    mov bl, dl
    xor bh, bh
    mov al, [cs:si + 2]
    mov [BDA_FLOPPY_MEDIA + bx], al
    mov ah, 05h                     ; type determined, change line
    cmp byte [cs:si + 1], 9
    je .info
    or ah, 02h                      ; 1.2M, 1.44M and 2.88M drives: several data rates
.info:
    mov cl, dl
    shl cl, 1
    shl cl, 1
    shl ah, cl                      ; drive 1: bits 6-4
    or [BDA_FLOPPY_INFO], ah
    call fl_motor_on
    call fl_recalibrate
    mov ch, 1
    mov dh, 0
    call fl_seek
    call fl_recalibrate
.ret:
    ret

; ---- INT 19h ----

floppy_boot:
    mov dl, 0
    call fl_drive_type
    mov si, msg_no_floppy_drive
    jc .fail
    mov di, FL_TRIES
.try:
    xor ax, ax
    mov es, ax
    mov bx, 7C00h
    mov ax, 0201h
    mov cx, 0001h
    xor dx, dx
    int 13h
    jnc .ok
    xor ax, ax
    xor dx, dx
    int 13h
    dec di
    jnz .try
    mov si, msg_floppy_unreadable
.fail:
    stc
    ret
.ok:
    xor dl, dl
    clc
    ret

msg_no_floppy_drive: db "no diskette drive", 0
msg_floppy_unreadable: db "the diskette cannot be read", 0
