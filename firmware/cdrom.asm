; cdrom.asm: the ATAPI CD-ROM: its INT 13h drive (E0h), read with 2048-byte sectors,
; and the El Torito boot (no-emulation images).
;
; Sources: "El Torito" Bootable CD-ROM Format Specification 1.0 (Phoenix/IBM, 1995):
; 2.0 the Boot Record Volume Descriptor at sector 17, 2.1-2.4 the boot catalogue (the
; validation entry with its checksum and 55AAh, the initial/default entry: boot
; indicator 88h, media type, load segment, sector count in 512-byte units, load RBA),
; 5.0 INT 13h AH=4Bh and its specification packet (13h bytes); SFF-8020i/MMC-2 for the
; packets (READ(10) 28h, READ CAPACITY 25h); Ralf Brown's Interrupt List for INT 13h
; AH=41h/42h/48h on a CD (the sector size in AH=48h's buffer).
;
; Floppy emulation (media types 1-3: 1.2, 1.44, 2.88 MB images) serves INT 13h for
; drive 00h from the image on the CD (El Torito 3.0: the BIOS "redirects" the diskette
; drive; floppy.asm asks elt_owns_drive first). The real diskette drives are not
; renumbered: while the emulation runs, drive 00h is the image. Hard-disk emulation
; (media type 4) is refused at boot (not written yet).


; The first ATAPI device, in the EBDA (1C0h-1CFh):
%define CD_PORT (EBDA_DISK_AREA + 40h)          ; word: 0 = no CD-ROM
%define CD_CONTROL (EBDA_DISK_AREA + 42h)       ; word
%define CD_SELECT (EBDA_DISK_AREA + 44h)        ; byte: A0h / B0h
%define CD_CHANNEL (EBDA_DISK_AREA + 45h)       ; byte: 0 primary, 1 secondary
%define ELT_MEDIA (EBDA_DISK_AREA + 46h)        ; byte: the booted image's media type
%define ELT_ACTIVE (EBDA_DISK_AREA + 47h)       ; byte: 1 after an El Torito boot
%define ELT_RBA (EBDA_DISK_AREA + 48h)          ; dword: the image's first sector
%define ELT_LOAD_SEG (EBDA_DISK_AREA + 4Ch)     ; word
%define ELT_COUNT (EBDA_DISK_AREA + 4Eh)        ; word: 512-byte sectors loaded
; Scratch for one call (shared with ata.asm's, never at the same time):
%define CD_PACKET (EBDA_DISK_AREA + 50h)        ; 12 bytes: the packet to send
%define CD_SKIP (EBDA_DISK_AREA + 5Ch)          ; word: bytes of the data to drop first
%define CD_DONE (EBDA_DISK_AREA + 5Eh)          ; word: sectors moved
%define CD_SECTOR_BYTES 2048
%define CD_READ_TRIES 3                         ; UNIT ATTENTION once after power-on
%define ELT_DEFAULT_SEG 07C0h

; POST (from ata.asm): the ATAPI device DX (command block), CX (control), AH (device
; register value) in position BX. The first one found is the CD-ROM. ES = EBDA.
cdrom_record_device:
    cmp word [es:CD_PORT], 0
    jne .ret
    ; IDENTIFY PACKET DEVICE: word 0 bits 12-8 give the device type, 05h a CD-ROM
    push ax
    add dx, 7
    mov al, 0A1h
    out dx, al
    sub dx, 7
    call ata_wait_drq
    pop ax
    jc .ret
    push ax
    push cx
    mov di, EBDA_BOUNCE
    mov cx, 256
.word:
    in ax, dx
    stosw
    loop .word
    pop cx
    pop ax
    mov al, [es:EBDA_BOUNCE + 1]
    and al, 1Fh
    cmp al, 05h
    jne .ret
    mov [es:CD_PORT], dx
    mov [es:CD_CONTROL], cx
    mov [es:CD_SELECT], ah
    mov al, bl
    shr al, 1
    mov [es:CD_CHANNEL], al
.ret:
    ret

; ---- the packet protocol --------------------------------------------------------------

; Sends the packet at ES:CD_PACKET to the CD-ROM and reads its data blocks into BX:DI:
; the first CD_SKIP bytes dropped, then at most CX bytes kept, the rest drained (CD_SKIP
; is left 0). ES = EBDA. CF = 1 on error. Keeps BX, DI.
atapi_command:
    push si
    push di
    mov si, cx
    mov dx, [es:CD_PORT]
    mov ah, [es:CD_SELECT]
    call ata_select
    jc .ret
    inc dx
    xor al, al                      ; features: PIO
    out dx, al
    add dx, 3
    out dx, al                      ; byte count limit 0800h
    inc dx
    mov al, CD_SECTOR_BYTES >> 8
    out dx, al
    add dx, 2
    mov al, 0A0h                    ; PACKET
    out dx, al
    sub dx, 7
    call ata_wait_drq
    jc .ret
    push si
    mov si, CD_PACKET
    mov cx, 6
.packet_word:
    mov ax, [es:si]
    out dx, ax
    add si, 2
    loop .packet_word
    pop si
.block:
    call ata_wait_not_busy
    jc .ret
    test al, 08h                    ; DRQ: a data block
    jz .status
    push dx
    add dx, 4
    in al, dx
    mov cl, al
    inc dx
    in al, dx
    mov ch, al                      ; CX = the block's bytes
    pop dx
    inc cx
    shr cx, 1
    jcxz .error                     ; DRQ with nothing to move: give up, not spin
    push ds
    mov ds, bx
.word:
    in ax, dx
    cmp word [es:CD_SKIP], 0
    je .keep
    sub word [es:CD_SKIP], 2
    jmp short .drop
.keep:
    cmp si, 2
    jb .drop
    mov [di], ax
    add di, 2
    sub si, 2
.drop:
    loop .word
    pop ds
    jmp short .block
.status:
    test al, 01h                    ; ERR: CHECK CONDITION
    jz .ret
.error:
    stc
.ret:
    mov word [es:CD_SKIP], 0
    pop di
    pop si
    ret

; READ(10) of one sector, DX:AX, into BX:DI, with retries. CF = 1 if it failed.
atapi_read_sector:
    push cx
    push si
    mov cx, CD_SECTOR_BYTES
    xor si, si
    call atapi_read_part
    pop si
    pop cx
    ret

; READ(10) of sector DX:AX, keeping CX bytes from byte SI on, into BX:DI; retried.
; CF = 1 if it failed. Keeps AX, BX, CX, DX, SI, DI.
atapi_read_part:
    push bp
    mov bp, cx
    push cx
    mov cx, CD_READ_TRIES
.try:
    push cx
    mov word [es:CD_PACKET], 0028h
    xchg dh, dl                     ; the LBA, big-endian
    mov [es:CD_PACKET + 2], dx
    xchg dh, dl
    xchg ah, al
    mov [es:CD_PACKET + 4], ax
    xchg ah, al
    mov word [es:CD_PACKET + 6], 0
    mov word [es:CD_PACKET + 8], 0001h
    mov word [es:CD_PACKET + 10], 0
    push dx
    push ax
    mov [es:CD_SKIP], si
    mov cx, bp
    call atapi_command
    pop ax
    pop dx
    pop cx
    jnc .ret
    loop .try
    stc
.ret:
    pop cx
    pop bp
    ret

; CX sectors from DX:AX to BX:DI (the offset below 16), counting them in CD_DONE.
atapi_read_sectors:
    mov word [es:CD_DONE], 0
    jcxz .ok
.sector:
    call atapi_read_sector
    jc .ret
    inc word [es:CD_DONE]
    add bx, CD_SECTOR_BYTES / 16
    add ax, 1
    adc dx, 0
    loop .sector
.ok:
    clc
.ret:
    ret

; DX:AX = the CD's sectors (READ CAPACITY: the last LBA + 1); CF = 1 if it has none.
atapi_capacity:
    mov word [es:CD_PACKET], 0025h
    mov word [es:CD_PACKET + 2], 0
    mov word [es:CD_PACKET + 4], 0
    mov word [es:CD_PACKET + 6], 0
    mov word [es:CD_PACKET + 8], 0
    mov word [es:CD_PACKET + 10], 0
    mov bx, es
    mov di, EBDA_BOUNCE
    mov cx, CD_READ_TRIES
.try:
    push cx
    mov cx, 8
    call atapi_command
    pop cx
    jnc .got
    loop .try
    stc
    ret
.got:
    mov dx, [es:EBDA_BOUNCE]
    mov ax, [es:EBDA_BOUNCE + 2]
    xchg dh, dl
    xchg ah, al
    add ax, 1
    adc dx, 0
    clc
    ret

; ---- INT 13h for drive E0h ------------------------------------------------------------

cdrom_int13:
    mov es, [BDA_EBDA_SEG]
    cmp word [es:CD_PORT], 0
    je .bad
    mov di, cd_functions
.find:
    cmp byte [cs:di], 0FFh
    je .bad
    cmp [cs:di], ah
    je .call
    add di, 3
    jmp short .find
.call:
    call [cs:di + 1]
    ret
.bad:
    mov ah, DISK_BAD_COMMAND
    stc
    ret

cd_functions:
    db 00h
    dw hd_ok
    db 01h
    dw hd_ok
    db 0Dh
    dw hd_ok
    db 10h
    dw hd_ok
    db 41h
    dw cd_check_extensions
    db 42h
    dw cd_read_lba
    db 47h
    dw hd_ok
    db 48h
    dw cd_drive_parameters
    db 4Bh
    dw cd_emulation
    db 0FFh

; AH=41h: EDD 3.0 with the removable-media calls' bit (CX bit 1) as CD BIOSes give it.
cd_check_extensions:
    mov ax, 0007h
    jmp edd_check_extensions

; AH=42h: the packet's count of 2048-byte sectors from its LBA (the low 32 bits; a CD
; has fewer) to its buffer.
cd_read_lba:
    call hd_load_packet
    jc .ret
    cmp word [es:HD_LBA + 4], 0
    jne .out
    cmp word [es:HD_LBA + 6], 0
    jne .out
    mov bx, ax                      ; BX:DI normalised
    mov ax, di
    mov cl, 4
    shr ax, cl
    add bx, ax
    and di, 0Fh
    mov ax, [es:HD_LBA]
    mov dx, [es:HD_LBA + 2]
    mov cx, [es:HD_COUNT]
    call atapi_read_sectors
    pushf
    push ds
    mov ds, [bp + DISK_DS]
    mov bx, [bp + DISK_SI]
    mov ax, [es:CD_DONE]
    mov [bx + 2], ax
    pop ds
    popf
    mov ah, 0
    jnc .ret
    mov ah, DISK_SECTOR_NOT_FOUND
.ret:
    ret
.out:
    mov ah, DISK_SECTOR_NOT_FOUND
    stc
    ret

; AH=48h: removable, with change line and lock (flags 0074h), no CHS, the sectors of
; READ CAPACITY, 2048 bytes each.
cd_drive_parameters:
    call atapi_capacity
    jnc .have
    xor ax, ax
    xor dx, dx
.have:
    push ds
    mov ds, [bp + DISK_DS]
    mov bx, [bp + DISK_SI]
    cmp word [bx], 1Ah
    jb .bad
    push ax
    push dx
    mov ax, [es:CD_PORT]
    mov cl, [es:CD_SELECT]
    mov si, edd_atapi
    call edd_buffer_size
    pop dx
    pop ax
    mov word [bx + 2], 0074h
    mov word [bx + 4], 0
    mov word [bx + 6], 0
    mov word [bx + 8], 0
    mov word [bx + 10], 0
    mov word [bx + 12], 0
    mov word [bx + 14], 0
    mov [bx + 16], ax
    mov [bx + 18], dx
    mov word [bx + 20], 0
    mov word [bx + 22], 0
    mov word [bx + 24], CD_SECTOR_BYTES
    pop ds
    xor ah, ah
    clc
    ret
.bad:
    pop ds
    mov ah, DISK_BAD_COMMAND
    stc
    ret

; AH=4Bh, AL=00h (terminate emulation) or 01h (status): the specification packet at the
; caller's DS:SI (El Torito 5.0, Table 13).
cd_emulation:
    cmp al, 01h
    ja .bad
    push ds
    mov ds, [bp + DISK_DS]
    mov bx, [bp + DISK_SI]
    mov byte [bx], 13h
    mov al, [es:ELT_MEDIA]
    mov [bx + 1], al
    mov byte [bx + 2], CDROM_DRIVE
    test al, al
    jz .drive
    mov byte [bx + 2], 00h          ; a diskette image: drive 00h
.drive:
    mov al, [es:CD_CHANNEL]
    mov [bx + 3], al
    mov ax, [es:ELT_RBA]
    mov [bx + 4], ax
    mov ax, [es:ELT_RBA + 2]
    mov [bx + 6], ax
    mov al, [es:CD_SELECT]          ; device specification: bit 0 the slave
    mov cl, 4
    shr al, cl
    and ax, 0001h
    mov [bx + 8], ax
    mov word [bx + 10], 0
    mov ax, [es:ELT_LOAD_SEG]
    mov [bx + 12], ax
    mov ax, [es:ELT_COUNT]
    mov [bx + 14], ax
    mov byte [bx + 16], 0
    mov byte [bx + 17], 0
    mov byte [bx + 18], 0
    call elt_floppy_spt             ; a diskette image: 80 cylinders, 2 heads
    jc .geometry_done
    mov byte [bx + 16], 79
    mov [bx + 17], al
    mov byte [bx + 18], 1
.geometry_done:
    pop ds
    cmp byte [bp + DISK_AL], 00h
    jne .ok
    mov byte [es:ELT_ACTIVE], 0     ; no emulation to end: the image is a CD program
.ok:
    xor ah, ah
    clc
    ret
.bad:
    mov ah, DISK_BAD_COMMAND
    stc
    ret

; ---- El Torito boot -------------------------------------------------------------------

; INT 19h: the boot record volume descriptor (sector 17), the catalogue, the initial
; entry's image to its load segment. DS = 0040h, ES = 0.
cdrom_boot:
    mov es, [BDA_EBDA_SEG]
    cmp word [es:CD_PORT], 0
    mov si, msg_no_cdrom
    je .fail
    xor bx, bx                      ; sector 17 to 0000:7C00h
    mov di, 7C00h
    mov ax, 17
    xor dx, dx
    call atapi_read_sector
    mov si, msg_cd_unreadable
    jc .fail
    push ds
    xor ax, ax
    mov ds, ax
    mov si, 7C00h
    push es
    push cs
    pop es
    mov di, elt_boot_record
    mov cx, elt_boot_record_end - elt_boot_record
    repe cmpsb
    pop es
    mov ax, [7C47h]                 ; the catalogue's sector
    mov dx, [7C49h]
    pop ds
    mov si, msg_cd_not_bootable
    jne .fail
    xor bx, bx
    mov di, 7C00h
    call atapi_read_sector
    mov si, msg_cd_unreadable
    jc .fail
    call elt_check_catalogue
    jc .fail
    ; the initial entry: 88h, media, load segment, -, sectors, RBA
    push ds
    xor ax, ax
    mov ds, ax
    mov al, [7C21h]
    and al, 0Fh
    mov [es:ELT_MEDIA], al
    mov ax, [7C22h]
    test ax, ax
    jnz .segment
    mov ax, ELT_DEFAULT_SEG
.segment:
    mov [es:ELT_LOAD_SEG], ax
    mov ax, [7C26h]
    mov [es:ELT_COUNT], ax
    mov ax, [7C28h]
    mov [es:ELT_RBA], ax
    mov ax, [7C2Ah]
    mov [es:ELT_RBA + 2], ax
    mov cl, [7C20h]
    pop ds
    cmp cl, 88h
    mov si, msg_cd_not_bootable
    jne .fail
    cmp byte [es:ELT_MEDIA], 0
    je .no_emulation
    call elt_floppy_spt
    mov si, msg_cd_emulation
    jc .fail
    jmp elt_floppy_boot
.no_emulation:
    cmp word [es:ELT_LOAD_SEG], ELT_DEFAULT_SEG
    mov si, msg_cd_load_segment     ; INT 19h jumps to 0000:7C00h
    jne .fail
    ; ceil(count / 4) CD sectors (at least one) to the load segment
    mov cx, [es:ELT_COUNT]
    add cx, 3
    shr cx, 1
    shr cx, 1
    jnz .load
    inc cx
.load:
    mov bx, [es:ELT_LOAD_SEG]
    xor di, di
    mov ax, [es:ELT_RBA]
    mov dx, [es:ELT_RBA + 2]
    call atapi_read_sectors
    mov si, msg_cd_unreadable
    jc .fail
    mov byte [es:ELT_ACTIVE], 1
    mov dl, CDROM_DRIVE
    clc
    ret
.fail:
    stc
    ret

; The validation entry at 0000:7C00h: header 01h, the key bytes 55h AAh, and its 16
; words summing to 0. CF = 1, SI = the reason, if not.
elt_check_catalogue:
    push ds
    xor ax, ax
    mov ds, ax
    mov si, msg_cd_not_bootable
    cmp byte [7C00h], 01h
    jne .bad
    cmp word [7C1Eh], 0AA55h
    jne .bad
    mov bx, 7C00h
    mov cx, 16
    xor ax, ax
.sum:
    add ax, [bx]
    add bx, 2
    loop .sum
    test ax, ax
    jnz .bad
    pop ds
    clc
    ret
.bad:
    pop ds
    stc
    ret

elt_boot_record: db 0, "CD001", 1, "EL TORITO SPECIFICATION"
elt_boot_record_end:
msg_no_cdrom: db "no CD-ROM drive", 0
msg_cd_unreadable: db "cannot read the CD", 0
msg_cd_not_bootable: db "not a bootable CD (no El Torito boot entry)", 0
msg_cd_emulation: db "El Torito hard disk emulation is not supported", 0
msg_cd_load_segment: db "El Torito load segment other than 07C0h", 0

; ---- El Torito floppy emulation ---------------------------------------------------------

; AL = the emulated diskette's sectors per track (media 1: 1.2 MB, 15; 2: 1.44 MB, 18;
; 3: 2.88 MB, 36: El Torito 2.2, the media types), CF = 1 for any other media. ES = EBDA.
elt_floppy_spt:
    mov al, [es:ELT_MEDIA]
    cmp al, 1
    jb .none
    cmp al, 3
    ja .none
    push bx
    mov bx, elt_floppy_sectors - 1
    cs xlatb                        ; AL = [CS:BX + AL]
    pop bx
    clc
    ret
.none:
    stc
    ret

elt_floppy_sectors: db 15, 18, 36
elt_floppy_types: db 02h, 04h, 05h  ; INT 13h AH=08h BL: 1.2 MB, 1.44 MB, 2.88 MB
%define ELT_FLOPPY_CYLINDERS 80

; The boot of a diskette image: its first 512 bytes to 0000:7C00h, drive 00h; INT 11h
; then shows a diskette drive. ES = EBDA, DS = 0040h.
elt_floppy_boot:
    mov ax, [es:ELT_RBA]
    mov dx, [es:ELT_RBA + 2]
    xor bx, bx
    mov di, 7C00h
    xor si, si
    mov cx, 512
    call atapi_read_part
    mov si, msg_cd_unreadable
    jc .fail
    mov byte [es:ELT_ACTIVE], 1
    test byte [BDA_EQUIPMENT], 01h
    jnz .booted
    and byte [BDA_EQUIPMENT], 3Fh   ; one diskette drive
    or byte [BDA_EQUIPMENT], 01h
.booted:
    mov dl, 00h
    clc
    ret
.fail:
    stc
    ret

; For floppy.asm's INT 13h: ZF = 1 if drive DL is the diskette an El Torito image
; emulates (then elt_floppy_int13 serves the call). DS = 0040h; keeps every register.
elt_owns_drive:
    push ax
    push es
    mov es, [BDA_EBDA_SEG]
    cmp byte [es:ELT_ACTIVE], 1
    jne .ret
    call elt_floppy_spt
    jc .not_mine
    test dl, dl
    jmp short .ret
.not_mine:
    or al, 1                        ; ZF = 0
.ret:
    pop es
    pop ax
    ret

; INT 13h for the emulated diskette (floppy.asm's contract: DS = 0040h, the frame at
; BP; AH = the status, CF on return). Reads come from the image, a write is refused as
; to a write-protected diskette (a CD cannot be written).
elt_floppy_int13:
    mov es, [BDA_EBDA_SEG]
    mov di, elt_floppy_functions
.find:
    cmp byte [cs:di], 0FFh
    je .bad
    cmp [cs:di], ah
    je .call
    add di, 3
    jmp short .find
.call:
    call [cs:di + 1]
    jmp short .status
.bad:
    mov ah, DISK_BAD_COMMAND
    stc
.status:
    pushf
    cmp byte [bp + DISK_AH], 01h    ; AH=01h and 15h report no status of their own
    je .keep
    cmp byte [bp + DISK_AH], 15h
    je .keep
    mov [BDA_FLOPPY_STATUS], ah
.keep:
    popf
    ret

elt_floppy_functions:
    db 00h
    dw hd_ok
    db 01h
    dw elt_floppy_last_status
    db 02h
    dw elt_floppy_read
    db 03h
    dw elt_floppy_write_protected
    db 04h
    dw elt_floppy_verify
    db 05h
    dw elt_floppy_write_protected
    db 08h
    dw elt_floppy_parameters
    db 15h
    dw elt_floppy_type
    db 16h
    dw hd_ok                        ; the medium has not changed
    db 4Bh
    dw cd_emulation
    db 0FFh

%define DISK_WRITE_PROTECTED 03h

elt_floppy_last_status:
    mov ah, [BDA_FLOPPY_STATUS]
    cmp ah, 1
    cmc
    ret

elt_floppy_write_protected:
    mov byte [bp + DISK_AL], 0
    mov ah, DISK_WRITE_PROTECTED
    stc
    ret

; AH=15h: AH = 01h, a diskette drive without change line.
elt_floppy_type:
    mov ah, 01h
    clc
    ret

; AH=08h: BL = the drive type, CH = the last cylinder, CL = sectors, DH = the last
; head, DL = 1 drive, ES:DI = the diskette parameter table.
elt_floppy_parameters:
    call elt_floppy_spt
    mov [bp + DISK_CL], al
    mov byte [bp + DISK_CH], ELT_FLOPPY_CYLINDERS - 1
    mov byte [bp + DISK_DH], 1
    mov byte [bp + DISK_DL], 1
    mov al, [es:ELT_MEDIA]
    mov bx, elt_floppy_types - 1
    cs xlatb
    mov [bp + DISK_BL], al
    mov byte [bp + DISK_BH], 0
    mov word [bp + DISK_AX], 0
    mov word [bp + DISK_DI], diskette_params
    mov [bp + DISK_ES], cs
    xor ah, ah
    clc
    ret

; The 512-byte sector of CHS CX/DH as a sector number of the image in DX:AX; CF = 1,
; AH = 04h, if the geometry has no such sector.
elt_floppy_chs:
    call elt_floppy_spt
    mov bl, al                      ; BL = sectors per track
    mov al, [bp + DISK_CL]
    and al, 3Fh
    jz .bad
    cmp al, bl
    ja .bad
    cmp byte [bp + DISK_DH], 1
    ja .bad
    cmp byte [bp + DISK_CH], ELT_FLOPPY_CYLINDERS
    jae .bad
    mov al, [bp + DISK_CH]          ; (cylinder x 2 + head) x sectors + sector - 1
    xor ah, ah
    shl ax, 1
    add al, [bp + DISK_DH]
    mul bl
    mov dl, [bp + DISK_CL]
    and dl, 3Fh
    dec dl
    xor dh, dh
    add ax, dx
    xor dx, dx
    clc
    ret
.bad:
    mov ah, DISK_SECTOR_NOT_FOUND
    stc
    ret

; AH=04h: the sectors must exist.
elt_floppy_verify:
    call elt_floppy_chs
    jc .ret
    xor ah, ah
.ret:
    ret

; AH=02h: AL sectors from CHS CX/DH to ES:BX, each from its quarter of a CD sector
; (the image starts at ELT_RBA); AL = the sectors read.
elt_floppy_read:
    call elt_floppy_chs
    jc .fail
    mov cx, ax                      ; CX = the image's sector
    call elt_floppy_spt
    mov bl, al
    mov al, ELT_FLOPPY_CYLINDERS * 2
    mul bl
    mov [es:CD_DONE], ax            ; (here: the image's size in sectors)
    mov bx, [bp + DISK_ES]          ; BX:DI = the buffer, normalised
    mov di, [bp + DISK_BX]
    mov ax, di
    push cx
    mov cl, 4
    shr ax, cl
    pop cx
    add bx, ax
    and di, 0Fh
    xor dh, dh
    mov dl, [bp + DISK_AL]          ; DL = sectors to go, DH = sectors read
    test dl, dl
    jz .bad_count
.sector:
    cmp cx, [es:CD_DONE]
    jae .past_end
    push dx
    push cx
    mov ax, cx                      ; the CD sector: ELT_RBA + n / 4; the quarter: n mod 4
    mov si, cx
    and si, 3
    push cx
    mov cl, 9
    shl si, cl
    pop cx
    shr ax, 1
    shr ax, 1
    xor dx, dx
    add ax, [es:ELT_RBA]
    adc dx, [es:ELT_RBA + 2]
    mov cx, 512
    call atapi_read_part
    pop cx
    pop dx
    jc .read_error
    inc dh
    inc cx
    add bx, 20h
    dec dl
    jnz .sector
    mov [bp + DISK_AL], dh
    xor ah, ah
    clc
    ret
.past_end:
    mov [bp + DISK_AL], dh
    mov ah, DISK_SECTOR_NOT_FOUND
    stc
    ret
.read_error:
    mov [bp + DISK_AL], dh
    mov ah, DISK_BAD_SECTOR
    stc
    ret
.bad_count:
    mov ah, DISK_BAD_COMMAND
.fail:
    mov byte [bp + DISK_AL], 0
    stc
    ret
