; INT 15h AX=E820h on a 386: every entry of the memory map (base, length, type) and the
; continuation values, then a call with a bad signature, which must fail.
%include "optrom.inc"

OPTROM_START
cpu 386
    xor ax, ax
    mov es, ax
    xor ebx, ebx
.next:
    mov di, 0600h
    mov eax, 0E820h
    mov ecx, 24
    mov edx, 534D4150h
    int 15h
    jc .failed
    push ebx
    cmp eax, 534D4150h
    jne .bad_signature
    PRINTS "e820 "
    mov eax, [es:di + 4]
    call hex32
    mov eax, [es:di]
    call hex32
    call space
    mov eax, [es:di + 12]
    call hex32
    mov eax, [es:di + 8]
    call hex32
    call space
    mov eax, [es:di + 16]
    call hex8
    PRINTS " size "
    mov ax, cx
    call hex8
    PRINTS " next "
    pop ebx
    mov eax, ebx
    call hex8
    call newline
    test ebx, ebx
    jnz .next
    jmp short .signature
.bad_signature:
    PRINTS "e820 returned no SMAP"
    call newline
    STOP
.failed:
    PRINTS "e820 failed"
    call newline
.signature:
    xor ebx, ebx
    mov eax, 0E820h
    mov ecx, 20
    mov edx, 12345678h
    int 15h
    call print_cf
    PRINTS " e820 without SMAP "
    mov al, ah
    call hex8
    call newline
    PRINTS "e820 done"
    call newline
    STOP

; Prints EAX as eight hex digits.
hex32:
    push eax
    shr eax, 16
    call hex16
    pop eax
    jmp hex16
cpu 8086

OPTROM_LIBRARY
OPTROM_END
