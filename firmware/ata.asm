; ata.asm: the hard disk part of INT 13h (IDE/ATA), the IRQ 14/15 handlers, the fixed
; disk parameter tables, and the POST set-up and boot hook of the hard disks (the
; contract is at the top of disk.asm). The CD-ROM (ATAPI, El Torito) is in cdrom.asm,
; which drives the controllers through the helpers here (ata_select, ata_wait_*).
;
; Sources: ATA/ATAPI-6 (T13 1410D) for the device protocol; Ralf Brown's Interrupt List
; (INTERRUP.B: INT 13h AH=00h-18h, 41h-48h, the disk address packet and the drive
; parameters buffer of AH=48h; MEMORY.LST 40:74h-77h; INT 41h/46h "fixed disk
; parameter table"); Phoenix "BIOS Enhanced Disk Drive Specification" 3.0 (the
; buffers and their sizes); the LBA-assisted translation of the Phoenix/Compaq BIOS
; specifications (16/32/64/128/255 heads by capacity, 63 sectors a track).
;
; Hard disks are numbered 80h, 81h... in the order primary master, primary slave,
; secondary master, secondary slave, skipping CD-ROMs and empty positions. Every access
; is by LBA, one sector per command, polled (nIEN set): CHS calls are translated with
; the geometry INT 13h AH=08h reports, which the drive never needs to know.

%define HD_MAX 4
%define CDROM_DRIVE 0E0h             ; the BIOS drive number of the CD-ROM (cdrom.asm)
%define HD_ENTRY_SIZE 16
; One entry per hard disk in the EBDA (EBDA_DISK_AREA):
%define HD_PORT 0                   ; word: command block base (1F0h / 170h)
%define HD_SELECT 2                 ; byte: device register, A0h or B0h
%define HD_FLAGS 3                  ; byte: HD_FLAG_*
%define HD_TOTAL 4                  ; 3 words: the sectors, 48 bits
%define HD_CYLINDERS 10             ; word: the translated geometry
%define HD_HEADS 12                 ; byte
%define HD_SECTORS 13               ; byte
%define HD_CONTROL 14               ; word: control block port (3F6h / 376h)
%define HD_FLAG_PRESENT 01h
%define HD_FLAG_LBA48 02h
%define HD_TABLE EBDA_DISK_AREA                 ; 180h-1BFh
; The current call's scratch (EBDA): the sector address and how many were moved.
%define HD_LBA (EBDA_DISK_AREA + 50h)           ; 1D0h: 4 words
%define HD_COUNT (EBDA_DISK_AREA + 58h)         ; word: sectors asked
%define HD_DONE (EBDA_DISK_AREA + 5Ah)          ; word: sectors moved
%define HD_OP (EBDA_DISK_AREA + 5Ch)            ; byte: HD_OP_*
%define HD_FDPT (EBDA_DISK_AREA + 60h)          ; 1E0h: two 16-byte parameter tables
%define HD_OP_READ 0
%define HD_OP_WRITE 1
%define HD_OP_VERIFY 2

; INT 13h status codes (Ralf Brown, INT 13h AH=01h).
%define DISK_SECTOR_NOT_FOUND 04h
%define DISK_BOUNDARY 09h
%define DISK_BAD_SECTOR 10h
%define DISK_CONTROLLER_FAILURE 20h
%define DISK_SEEK_FAILED 40h
%define DISK_WRITE_FAULT 0CCh

; ---- POST ----------------------------------------------------------------------------

; Finds the ATA disks (and, for cdrom.asm, the first ATAPI device), sets 40:75h, the
; parameter tables and the IRQ 14/15 vectors. DS = ES = 0040h.
harddisk_init:
    mov byte [BDA_DISK_COUNT], 0
    mov byte [BDA_DISK_STATUS], 0
    push ds
    mov es, [BDA_EBDA_SEG]
    mov di, EBDA_DISK_AREA          ; clear our area
    mov cx, (EBDA_DISK_AREA_END - EBDA_DISK_AREA) / 2
    xor ax, ax
    rep stosw
    call ata_install_vectors
    xor bx, bx                      ; BX = position 0-3
.next_position:
    call ata_probe_position
    inc bx
    cmp bx, 4
    jb .next_position
    pop ds
    call ata_count_disks
    mov [BDA_DISK_COUNT], al
    call ata_fill_fdpts
    ret

; The four positions: command block, control block, device register.
ata_position_ports: dw 1F0h, 1F0h, 170h, 170h
ata_position_controls: dw 3F6h, 3F6h, 376h, 376h
ata_position_selects: db 0A0h, 0B0h, 0A0h, 0B0h

; Position BX (0-3): resets the channel when probing its master, reads the signature,
; and records an ATA disk (IDENTIFY DEVICE) or the first ATAPI device. ES = EBDA.
ata_probe_position:
    push bx
    mov si, bx
    shl si, 1
    mov dx, [cs:ata_position_ports + si]
    mov cx, [cs:ata_position_controls + si]
    mov ah, [cs:ata_position_selects + bx]
    push dx
    add dx, 7
    in al, dx
    pop dx
    cmp al, 0FFh                    ; a floating bus: no device on this channel
    je .done
    test bl, 1
    jnz .no_reset
    call ata_channel_reset
    jc .done
.no_reset:
    call ata_select
    jc .done
    add dx, 7
    in al, dx
    sub dx, 7
    cmp al, 0FFh                    ; a floating bus
    je .done
    test al, al                     ; device 0 answering for an absent device 1
    jz .packet_or_none
    add dx, 4
    in al, dx                       ; LBA mid: 14h for a packet device
    sub dx, 4
    cmp al, 14h
    je .packet
    call ata_identify_disk
    jmp short .done
.packet_or_none:
    add dx, 4
    in al, dx
    sub dx, 4
    cmp al, 14h
    jne .done
.packet:
    call cdrom_record_device        ; cdrom.asm
.done:
    pop bx
    ret

; Software reset of the channel DX/CX (ATA/ATAPI-6 9.2): SRST for at least 5 us, then
; wait for BSY to clear; nIEN stays set (the BIOS polls). CF = 1 if the channel floats.
ata_channel_reset:
    push dx
    add dx, 7
    in al, dx
    pop dx
    cmp al, 0FFh
    je .absent
    push dx
    mov dx, cx
    mov al, 06h                     ; SRST, nIEN
    out dx, al
    IO_DELAY                        ; SRST held a few microseconds
    IO_DELAY
    mov al, 02h                     ; nIEN
    out dx, al
    pop dx
    call ata_wait_not_busy
    ret
.absent:
    stc
    ret

; Selects device AH on the channel DX and waits for it (ATA/ATAPI-6 9.6 "device selection").
ata_select:
    push dx
    add dx, 6
    mov al, ah
    out dx, al
    pop dx
    call ata_wait_not_busy
    ret

; Waits for BSY = 0 on the channel DX, a bounded number of polls. AL = status; CF = 1
; on time-out.
ata_wait_not_busy:
    push cx
    push bx
    mov bx, 64
    add dx, 7
.outer:
    xor cx, cx
.poll:
    in al, dx
    test al, 80h
    jz .ready
    loop .poll
    dec bx
    jnz .outer
    sub dx, 7
    stc
    jmp short .ret
.ready:
    sub dx, 7
    clc
.ret:
    pop bx
    pop cx
    ret

; Waits until the device DX is not busy and has DRQ; CF = 1 on error or time-out.
ata_wait_drq:
    call ata_wait_not_busy
    jc .ret
    test al, 01h                    ; ERR
    jnz .fail
    test al, 08h                    ; DRQ
    jnz .ret                        ; (CF = 0 from the test)
.fail:
    stc
.ret:
    ret

; IDENTIFY DEVICE on the selected device (DX, CX, AH; position BX); records the disk
; in the next free entry. ES = EBDA.
ata_identify_disk:
    push ax
    add dx, 7
    mov al, 0ECh
    out dx, al
    sub dx, 7
    call ata_wait_drq
    pop ax
    jc .ret
    push ax
    mov di, EBDA_BOUNCE
    push cx
    mov cx, 256
.word:
    in ax, dx
    stosw
    loop .word
    pop cx
    pop ax
    ; the next free entry
    mov di, HD_TABLE
    mov bl, HD_MAX
.find:
    test byte [es:di + HD_FLAGS], HD_FLAG_PRESENT
    jz .found
    add di, HD_ENTRY_SIZE
    dec bl
    jnz .find
    jmp short .ret
.found:
    mov [es:di + HD_PORT], dx
    mov [es:di + HD_CONTROL], cx
    mov [es:di + HD_SELECT], ah
    mov byte [es:di + HD_FLAGS], HD_FLAG_PRESENT
    ; the sectors: words 60-61 (LBA28), or 100-102 when word 83 bit 10 says LBA48
    mov ax, [es:EBDA_BOUNCE + 60 * 2]
    mov [es:di + HD_TOTAL], ax
    mov ax, [es:EBDA_BOUNCE + 61 * 2]
    mov [es:di + HD_TOTAL + 2], ax
    mov word [es:di + HD_TOTAL + 4], 0
    test byte [es:EBDA_BOUNCE + 83 * 2 + 1], 04h
    jz .geometry
    or byte [es:di + HD_FLAGS], HD_FLAG_LBA48
    mov ax, [es:EBDA_BOUNCE + 100 * 2]
    mov [es:di + HD_TOTAL], ax
    mov ax, [es:EBDA_BOUNCE + 101 * 2]
    mov [es:di + HD_TOTAL + 2], ax
    mov ax, [es:EBDA_BOUNCE + 102 * 2]
    mov [es:di + HD_TOTAL + 4], ax
.geometry:
    call ata_translate
.ret:
    ret

; The geometry INT 13h shows for entry ES:DI. Up to 504 MiB (1024 x 16 x 63) the
; drive's own (IDENTIFY words 1, 3, 6, in the bounce buffer); above, LBA-assisted:
; 63 sectors, the fewest heads of 16, 32, 64, 128, 255 that keep the cylinders within
; 1024, and the cylinders the capacity gives, at most 1024.
ata_translate:
    ; DX:AX = the sectors, capped at 1024 x 255 x 63 (all CHS can reach)
    mov ax, [es:di + HD_TOTAL]
    mov dx, [es:di + HD_TOTAL + 2]
    cmp word [es:di + HD_TOTAL + 4], 0
    jne .cap
    cmp dx, 00FBh                   ; 16450560 = 00FB0400h
    jb .capped
    ja .cap
    cmp ax, 0400h
    jbe .capped
.cap:
    mov dx, 00FBh
    mov ax, 0400h
.capped:
    cmp dx, 000Fh                   ; 1032192 = 000FC000h sectors = 504 MiB
    jb .physical
    ja .assisted
    cmp ax, 0C000h
    ja .assisted
.physical:
    mov bx, [es:EBDA_BOUNCE + 1 * 2]
    mov cl, [es:EBDA_BOUNCE + 3 * 2]
    mov ch, [es:EBDA_BOUNCE + 6 * 2]
    test bx, bx
    jz .assisted                    ; no CHS geometry given: translate anyway
    test cl, cl
    jz .assisted
    test ch, ch
    jz .assisted
    cmp bx, 1024
    jbe .store
    mov bx, 1024
    jmp short .store
.assisted:
    mov si, ata_assisted_heads
.try:
    mov cl, [cs:si]                 ; CL = heads
    push ax
    mov al, cl
    mov bl, 63
    mul bl
    mov bx, ax                      ; BX = heads x 63
    pop ax
    cmp dx, bx                      ; the quotient must fit 16 bits
    jae .next
    push dx
    push ax
    div bx                          ; AX = cylinders
    cmp ax, 1024
    jbe .found
    pop ax
    pop dx
.next:
    inc si
    cmp byte [cs:si], 0
    jne .try
    mov cl, 255                     ; not reached: the capacity is capped
    mov ax, 1024
    jmp short .have
.found:
    add sp, 4
.have:
    mov bx, ax
    mov ch, 63
    test bx, bx
    jnz .store
    inc bx                          ; a disk smaller than one cylinder
.store:
    mov [es:di + HD_CYLINDERS], bx
    mov [es:di + HD_HEADS], cl
    mov [es:di + HD_SECTORS], ch
    ret

ata_assisted_heads: db 16, 32, 64, 128, 255, 0

; AL = the number of hard disks found. ES = EBDA.
ata_count_disks:
    mov si, HD_TABLE
    xor ax, ax
    mov cx, HD_MAX
.next:
    test byte [es:si + HD_FLAGS], HD_FLAG_PRESENT
    jz .skip
    inc ax
.skip:
    add si, HD_ENTRY_SIZE
    loop .next
    ret

; The fixed disk parameter tables of disks 80h and 81h (INT 41h and 46h point at them;
; Ralf Brown, INT 41h: cylinders, heads, reduced write current cylinder, write
; precompensation cylinder, ECC burst, control byte, ..., landing zone, sectors/track).
ata_fill_fdpts:
    mov si, HD_TABLE
    mov di, HD_FDPT
    mov bx, 41h * 4
    mov cx, 2
.next:
    test byte [es:si + HD_FLAGS], HD_FLAG_PRESENT
    jz .vector
    mov ax, [es:si + HD_CYLINDERS]
    mov [es:di + 0], ax
    mov al, [es:si + HD_HEADS]
    mov [es:di + 2], al
    mov word [es:di + 3], 0
    mov word [es:di + 5], 0FFFFh    ; no write precompensation
    mov byte [es:di + 7], 0
    mov al, 0                       ; control byte: bit 3 for more than 8 heads
    cmp byte [es:si + HD_HEADS], 8
    jbe .control
    mov al, 08h
.control:
    mov [es:di + 8], al
    mov ax, [es:si + HD_CYLINDERS]
    mov [es:di + 12], ax            ; landing zone
    mov al, [es:si + HD_SECTORS]
    mov [es:di + 14], al
.vector:
    push ds
    xor ax, ax
    mov ds, ax
    mov [bx], di
    mov [bx + 2], es
    pop ds
    add si, HD_ENTRY_SIZE
    add di, 16
    mov bx, 46h * 4
    loop .next
    ret

; INT 76h (IRQ 14) and INT 77h (IRQ 15), both lines unmasked: nIEN keeps the drives
; quiet while the BIOS polls; a driver that clears it gets its interrupts acknowledged.
ata_install_vectors:
    push ds
    xor ax, ax
    mov ds, ax
    mov word [76h * 4], ata_irq14
    mov [76h * 4 + 2], cs
    mov word [77h * 4], ata_irq15
    mov [77h * 4 + 2], cs
    pop ds
    in al, PORT_PIC2 + 1
    and al, 03Fh
    out PORT_PIC2 + 1, al
    in al, PORT_PIC1 + 1
    and al, 0FBh                    ; the cascade
    out PORT_PIC1 + 1, al
    ret

; Reads the channel's status (which acknowledges INTRQ), keeps it in 40:8Ch, sets the
; interrupt flag 40:8Eh (Ralf Brown, MEMORY.LST) and ends the interrupt at both PICs.
ata_irq14:
    push dx
    mov dx, 1F7h
    jmp short ata_irq_common
ata_irq15:
    push dx
    mov dx, 177h
ata_irq_common:
    push ax
    push ds
    in al, dx
    mov dx, BDA_SEG
    mov ds, dx
    mov [BDA_DISK_HW_STATUS], al
    mov byte [BDA_DISK_IRQ_FLAG], 0FFh
    mov al, PIC_EOI
    out PORT_PIC2, al
    out PORT_PIC1, al
    pop ds
    pop ax
    pop dx
    iret

; ---- INT 13h ------------------------------------------------------------------------

harddisk_int13:
    cmp dl, CDROM_DRIVE             ; E0h: the CD-ROM (cdrom.asm)
    jne .hard_disk
    jmp cdrom_int13
.hard_disk:
    mov es, [BDA_EBDA_SEG]
    push ds
    call hd_entry                   ; SI = the entry of drive DL, CF = 1 if none
    jc .no_drive
    mov bl, ah
    xor bh, bh
    mov di, hd_functions
.find:
    cmp byte [cs:di], 0FFh
    je .bad
    cmp [cs:di], bl
    je .call
    add di, 3
    jmp short .find
.call:
    call [cs:di + 1]
    jmp short .status
.no_drive:
    cmp ah, 15h                     ; AH=15h: AH = 00h, "no such drive", CF = 0
    jne .bad
    xor ah, ah
    jmp short .status
.bad:
    mov ah, DISK_BAD_COMMAND
    stc
.status:
    pop ds
    pushf
    cmp byte [bp + DISK_AH], 01h    ; AH=01h and 15h return no status of their own
    je .keep
    cmp byte [bp + DISK_AH], 15h
    je .keep
    mov [BDA_DISK_STATUS], ah
.keep:
    popf
    ret

; Function, handler: the calls a fixed disk has (Ralf Brown, INT 13h).
hd_functions:
    db 00h
    dw hd_ok                        ; reset
    db 01h
    dw hd_last_status
    db 02h
    dw hd_read_chs
    db 03h
    dw hd_write_chs
    db 04h
    dw hd_verify_chs
    db 05h
    dw hd_ok                        ; format a track: nothing to do for ATA
    db 08h
    dw hd_parameters
    db 09h
    dw hd_ok                        ; initialise the controller with the tables
    db 0Ch
    dw hd_seek_chs
    db 0Dh
    dw hd_ok                        ; alternate reset
    db 10h
    dw hd_ok                        ; test unit ready
    db 11h
    dw hd_ok                        ; recalibrate
    db 14h
    dw hd_ok                        ; controller diagnostic
    db 15h
    dw hd_type
    db 41h
    dw hd_check_extensions
    db 42h
    dw hd_read_lba
    db 43h
    dw hd_write_lba
    db 44h
    dw hd_verify_lba
    db 47h
    dw hd_seek_lba
    db 48h
    dw hd_drive_parameters
    db 0FFh

; SI = the entry of drive DL (80h + n, among the disks found), ES = EBDA. CF = 1 if none.
hd_entry:
    mov al, dl
    sub al, 80h
    cmp al, [BDA_DISK_COUNT]
    jae .none
    mov si, HD_TABLE
.next:
    test byte [es:si + HD_FLAGS], HD_FLAG_PRESENT
    jz .skip
    sub al, 1
    jc .found
.skip:
    add si, HD_ENTRY_SIZE
    cmp si, HD_TABLE + HD_MAX * HD_ENTRY_SIZE
    jb .next
.none:
    stc
    ret
.found:
    clc
    ret

hd_ok:
    xor ah, ah
    clc
    ret

hd_last_status:
    mov ah, [BDA_DISK_STATUS]
    cmp ah, 1
    cmc                             ; CF = 1 if the last call failed
    ret

; AH=15h: AH = 03h (a fixed disk), CX:DX = the sectors CHS reaches.
hd_type:
    mov al, [es:si + HD_HEADS]
    mul byte [es:si + HD_SECTORS]
    mul word [es:si + HD_CYLINDERS]
    mov [bp + DISK_CX], dx
    mov [bp + DISK_DX], ax
    mov ah, 03h
    clc
    ret

; AH=08h: CH = the last cylinder's low bits, CL = sectors | its bits 8-9 in 7-6, DH =
; the last head, DL = the number of disks.
hd_parameters:
    mov ax, [es:si + HD_CYLINDERS]
    dec ax
    mov [bp + DISK_CH], al
    mov cl, 6
    shl ah, cl
    or ah, [es:si + HD_SECTORS]
    mov [bp + DISK_CL], ah
    mov al, [es:si + HD_HEADS]
    dec al
    mov [bp + DISK_DH], al
    mov al, [BDA_DISK_COUNT]
    mov [bp + DISK_DL], al
    mov byte [bp + DISK_AL], 0
    xor ah, ah
    clc
    ret

; The CHS address of CX/DH as an LBA in HD_LBA; CF = 1 (AH = the error) if it is not
; one of the geometry's.
hd_chs_to_lba:
    mov al, [bp + DISK_CL]
    and al, 3Fh
    jz .bad                         ; sectors count from 1
    cmp al, [es:si + HD_SECTORS]
    ja .bad
    mov bl, [bp + DISK_DH]
    cmp bl, [es:si + HD_HEADS]
    jae .bad
    mov al, [bp + DISK_CL]
    mov cl, 6
    shr al, cl
    mov ah, al
    mov al, [bp + DISK_CH]          ; AX = the cylinder
    cmp ax, [es:si + HD_CYLINDERS]
    jae .bad
    ; ((cylinder x heads + head) x sectors) + sector - 1
    xor bh, bh
    mov cl, [es:si + HD_HEADS]
    xor ch, ch
    mul cx                          ; DX:AX = cylinder x heads (< 2^18)
    add ax, bx
    adc dx, 0
    mov cl, [es:si + HD_SECTORS]
    mov bx, dx                      ; multiply DX:AX by CX, 32 bits
    mul cx
    push ax
    push dx
    mov ax, bx
    mul cx
    pop dx
    add dx, ax
    pop ax
    mov bl, [bp + DISK_CL]
    and bl, 3Fh
    dec bl
    xor bh, bh
    add ax, bx
    adc dx, 0
    mov [es:HD_LBA], ax
    mov [es:HD_LBA + 2], dx
    mov word [es:HD_LBA + 4], 0
    mov word [es:HD_LBA + 6], 0
    clc
    ret
.bad:
    mov ah, DISK_SECTOR_NOT_FOUND
    stc
    ret

hd_read_chs:
    mov byte [es:HD_OP], HD_OP_READ
    jmp short hd_chs_transfer
hd_write_chs:
    mov byte [es:HD_OP], HD_OP_WRITE
    jmp short hd_chs_transfer
hd_verify_chs:
    mov byte [es:HD_OP], HD_OP_VERIFY
; AH=02h/03h/04h: AL sectors from CHS CX/DH to ES:BX; AL = the sectors moved.
hd_chs_transfer:
    call hd_chs_to_lba
    jc .fail
    mov al, [bp + DISK_AL]
    xor ah, ah
    test al, al
    jz .bad_count
    mov [es:HD_COUNT], ax
    mov ax, [bp + DISK_ES]
    mov di, [bp + DISK_BX]
    call hd_transfer
    pushf
    mov al, [es:HD_DONE]
    mov [bp + DISK_AL], al
    popf
    ret
.bad_count:
    mov ah, DISK_BAD_COMMAND
    stc
.fail:
    mov byte [bp + DISK_AL], 0
    ret

hd_seek_chs:
    call hd_chs_to_lba
    jc .ret
    xor ah, ah
.ret:
    ret

; AH=41h, BX=55AAh: EDD 3.0 (AH = 30h), BX = AA55h, CX = 0005h: the extended calls
; (42h-44h, 47h, 48h) and EDD's drive parameters; no removable-media calls.
hd_check_extensions:
    mov ax, 0005h
    ; fall through

; AH=41h for any drive: the signature check and answer, with AX = the CX bits it returns
; (cdrom.asm's CD-ROM calls this too, with its removable-media bit).
edd_check_extensions:
    cmp word [bp + DISK_BX], 55AAh
    jne .bad
    mov word [bp + DISK_BX], 0AA55h
    mov [bp + DISK_CX], ax
    mov ah, 30h
    clc
    ret
.bad:
    mov ah, DISK_BAD_COMMAND
    stc
    ret

; The disk address packet at the caller's DS:SI (Ralf Brown, INT 13h AH=42h): size,
; 0, count, buffer offset:segment, 64-bit LBA. Into HD_LBA and HD_COUNT; AX:DI = the
; buffer. CF = 1 with AH = 01h for a packet we do not take (a 64-bit flat buffer).
hd_load_packet:
    push ds
    mov ds, [bp + DISK_DS]
    mov bx, [bp + DISK_SI]
    cmp byte [bx], 10h
    jb .bad
    mov ax, [bx + 2]
    mov [es:HD_COUNT], ax
    mov ax, [bx + 8]
    mov [es:HD_LBA], ax
    mov ax, [bx + 10]
    mov [es:HD_LBA + 2], ax
    mov ax, [bx + 12]
    mov [es:HD_LBA + 4], ax
    mov ax, [bx + 14]
    mov [es:HD_LBA + 6], ax
    mov di, [bx + 4]
    mov ax, [bx + 6]
    cmp di, 0FFFFh                  ; FFFF:FFFFh: the buffer is a 64-bit address
    jne .ok
    cmp ax, 0FFFFh
    je .bad
.ok:
    pop ds
    clc
    ret
.bad:
    pop ds
    mov ah, DISK_BAD_COMMAND
    stc
    ret

; The sectors moved, back in the packet's count.
hd_store_packet_count:
    pushf
    push ax
    push ds
    mov ds, [bp + DISK_DS]
    mov bx, [bp + DISK_SI]
    mov ax, [es:HD_DONE]
    mov [bx + 2], ax
    pop ds
    pop ax
    popf
    ret

hd_read_lba:
    mov byte [es:HD_OP], HD_OP_READ
    jmp short hd_lba_transfer
hd_write_lba:
    mov byte [es:HD_OP], HD_OP_WRITE
    jmp short hd_lba_transfer
hd_verify_lba:
    mov byte [es:HD_OP], HD_OP_VERIFY
; AH=42h/43h/44h.
hd_lba_transfer:
    call hd_load_packet
    jc .ret
    call hd_transfer
    call hd_store_packet_count
.ret:
    ret

; AH=47h: the packet's LBA must be on the disk.
hd_seek_lba:
    call hd_load_packet
    jc .ret
    mov word [es:HD_COUNT], 1
    call hd_check_range
    jc .ret
    xor ah, ah
.ret:
    ret

; AH=48h: the drive parameters at the caller's DS:SI (EDD 3.0, Table 8): 1Ah bytes
; (EDD 1.x), 1Eh with the DPTE pointer (FFFF:FFFFh: none), or 42h with the device
; path, as big as the caller's buffer says it is.
hd_drive_parameters:
    push ds
    mov ds, [bp + DISK_DS]
    mov bx, [bp + DISK_SI]
    cmp word [bx], 1Ah
    jb .bad
    push si
    mov ax, [es:si + HD_PORT]
    mov cl, [es:si + HD_SELECT]
    mov si, edd_ata
    call edd_buffer_size
    pop si
    mov word [bx + 2], 0002h        ; the CHS information is valid
    mov ax, [es:si + HD_CYLINDERS]
    mov [bx + 4], ax
    mov word [bx + 6], 0
    mov al, [es:si + HD_HEADS]
    xor ah, ah
    mov [bx + 8], ax
    mov word [bx + 10], 0
    mov al, [es:si + HD_SECTORS]
    mov [bx + 12], ax
    mov word [bx + 14], 0
    mov ax, [es:si + HD_TOTAL]
    mov [bx + 16], ax
    mov ax, [es:si + HD_TOTAL + 2]
    mov [bx + 18], ax
    mov ax, [es:si + HD_TOTAL + 4]
    mov [bx + 20], ax
    mov word [bx + 22], 0
    mov word [bx + 24], 512
    pop ds
    xor ah, ah
    clc
    ret
.bad:
    pop ds
    mov ah, DISK_BAD_COMMAND
    stc
    ret

; The size of AH=48h's buffer at DS:BX: 1Ah, 1Eh (the DPTE pointer: FFFF:FFFFh, none) or
; 42h (EDD 3.0 Table 8: the device path, key BEDDh, for the channel AX and the device
; register value CL, interface name CS:SI), the largest that fits the caller's size.
edd_buffer_size:
    mov dx, [bx]
    mov word [bx], 1Ah
    cmp dx, 1Eh
    jb .ret
    mov word [bx], 1Eh
    mov word [bx + 1Ah], 0FFFFh
    mov word [bx + 1Ch], 0FFFFh
    cmp dx, 42h
    jb .ret
    mov word [bx], 42h
    mov word [bx + 1Eh], 0BEDDh
    mov word [bx + 20h], 24h        ; the path's length, from the key; 21h-23h reserved
    mov word [bx + 22h], 0
    mov word [bx + 24h], "IS"       ; host bus "ISA "
    mov word [bx + 26h], "A "
    push di
    push cx
    lea di, [bx + 28h]              ; interface type, 8 characters
    mov cx, 4
.name:
    mov dx, [cs:si]
    mov [di], dx
    add si, 2
    add di, 2
    loop .name
    pop cx
    pop di
    mov [bx + 30h], ax              ; interface path: the base port
    xor ax, ax
    mov [bx + 32h], ax
    mov [bx + 34h], ax
    mov [bx + 36h], ax
    and cl, 10h                     ; device path: 0 master, 1 slave
    shr cl, 1
    shr cl, 1
    shr cl, 1
    shr cl, 1
    mov [bx + 38h], cl
    mov [bx + 39h], al
    mov [bx + 3Ah], ax
    mov [bx + 3Ch], ax
    mov [bx + 3Eh], ax
    mov [bx + 40h], al
    ; the checksum: bytes 1Eh-41h sum to 0
    push si
    lea si, [bx + 1Eh]
    mov cx, 41h - 1Eh
.sum:
    add al, [si]
    inc si
    loop .sum
    neg al
    mov [bx + 41h], al
    pop si
.ret:
    ret

edd_ata: db "ATA     "
edd_atapi: db "ATAPI   "

; CF = 1 (AH = 04h) unless HD_LBA + HD_COUNT <= the disk's sectors (all 64 bits).
hd_check_range:
    cmp word [es:HD_LBA + 6], 0
    jne .out
    mov ax, [es:HD_LBA]
    mov bx, [es:HD_LBA + 2]
    mov cx, [es:HD_LBA + 4]
    add ax, [es:HD_COUNT]
    adc bx, 0
    adc cx, 0
    jc .out
    cmp cx, [es:si + HD_TOTAL + 4]  ; end <= total, from the high word down
    ja .out
    jb .in
    cmp bx, [es:si + HD_TOTAL + 2]
    ja .out
    jb .in
    cmp ax, [es:si + HD_TOTAL]
    ja .out
.in:
    clc
    ret
.out:
    mov ah, DISK_SECTOR_NOT_FOUND
    stc
    ret

; Moves HD_COUNT sectors from HD_LBA (HD_OP) to or from AX:DI, one command each, and
; counts them in HD_DONE. AH = the status; CF = 1 on error.
hd_transfer:
    mov word [es:HD_DONE], 0
    push ax
    call hd_check_range
    pop bx                          ; BX = the buffer's segment
    jc .ret
    cmp word [es:HD_COUNT], 0
    je .ok
    ; AX:DI normalised: the offset below 16, each sector moves the segment on 20h
    mov ax, di
    mov cl, 4
    shr ax, cl
    add bx, ax
    and di, 0Fh
.sector:
    call hd_sector_io
    jc .ret
    inc word [es:HD_DONE]
    add bx, 20h
    add word [es:HD_LBA], 1
    adc word [es:HD_LBA + 2], 0
    adc word [es:HD_LBA + 4], 0
    mov ax, [es:HD_DONE]
    cmp ax, [es:HD_COUNT]
    jb .sector
.ok:
    xor ah, ah
    clc
.ret:
    ret

; One sector at HD_LBA of the disk ES:SI, to or from BX:DI (HD_OP). CF = 1, AH = the
; status, on error. Keeps BX, DI, SI.
hd_sector_io:
    mov dx, [es:si + HD_PORT]
    mov ah, [es:si + HD_SELECT]
    call ata_select
    jc .timeout
    call hd_issue_command
    cmp byte [es:HD_OP], HD_OP_VERIFY
    je .verify
    call ata_wait_drq
    jc .error
    push ds
    push di
    mov ds, bx
    mov cx, 256
    cmp byte [es:HD_OP], HD_OP_WRITE
    je .write
.read:
    in ax, dx
    mov [di], ax
    add di, 2
    loop .read
    jmp short .moved
.write:
    mov ax, [di]
    out dx, ax
    add di, 2
    loop .write
.moved:
    pop di
    pop ds
.verify:
    call ata_wait_not_busy
    jc .timeout
    test al, 21h                    ; ERR or DF
    jnz .error
    xor ah, ah
    ret
.timeout:
    mov ah, DISK_TIMEOUT
    stc
    ret
.error:
    push dx
    inc dx
    in al, dx                       ; the error register
    pop dx
    mov ah, DISK_SECTOR_NOT_FOUND
    test al, 10h                    ; IDNF
    jnz .fail
    mov ah, DISK_BAD_SECTOR
    test al, 40h                    ; UNC
    jnz .fail
    mov ah, DISK_WRITE_FAULT
    cmp byte [es:HD_OP], HD_OP_WRITE
    je .fail
    mov ah, DISK_CONTROLLER_FAILURE
.fail:
    stc
    ret

; The command for HD_OP at HD_LBA, one sector: LBA28 while the address fits 28 bits,
; the EXT commands (ATA/ATAPI-6 6.x, the HOB bytes first) above. DX = the channel.
hd_issue_command:
    push bx
    mov al, [es:HD_OP]
    mov cx, [es:HD_LBA + 2]         ; bits 16-31
    cmp word [es:HD_LBA + 4], 0
    jne .lba48
    cmp cx, 1000h
    jae .lba48
    ; LBA28: count, LBA 0-23, device with LBA 24-27
    push ax
    add dx, 2
    mov al, 1
    out dx, al
    inc dx
    mov al, [es:HD_LBA]
    out dx, al
    inc dx
    mov al, [es:HD_LBA + 1]
    out dx, al
    inc dx
    mov al, cl
    out dx, al
    inc dx
    mov al, ch
    and al, 0Fh
    or al, 0E0h
    or al, [es:si + HD_SELECT]      ; A0h or B0h: DEV in bit 4
    out dx, al
    inc dx
    pop ax
    mov bx, hd_commands28
    jmp short .command
.lba48:
    push ax
    add dx, 2
    xor al, al                      ; count: 0001h, high byte first
    out dx, al
    inc al
    out dx, al
    inc dx
    mov al, [es:HD_LBA + 3]         ; LBA 24-31, 32-39, 40-47, then 0-7, 8-15, 16-23
    out dx, al
    mov al, [es:HD_LBA]
    out dx, al
    inc dx
    mov al, [es:HD_LBA + 4]
    out dx, al
    mov al, [es:HD_LBA + 1]
    out dx, al
    inc dx
    mov al, [es:HD_LBA + 5]
    out dx, al
    mov al, [es:HD_LBA + 2]
    out dx, al
    inc dx
    mov al, [es:si + HD_SELECT]
    and al, 10h
    or al, 40h
    out dx, al
    inc dx
    pop ax
    mov bx, hd_commands48
.command:
    xor ah, ah
    add bx, ax
    mov al, [cs:bx]
    out dx, al
    sub dx, 7
    pop bx
    ret

hd_commands28: db 20h, 30h, 40h     ; READ SECTORS, WRITE SECTORS, READ VERIFY SECTORS
hd_commands48: db 24h, 34h, 42h     ; and their EXT forms

; ---- boot ----------------------------------------------------------------------------

; INT 19h: the first sector of disk 80h to 0000:7C00h. DS = 0040h, ES = 0.
harddisk_boot:
    cmp byte [BDA_DISK_COUNT], 0
    je .none
    mov si, 3                       ; a few tries
.try:
    mov ax, 0201h
    mov cx, 0001h
    mov dx, 0080h
    xor bx, bx
    mov es, bx
    mov bx, 7C00h
    push si
    int 13h
    pop si
    jnc .done
    dec si
    jnz .try
    mov si, msg_hd_read_error
    stc
    ret
.done:
    mov dl, 80h
    clc
    ret
.none:
    mov si, msg_no_hard_disk
    stc
    ret

msg_no_hard_disk: db "no hard disk", 0
msg_hd_read_error: db "cannot read the boot sector", 0
