; disk.asm: the INT 13h dispatcher, and the contract between the BIOS core and the
; disk code that lives in floppy.asm (diskettes, the 82077AA) and ata.asm (IDE hard
; disks and the ATAPI CD-ROM).
;
; ======================================================================================
; THE CONTRACT
; ======================================================================================
; The disk code provides five near procedures, all in the F000h segment:
;
;   floppy_init     POST, once, after the PIC, PIT, RTC, keyboard, IVT and BDA are set
;   harddisk_init   up, with interrupts enabled (IF=1), DS = ES = 0040h (the BDA), and
;                   the stack the POST uses (at least 1 KiB free). May change AX, BX, CX,
;                   DX, SI, DI, ES; must keep DS, BP, SS:SP. Each installs its own
;                   vectors (floppy: INT 0Eh for IRQ 6 and INT 1Eh if it needs another
;                   diskette parameter table than ours at F000:EFC7h; ATA: INT 76h/77h
;                   for IRQ 14/15, INT 41h/46h for the fixed disk parameter tables) and
;                   unmasks its own IRQ lines (master PIC port 21h: IRQ 6; slave PIC
;                   port A1h: IRQ 14, 15). Until they do, those vectors point to default
;                   handlers that only send the EOI. The POST has already set the
;                   equipment word's diskette bits (40:10h bits 0 and 7-6) from CMOS 10h;
;                   floppy_init may correct them. harddisk_init sets 40:75h (the number
;                   of hard disks).
;
;   floppy_int13    INT 13h for DL = 00h-7Fh, and for DL = 80h-FFh. The dispatcher below
;   harddisk_int13  has already: enabled interrupts, cleared DF, pushed the caller's
;                   registers (the frame below) and set BP to the frame, DS = 0040h. All
;                   other registers (AX, BX, CX, DX, SI, DI, ES) hold the caller's values.
;                   The handler returns (near RET) with:
;                     AH = the status to return (00h = success; the INT 13h error codes
;                          of Ralf Brown's list, INT 13h AH=01h's table),
;                     CF = 0 for success, 1 for an error.
;                   The dispatcher copies AH into the caller's AH and CF into the
;                   caller's flags; every other register goes back to the caller as it is
;                   in the frame, so a handler returns other values (AL = sectors done,
;                   BX/CX/DX/DI/ES of AH=08h, ...) by writing the frame: [bp + DISK_AL],
;                   [bp + DISK_CX], .... BP and SS:SP must be as on entry.
;                   The handler keeps its last-status byte itself: 40:41h for diskettes,
;                   40:74h for hard disks (INT 13h AH=01h returns it). The dispatcher
;                   does not write them, because AH=01h and AH=15h return other things
;                   in AH.
;
;   floppy_boot     INT 19h, for each boot device in turn, with interrupts enabled,
;   harddisk_boot   DS = 0040h, ES = 0000h. Each loads the boot record to 0000:7C00h
;   cdrom_boot      (512 bytes from a diskette or hard disk: the first sector; for a
;                   CD-ROM, El Torito's boot image, as many sectors as its catalogue
;                   says) and returns:
;                     CF = 0, DL = the BIOS drive number to boot (00h, 80h, E0h...),
;                     or CF = 1, SI = the offset in F000h of a short zero-terminated
;                     reason ("no diskette drive", "not a bootable disk", ...) that
;                     INT 19h prints after the device's name.
;                   INT 19h itself checks the 55AAh signature for diskettes and hard
;                   disks and jumps to 0000:7C00h with DL as returned.
;                   May change every register but SS:SP, BP and DS.
;
; Data the disk code owns:
;   BDA: 3Eh-48h, 8Bh, 8Fh-95h (diskettes); 74h-77h, 8Ch-8Eh (hard disks). The IRQ 0
;        handler counts 40:40h down and, when it reaches zero, turns every diskette
;        motor off (port 3F2h = 0Ch) and clears the motor bits of 40:3Fh (PC/AT BIOS,
;        TIMER_INT), so floppy.asm only sets the count after each access.
;   EBDA (segment in 40:0Eh, normally 9FC0h): 140h-17Fh floppy.asm, 180h-1FFh
;        ata.asm, each free to lay out as it likes (the EQUs in bios.inc).
;        200h-3FFh (EBDA_BOUNCE, 512 bytes) is a bounce buffer either may use for the
;        length of one INT 13h call or boot hook (the diskette DMA cannot cross a
;        64 KiB boundary; a CD-ROM's 2048-byte sectors are moved in 512-byte pieces
;        through it, or by PIO straight into the caller's buffer).
;   Code and data in floppy.asm / ata.asm: anywhere, the files are included before the
;        fixed entry points; bios.asm fails to assemble if they grow too big.
;
; Helpers of the core the disk code may call (near, F000h):
;   cmos_read (AL = register -> AL), cmos_write (register AL = AH), cmos_read_word
;   (time.asm); print_message (CS:SI, through INT 10h's teletype, so also on COM1 with
;   -nographic), print_decimal (AX) (console.asm); cpu_level (DS = BDA -> AL =
;   CPU_8086 .. CPU_386) (system.asm). Labels: diskette_params (F000:EFC7h, 11 bytes,
;   INT 1Eh's default; INT 13h AH=08h returns it in ES:DI), int13_handler (the entry
;   at F000:EC59h and E3FEh).
;   The handlers run with DS = 0040h but may change DS; the dispatcher reads its frame
;   through SS:BP.
;
; Rules: the BIOS runs on an 8086 (`cpu 8086` stays in force); a 286/386 instruction
; goes only on a path that runs after checking the EBDA_CPU byte (bios.inc). Every wait
; for a device has a time-out (count 40:6Ch ticks, or a bounded loop), so a missing or
; silent drive never hangs the machine. Use the POST_CODE macro only in *_init.
; ======================================================================================

; The caller's registers as the dispatcher pushed them, from BP.
%define DISK_DI 0
%define DISK_SI 2
%define DISK_BP 4
%define DISK_BX 6
%define DISK_BL 6
%define DISK_BH 7
%define DISK_DX 8
%define DISK_DL 8
%define DISK_DH 9
%define DISK_CX 10
%define DISK_CL 10
%define DISK_CH 11
%define DISK_AX 12
%define DISK_AL 12
%define DISK_AH 13
%define DISK_ES 14
%define DISK_DS 16
%define DISK_IP 18
%define DISK_CS 20
%define DISK_FLAGS 22

; INT 13h status codes (Ralf Brown's list, INT 13h AH=01h).
%define DISK_OK 00h
%define DISK_BAD_COMMAND 01h
%define DISK_TIMEOUT 80h

int13_handler:
    sti
    cld
    push ds
    push es
    push ax
    push cx
    push dx
    push bx
    push bp
    push si
    push di
    mov bp, sp
    mov si, BDA_SEG
    mov ds, si
    mov si, [bp + DISK_SI]
    test dl, 80h
    jnz .hard_disk
    call floppy_int13
    jmp short .return
.hard_disk:
    call harddisk_int13
.return:
    mov [bp + DISK_AH], ah
    jc .failed
    and byte [bp + DISK_FLAGS], 0FEh
    jmp short .pop
.failed:
    or byte [bp + DISK_FLAGS], 01h
.pop:
    pop di
    pop si
    pop bp
    pop bx
    pop dx
    pop cx
    pop ax
    pop es
    pop ds
    iret
