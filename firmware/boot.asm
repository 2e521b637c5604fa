; boot.asm: INT 19h (the bootstrap loader) and INT 18h (no bootable device).
;
; The boot order is in the CMOS (the machine sets it from -boot): register 3Dh bits 3-0
; the first device, bits 7-4 the second, register 38h bits 7-4 the third; 1 = diskette,
; 2 = hard disk, 3 = CD-ROM, 0 = none (the layout QEMU's and Bochs's BIOSes read). With
; no device named, diskette then hard disk, as the PC/AT does. Each device's loader is
; the disk code's boot hook (the contract in disk.asm); diskettes and hard disks must
; end their boot record with 55h AAh (at 0000:7DFEh) to be booted.

%define BOOT_SEG 0
%define BOOT_OFFSET 7C00h
%define BOOT_SIGNATURE_OFFSET 7DFEh
%define BOOT_DEVICES 3

int19_handler:
    sti
    cld
    xor ax, ax
    mov ss, ax
    mov sp, POST_STACK
    call boot_order                 ; BX = up to three devices, a nibble each
    mov cx, BOOT_DEVICES
.next_device:
    mov al, bl
    and al, 0Fh
    jz .skip
    push bx
    push cx
    call boot_device
    pop cx
    pop bx
.skip:
    push cx
    mov cl, 4
    shr bx, cl
    pop cx
    loop .next_device
    int 18h
    jmp short $

; BX = the boot order: bits 3-0 the first device, 7-4 the second, 11-8 the third.
boot_order:
    mov al, CMOS_BOOT_ORDER2
    call cmos_read
    mov bh, al
    mov cl, 4
    shr bh, cl
    mov al, CMOS_BOOT_ORDER1
    call cmos_read
    mov bl, al
    test bx, bx
    jnz .ret
    mov bx, 0021h                   ; diskette, then hard disk
.ret:
    ret

; Tries the device AL (1-3); returns only if it did not boot.
boot_device:
    cmp al, BOOT_DEVICES
    ja .ret
    dec al
    mov bl, al
    xor bh, bh
    shl bx, 1
    push bx
    mov si, msg_booting
    call print_message
    mov si, [cs:boot_device_names + bx]
    call print_message
    mov si, msg_dots
    call print_message
    pop bx
    push bx
    mov ax, BDA_SEG
    mov ds, ax
    xor ax, ax
    mov es, ax
    call [cs:boot_hooks + bx]
    pop bx
    jc .failed
    cmp bx, 2 * 2                   ; a CD-ROM's boot image has no signature
    je .boot
    xor ax, ax
    mov es, ax
    cmp word [es:BOOT_SIGNATURE_OFFSET], 0AA55h
    mov si, msg_no_signature
    jne .failed
.boot:
    mov si, msg_newline
    call print_message
    mov ax, BDA_SEG
    mov ds, ax
    mov es, [BDA_EBDA_SEG]
    mov [es:EBDA_BOOT_DRIVE], dl
    xor ax, ax
    mov ds, ax
    mov es, ax
    jmp BOOT_SEG:BOOT_OFFSET
.failed:
    push si
    mov si, msg_failed
    call print_message
    pop si
    call print_message
    mov si, msg_newline
    call print_message
.ret:
    ret

boot_hooks: dw floppy_boot, harddisk_boot, cdrom_boot
boot_device_names: dw msg_floppy, msg_hard_disk, msg_cdrom
msg_booting: db "Booting from ", 0
msg_floppy: db "floppy", 0
msg_hard_disk: db "hard disk", 0
msg_cdrom: db "CD-ROM", 0
msg_dots: db "...", 0
msg_failed: db " failed: ", 0
msg_no_signature: db "not a bootable disk (no 55AAh signature)", 0
msg_newline: db 13, 10, 0

; INT 18h: on the PC/AT, ROM BASIC; here the end of the road: a clear message on the
; screen (and COM1 with -nographic), then the machine halts, which ends a headless run.
int18_handler:
    sti
    mov si, msg_no_boot_device
    call print_message
    call serial_flush_com1
.halt:
    cli
    hlt
    jmp short .halt

msg_no_boot_device: db "No bootable device: the system is halted.", 13, 10, 0
