; The boot sector of a 1.44 MB diskette image that eltorito.sh puts on a CD as an El
; Torito floppy-emulation image: booted from the CD (-boot d) as drive 00h, it reads
; its own sectors through INT 13h and prints what it finds on the debug console.
; Markers ("S<n>.", n the image's 512-byte sector) are at sectors 3, 4, 22 and 2879.
cpu 386
bits 16
org 7C00h

%macro PRINT 1
    push si
    mov si, %%text
    call print
    pop si
    jmp %%skip
%%text: db %1, 0
%%skip:
%endmacro

start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 7C00h
    PRINT "booted from drive "
    mov al, dl
    call hex8
    call newline
    mov ax, 9000h
    mov es, ax
    ; two sectors across a CD sector's end: CHS 0/0/4-5 = sectors 3 and 4
    mov ax, 0202h
    mov cx, 0004h
    mov dx, 0000h
    xor bx, bx
    int 13h
    call result
    mov si, 0
    call marker
    mov si, 512
    call marker
    ; C 0, H 1, S 5 = sector 22; C 79, H 1, S 18 = the last, 2879
    mov ax, 0201h
    mov cx, 0005h
    mov dx, 0100h
    xor bx, bx
    int 13h
    call result
    xor si, si
    call marker
    mov ax, 0201h
    mov cx, 4F12h
    mov dx, 0100h
    xor bx, bx
    int 13h
    call result
    xor si, si
    call marker
    ; sector 19 of a track: none
    mov ax, 0201h
    mov cx, 0013h
    mov dx, 0000h
    int 13h
    call result
    ; a write: the medium is write-protected
    mov ax, 0301h
    mov cx, 0001h
    mov dx, 0000h
    int 13h
    call result
    ; AH=08h
    mov ah, 08h
    mov dl, 00h
    int 13h
    PRINT "parameters "
    mov al, bl
    call hex8
    call space
    mov ax, cx
    call hex16
    call space
    mov al, dh
    call hex8
    call space
    mov al, dl
    call hex8
    call newline
    ; AX=4B01h: the specification packet
    mov ax, 4B01h
    mov dl, 00h
    mov si, 7E00h
    int 13h
    call result
    PRINT "spec "
    mov al, [7E00h]
    call hex8
    call space
    mov al, [7E01h]
    call hex8
    call space
    mov al, [7E02h]
    call hex8
    call space
    mov al, [7E10h]
    call hex8
    call space
    mov al, [7E11h]
    call hex8
    call space
    mov al, [7E12h]
    call hex8
    call newline
    PRINT "floppy emulation done"
    call newline
    cli
    hlt

; "AH=xx CF=c AL=xx"
result:
    pushf
    push ax
    PRINT "AH="
    mov al, ah
    call hex8
    PRINT " CF="
    pop ax
    popf
    push ax
    mov al, '0'
    adc al, 0
    out 0E9h, al
    PRINT " AL="
    pop ax
    call hex8
    call newline
    ret

; The text at ES:SI up to a NUL, at most 8 bytes.
marker:
    mov cx, 8
.next:
    mov al, [es:si]
    test al, al
    jz .end
    out 0E9h, al
    inc si
    loop .next
.end:
    jmp newline

print:
    mov al, [si]
    test al, al
    jz .end
    out 0E9h, al
    inc si
    jmp print
.end:
    ret

space:
    mov al, ' '
    out 0E9h, al
    ret

newline:
    push ax
    mov al, 10
    out 0E9h, al
    pop ax
    ret

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

    times 510 - ($ - $$) db 0
    dw 0AA55h
