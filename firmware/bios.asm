; vx86 built-in BIOS: a PC/AT-compatible system BIOS written for vx86.
;
; This file is the map of the 64 KiB image (F0000h-FFFFFh): it includes the services,
; each from its own file, then places the IBM PC/AT fixed entry points, which DOS-era
; programs call or read at their absolute addresses, at their offsets in F000h.
;
; Assembled with: nasm -f bin -I firmware/ -o bios.bin firmware/bios.asm
;
; The fixed offsets are those of the ORG statements in the IBM PC/AT Technical
; Reference's BIOS listing (1984; the XT-286's for the configuration table at E6F5h),
; which every compatible BIOS keeps; Intel's Compatibility Support Module
; Specification (section 5.2, "Fixed BIOS Entry Points", table 14) and HP's 100LX/200LX
; BIOS documentation ("Compatibility Addresses") list the same addresses.

bits 16
cpu 8086
org 0

%include "bios.inc"

; ---- the services (code and data, from offset 0) ----
%include "post.asm"
%include "console.asm"
%include "video.asm"
%include "keyboard.asm"
%include "system.asm"
%include "time.asm"
%include "serial.asm"
%include "boot.asm"
%include "disk.asm"
%include "floppy.asm"
%include "ata.asm"
%include "cdrom.asm"
%include "fonts.asm"

; ---- the fixed entry points ----
FIXED 0E05Bh                  ; POST (the reset vector jumps here)
    jmp post_start
FIXED 0E2C3h                  ; INT 02h, NMI
    jmp nmi_handler
FIXED 0E3FEh                  ; INT 13h, the PC/AT fixed-disk entry: the same dispatcher
    jmp int13_handler
FIXED 0E6F2h                  ; INT 19h, bootstrap loader
    jmp int19_handler
FIXED 0E6F5h                  ; the system configuration table (INT 15h AH=C0h)
config_table:
    dw 8                      ; bytes that follow
    db 0FCh                   ; model: PC/AT
    db 01h                    ; submodel
    db 00h                    ; BIOS revision
    ; feature byte 1: bit 6 second 8259, bit 5 RTC, bit 4 INT 15h AH=4Fh called by
    ; INT 09h, bit 2 EBDA allocated (Ralf Brown, INT 15h AH=C0h, "Bitfields for feature
    ; byte 1")
    db 74h
    db 40h                    ; feature byte 2: bit 6 INT 16h AH=09h supported
    db 0, 0, 0                ; feature bytes 3-5
FIXED 0E729h                  ; the baud rate divisors (INT 14h AH=00h: 110 ... 9600)
baud_divisors:
    dw 1047, 768, 384, 192, 96, 48, 24, 12
FIXED 0E739h                  ; INT 14h, serial ports
    jmp int14_handler
FIXED 0E82Eh                  ; INT 16h, keyboard
    jmp int16_handler
FIXED 0E987h                  ; INT 09h, IRQ 1: the keyboard
    jmp int09_handler
FIXED 0EC59h                  ; INT 13h, diskette (and, via DL, hard disk)
    jmp int13_handler
FIXED 0EF57h                  ; INT 0Eh, IRQ 6: the diskette controller's default
    jmp irq_master_default
FIXED 0EFC7h                  ; the diskette parameter table (INT 1Eh): 1.44 MB drives
diskette_params:
    ; specify byte 1 (step rate 0Dh, head unload 0Fh), specify byte 2 (head load 1,
    ; DMA), motor-off delay in ticks, bytes per sector (2 = 512), sectors per track,
    ; gap length, data length, format gap, format filler, head settle (ms), motor
    ; start (1/8 s) (IBM PC/AT Technical Reference, DISK_BASE; Ralf Brown, INT 1Eh).
    db 0DFh, 02h, 25h, 02h, 18, 1Bh, 0FFh, 6Ch, 0F6h, 0Fh, 08h
FIXED 0EFD2h                  ; INT 17h, printer
    jmp int17_handler
FIXED 0F065h                  ; INT 10h, video
    jmp int10_handler
FIXED 0F0A4h                  ; INT 1Dh, the MDA/CGA 6845 parameter table
video_6845_params:
    ; The 6845 registers 0-15 for 40x25 text, 80x25 text, graphics, and 80x25
    ; monochrome (IBM PC/AT Technical Reference, VIDEO_PARMS), then the regen buffer
    ; lengths, the columns and the CGA mode-control values of modes 0-7.
    db 38h, 28h, 2Dh, 0Ah, 1Fh, 06h, 19h, 1Ch, 02h, 07h, 06h, 07h, 0, 0, 0, 0
    db 71h, 50h, 5Ah, 0Ah, 1Fh, 06h, 19h, 1Ch, 02h, 07h, 06h, 07h, 0, 0, 0, 0
    db 38h, 28h, 2Dh, 0Ah, 7Fh, 06h, 64h, 70h, 02h, 01h, 06h, 07h, 0, 0, 0, 0
    db 61h, 50h, 52h, 0Fh, 19h, 06h, 19h, 19h, 02h, 0Dh, 0Bh, 0Ch, 0, 0, 0, 0
    dw 0800h, 1000h, 4000h, 4000h
    db 40, 40, 80, 80, 40, 40, 80, 80
    db 2Ch, 28h, 2Dh, 29h, 2Ah, 2Eh, 1Eh, 29h
FIXED 0F841h                  ; INT 12h, memory size
    jmp int12_handler
FIXED 0F84Dh                  ; INT 11h, equipment list
    jmp int11_handler
FIXED 0F859h                  ; INT 15h, system services
    jmp int15_handler
FIXED 0FA6Eh                  ; the 8x8 font, characters 00h-7Fh (graphics modes)
font8x8_low:
    FONT8X8_LOW
FIXED 0FE6Eh                  ; INT 1Ah, time of day
    jmp int1a_handler
FIXED 0FEA5h                  ; INT 08h, IRQ 0: the timer tick
    jmp int08_handler
FIXED 0FF53h                  ; the dummy interrupt handler (an IRET)
default_handler:
    iret
FIXED 0FF54h                  ; INT 05h, print screen: no printer, nothing to do
print_screen_handler:
    iret
FIXED 0FFF0h                  ; the reset vector: the CPU's first instruction
    jmp BIOS_SEG:0E05Bh
FIXED 0FFF5h                  ; the BIOS date
    db BIOS_DATE
FIXED 0FFFEh                  ; the model byte: PC/AT
    db 0FCh
    db 0
