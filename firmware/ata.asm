; ata.asm: the hard disk part of INT 13h (IDE/ATA), the CD-ROM boot (ATAPI, El
; Torito), their POST set-up and boot hooks (the contract is at the top of disk.asm).
;
; PLACEHOLDER until the IDE/ATAPI helper writes the driver: there are no hard disks
; (40:75h = 0), every INT 13h call fails with AH=01h, and neither a hard disk nor a
; CD-ROM boots.

harddisk_init:
    mov byte [BDA_DISK_COUNT], 0
    ret

harddisk_int13:
    mov ah, DISK_BAD_COMMAND
    mov [BDA_DISK_STATUS], ah
    stc
    ret

harddisk_boot:
    mov si, msg_no_hard_disk
    stc
    ret

cdrom_boot:
    mov si, msg_no_cdrom
    stc
    ret

msg_no_hard_disk: db "no hard disk", 0
msg_no_cdrom: db "no CD-ROM drive", 0
