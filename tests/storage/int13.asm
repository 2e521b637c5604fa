; The BIOS's disk services as a program sees them: an option ROM (run by the POST after
; the disks are set up) that calls INT 13h on the disks and the CD-ROM that int13.sh
; makes, and prints what comes back on the debug console (port E9h). int13.sh knows
; the images and checks every line. Then it halts (exit status 0).
;   80h  64 MiB: markers "LBA<n>." at some sectors; the program writes sector 5
;   81h  200 GiB, sparse: a marker above the 28-bit LBA limit
;   E0h  an ISO image
cpu 386
bits 16
org 0

    db 55h, 0AAh, 8                 ; 4 KiB
    jmp start
    times 20h - ($ - $$) db 0

%macro PRINT 1
    push si
    mov si, %%text
    call print
    pop si
    jmp %%skip
%%text: db %1, 0
%%skip:
%endmacro

; The variables, in RAM (the ROM cannot be written): DS = 8000h.
%define DAP 0                       ; a disk address packet
%define PARAMS 20h                  ; AH=48h's buffer
%define SPEC 80h                    ; AH=4Bh's specification packet

start:
    mov ax, 8000h
    mov ds, ax
    mov word [DAP], 0010h
    mov ax, 9000h                   ; a buffer at 9000:0000
    mov es, ax

    PRINT "disks "
    push ds
    mov ax, 40h
    mov ds, ax
    mov al, [75h]
    pop ds
    call hex8
    call newline

    ; the fixed disk parameter tables of INT 41h (80h) and 46h (81h)
    mov bx, 41h * 4
    call fdpt
    mov bx, 46h * 4
    call fdpt

    ; AH=08h
    mov ah, 08h
    mov dl, 80h
    int 13h
    call carry
    PRINT "geometry "
    mov ax, cx
    call hex16
    call space
    mov al, dh
    call hex8
    call space
    mov al, dl
    call hex8
    call newline

    ; AH=15h
    mov ah, 15h
    mov dl, 80h
    int 13h
    PRINT "type "
    mov al, ah
    call hex8
    call space
    mov ax, cx
    call hex16
    mov ax, dx
    call hex16
    call newline

    ; AH=15h of a disk that is not there: AH = 00h, CF = 0
    mov ah, 15h
    mov dl, 83h
    int 13h
    call carry
    PRINT "type 83 "
    mov al, ah
    call hex8
    call newline

    ; AH=41h
    mov ah, 41h
    mov bx, 55AAh
    mov dl, 80h
    int 13h
    call carry
    PRINT "edd "
    mov al, ah
    call hex8
    call space
    mov ax, bx
    call hex16
    call space
    mov ax, cx
    call hex16
    call newline

    mov dl, 80h
    call drive_parameters

    ; AH=02h: C 1, H 2, S 3 = LBA (1 x 16 + 2) x 63 + 2 = 1136
    mov ax, 0201h
    mov cx, 0103h
    mov dx, 0280h
    xor bx, bx
    int 13h
    call carry
    PRINT "chs read "
    call hex8                       ; AL: sectors read
    call space
    call marker

    mov dl, 80h
    mov eax, 100000
    call read_lba
    ; AH=43h: sector 5, then read back
    mov di, 0
    mov si, written
    mov cx, 9
.copy:
    mov al, [cs:si]
    mov [es:di], al
    inc si
    inc di
    loop .copy
    mov word [DAP + 2], 1
    mov word [DAP + 4], 0
    mov [DAP + 6], es
    mov dword [DAP + 8], 5
    mov dword [DAP + 12], 0
    mov ah, 43h
    mov al, 0
    mov dl, 80h
    mov si, DAP
    int 13h
    call carry
    PRINT "written "
    mov ax, [DAP + 2]
    call hex16
    call newline
    mov byte [es:0], 0
    mov dl, 80h
    mov eax, 5
    call read_lba
    ; past the end: sector 131072 of 131072
    mov word [DAP + 2], 1
    mov dword [DAP + 8], 131072
    mov ah, 42h
    mov dl, 80h
    mov si, DAP
    int 13h
    call carry
    PRINT "beyond "
    mov al, ah
    call hex8
    call space
    mov ax, [DAP + 2]
    call hex16
    call newline

    ; the 200 GiB disk: LBA48 commands above 2^28
    mov dl, 81h
    call drive_parameters
    mov dl, 81h
    mov eax, 10000005h
    call read_lba

    ; the CD-ROM
    mov ah, 41h
    mov bx, 55AAh
    mov dl, 0E0h
    int 13h
    call carry
    PRINT "cd edd "
    mov al, ah
    call hex8
    call space
    mov ax, cx
    call hex16
    call newline
    mov dl, 0E0h
    call drive_parameters
    mov word [DAP + 2], 1
    mov dword [DAP + 8], 16         ; the primary volume descriptor
    mov dword [DAP + 12], 0
    mov word [DAP + 4], 0
    mov word [DAP + 6], es
    mov ah, 42h
    mov dl, 0E0h
    mov si, DAP
    int 13h
    call carry
    PRINT "cd read "
    mov al, [es:0]
    call hex8
    call space
    mov cx, 5
    mov di, 1
.cd_id:
    mov al, [es:di]
    out 0E9h, al
    inc di
    loop .cd_id
    call newline
    ; AH=4Bh AL=01h: the specification packet (no emulation running)
    mov ax, 4B01h
    mov dl, 0E0h
    mov si, SPEC
    int 13h
    call carry
    PRINT "spec "
    mov al, [SPEC]
    call hex8
    call space
    mov al, [SPEC + 1]
    call hex8
    call space
    mov al, [SPEC + 2]
    call hex8
    call newline

    PRINT "int13 done"
    call newline
    cli
    hlt

; AH=42h of one sector EAX of drive DL to ES:0, then its marker.
read_lba:
    mov word [DAP + 2], 1
    mov [DAP + 8], eax
    mov dword [DAP + 12], 0
    mov word [DAP + 4], 0
    mov [DAP + 6], es
    mov ah, 42h
    mov si, DAP
    int 13h
    call carry
    PRINT "lba read "
    mov ax, [DAP + 2]
    call hex16
    call space
    call marker
    ret

; AH=48h of drive DL into PARAMS (room for the 42h bytes of EDD 3.0), printed: the
; sizes and geometry, then the device path (key, bus, interface, port, device, and the
; sum of bytes 1Eh-41h, 00 when the checksum is right).
drive_parameters:
    mov word [PARAMS], 42h
    mov ah, 48h
    mov si, PARAMS
    int 13h
    call carry
    PRINT "params "
    mov ax, [PARAMS]
    call hex16
    call space
    mov ax, [PARAMS + 2]
    call hex16
    call space
    mov eax, [PARAMS + 4]
    call hex32
    call space
    mov eax, [PARAMS + 8]
    call hex32
    call space
    mov eax, [PARAMS + 12]
    call hex32
    call space
    mov eax, [PARAMS + 20]
    call hex32
    mov eax, [PARAMS + 16]
    call hex32
    call space
    mov ax, [PARAMS + 24]
    call hex16
    call newline
    PRINT "path "
    mov ax, [PARAMS + 1Eh]
    call hex16
    call space
    mov si, PARAMS + 24h
    mov cx, 12                      ; "ISA " and the interface type
.text:
    mov al, [si]
    out 0E9h, al
    inc si
    loop .text
    call space
    mov ax, [PARAMS + 30h]
    call hex16
    call space
    mov al, [PARAMS + 38h]
    call hex8
    call space
    mov si, PARAMS + 1Eh
    mov cx, 42h - 1Eh
    xor al, al
.sum:
    add al, [si]
    inc si
    loop .sum
    call hex8
    call newline
    ret

; The table the vector at 0000:BX points to: cylinders, heads, sectors per track.
fdpt:
    push ds
    xor ax, ax
    mov ds, ax
    lds si, [bx]
    mov ax, [si]
    mov cl, [si + 2]
    mov ch, [si + 14]
    pop ds
    PRINT "fdpt "
    call hex16
    call space
    mov al, cl
    call hex8
    call space
    mov al, ch
    call hex8
    call newline
    ret

; "CF=1 AH=xx" when the call failed (keeps every register and the flags).
carry:
    jnc .ret
    pushf
    PRINT "failed: CF=1 AH="
    push ax
    mov al, ah
    call hex8
    pop ax
    call newline
    popf
.ret:
    ret

; The first 16 bytes of ES:0, as text, up to a NUL.
marker:
    push cx
    push di
    xor di, di
    mov cx, 16
.next:
    mov al, [es:di]
    test al, al
    jz .end
    out 0E9h, al
    inc di
    loop .next
.end:
    call newline
    pop di
    pop cx
    ret

print:
    push ax
.next:
    mov al, [cs:si]
    test al, al
    jz .end
    out 0E9h, al
    inc si
    jmp .next
.end:
    pop ax
    ret

space:
    push ax
    mov al, ' '
    out 0E9h, al
    pop ax
    ret

newline:
    push ax
    mov al, 10
    out 0E9h, al
    pop ax
    ret

hex32:
    push eax
    shr eax, 16
    call hex16
    pop eax
hex16:
    push ax
    mov al, ah
    call hex8
    pop ax
hex8:
    push ax
    shr al, 4
    call hex4
    pop ax
    push ax
    call hex4
    pop ax
    ret
hex4:
    and al, 0Fh
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 7
.out:
    out 0E9h, al
    ret

written: db "WRITTEN!", 0

    times 4096 - 1 - ($ - $$) db 0
    db 0                            ; the checksum byte, set by int13.sh
