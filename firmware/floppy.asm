; floppy.asm: the diskette part of INT 13h, its POST set-up and its boot hook (the
; contract is at the top of disk.asm).
;
; PLACEHOLDER until the floppy helper writes the 82077AA driver: there is no diskette
; drive, so every INT 13h call fails with AH=01h (the status of an absent drive as a
; BIOS without diskette support gives it) and booting from a diskette fails.

floppy_init:
    ret

floppy_int13:
    call elt_owns_drive             ; cdrom.asm: a CD's El Torito diskette image is
    jne .diskette                   ; drive 00h while it runs
    jmp elt_floppy_int13
.diskette:
    mov ah, DISK_BAD_COMMAND
    mov [BDA_FLOPPY_STATUS], ah
    stc
    ret

floppy_boot:
    mov si, msg_no_floppy_drive
    stc
    ret

msg_no_floppy_drive: db "no diskette drive", 0
