; REP MOVS, STOS and CMPS in 32-bit protected mode with paging, in the shapes the bulk
; path of ops_string.c must treat exactly like the element-by-element loop: copies that
; cross pages, an overlapping forward copy (a pattern fill), a copy that runs past the
; segment limit (#GP with ECX/ESI/EDI of the iterations done), a compare that stops at a
; mismatch in the second page, and a copy longer than one REP chunk. Prints one line per
; case (values in hex) and "strings done".
%include "rom.inc"

%define PAGE_DIR 10000h
%define PAGE_TAB 11000h
%define BUF 40000h              ; 16 KiB work area, identity mapped
%define STACK 9000h
%define gp_ecx (STACK + 100h)       ; what the #GP handler saw, above the stack
%define gp_edi (STACK + 104h)
%define gp_resume_ptr (STACK + 108h)

ROM_START
    ; identity map 0-4 MiB
    mov ax, PAGE_DIR >> 4
    mov es, ax
    xor di, di
    xor eax, eax
    mov cx, 2 * 1024
    rep stosd
    mov dword [es:0], PAGE_TAB + 3
    mov ax, PAGE_TAB >> 4
    mov es, ax
    xor di, di
    mov eax, 3
    mov cx, 1024
.map:
    stosd
    add eax, 1000h
    loop .map
    cli
    o32 lgdt [cs:str_gdt_descriptor]
    o32 lidt [cs:str_idt_descriptor]
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 80000001h
    mov cr0, eax
    jmp dword 08h:pm
bits 32
pm:
    mov ax, 10h
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK
    cld

    ; fill BUF with a counting pattern: 4096 dwords i * 01010101h
    mov edi, BUF
    xor eax, eax
    mov ecx, 4096
.fill:
    stosd
    add eax, 01010101h
    loop .fill

    ; 1: REP MOVSD of 600h dwords, misaligned, crossing pages on both sides at different
    ;    offsets; checksum the destination
    mov esi, BUF + 2
    mov edi, BUF + 2000h + 7
    mov ecx, 600h
    rep movsd
    push ecx
    mov esi, BUF + 2000h + 7
    mov ecx, 600h
    call sum_dwords
    mov ebx, eax
    pop eax
    call print_pair                 ; ECX after (0), checksum

    ; 2: overlapping REP MOVSB one byte ahead: the first byte fills 3000h bytes
    mov byte [BUF + 100h], 5Ah
    mov esi, BUF + 100h
    mov edi, BUF + 101h
    mov ecx, 3000h
    rep movsb
    mov esi, BUF + 100h
    mov ecx, 0C00h
    call sum_dwords
    mov ebx, eax
    mov eax, edi
    call print_pair                 ; EDI after, checksum of 5A5A5A5Ah * 0C00h

    ; 3: REP STOSW across a page, then CMPSD finding a planted mismatch in page 2
    mov edi, BUF + 0FF0h
    mov ax, 1234h
    mov ecx, 900h
    rep stosw
    mov esi, BUF + 0FF0h
    mov edi, BUF + 1000h + 0FF0h
    mov ecx, 100h
    rep movsd                       ; a copy to compare against
    mov dword [BUF + 1000h + 0FF0h + 1F8h], 0
    mov esi, BUF + 0FF0h
    mov edi, BUF + 1000h + 0FF0h
    mov ecx, 100h
    repe cmpsd
    pushfd
    pop eax
    and eax, 8D5h                   ; the arithmetic flags of the last compare
    mov ebx, ecx
    call print_pair                 ; flags, ECX left (100h - 7Fh)
    mov eax, esi
    mov ebx, edi
    call print_pair

    ; 4: a copy through a data segment with limit BUF+0FFFh that overruns it:
    ;    #GP after the iterations that fit; print ECX ESI EDI from the handler
    mov ax, 18h
    mov es, ax
    mov esi, BUF
    mov edi, BUF + 0FF0h
    mov ecx, 10h
    mov dword [gp_resume_ptr], .after_gp
    rep movsd
.after_gp:
    mov ax, 10h
    mov es, ax
    mov eax, [gp_ecx]
    mov ebx, [gp_edi]
    call print_pair                 ; ECX 0Ch left, EDI BUF+1000h

    ; 5: REP STOSB longer than a REP chunk (4096 iterations), 10000h bytes
    mov edi, BUF
    mov al, 0A5h
    mov ecx, 3000h
    rep stosb
    mov esi, BUF
    mov ecx, 0C00h
    call sum_dwords
    mov ebx, eax
    mov eax, edi
    call print_pair

    mov esi, msg_done
    call print32
    mov al, 10
    out DEBUG_PORT, al
.halt:
    cli
    hlt
    jmp .halt

; EAX = sum of ECX dwords at DS:ESI
sum_dwords:
    xor edx, edx
.next:
    add edx, [esi]
    rol edx, 1
    add esi, 4
    loop .next
    mov eax, edx
    ret

; prints EAX and EBX in hex and a newline
print_pair:
    call hex32
    mov eax, ebx
    call hex32
    mov al, 10
    out DEBUG_PORT, al
    ret

hex32:
    push ecx
    push edx
    mov ecx, 8
.digit:
    rol eax, 4
    mov edx, eax
    and edx, 0Fh
    mov dl, [cs:str_hex + edx]
    xchg eax, edx
    out DEBUG_PORT, al
    xchg eax, edx
    loop .digit
    mov al, ' '
    out DEBUG_PORT, al
    pop edx
    pop ecx
    ret

print32:
    mov al, [cs:esi]
    test al, al
    jz .done
    out DEBUG_PORT, al
    inc esi
    jmp print32
.done:
    ret

; #GP: records ECX, EDI and resumes at gp_resume_ptr (drops the error code and frame)
gp_handler:
    mov [gp_ecx], ecx
    mov [gp_edi], edi
    add esp, 4 + 12
    jmp [gp_resume_ptr]

str_hex: db "0123456789ABCDEF"
msg_done: db "strings done", 0

align 8
str_gdt:
    dq 0
    dq 00CF9B0F0000FFFFh            ; 08h: 32-bit code, base F0000h, 4 GiB
    dq 00CF93000000FFFFh            ; 10h: 32-bit data, base 0, 4 GiB
    dq 0044930000000FFFh            ; 18h: 32-bit data, base 0, byte limit BUF + 0FFFh
str_gdt_descriptor:
    dw str_gdt_descriptor - str_gdt - 1
    dd 0F0000h + str_gdt
str_idt:
    times 13 dq 0
    dw gp_handler, 08h, 8E00h, 0    ; 13: 32-bit interrupt gate (offset < 64 KiB)
str_idt_descriptor:
    dw str_idt_descriptor - str_idt - 1
    dd 0F0000h + str_idt

bits 16
ROM_LIBRARY
ROM_END
