; vx86 CPU benchmark ROM. A 64 KiB firmware image that runs unchanged as -bios in vx86,
; QEMU and Bochs: it enters 32-bit protected mode with paging on, runs a fixed integer
; workload typical of real code, prints "checksum XXXXXXXX" on the debug port (E9h) and
; halts with interrupts disabled. The work is fixed, so every correct emulator executes
; the same instructions and prints the same checksum.
;
; The workload, ROUNDS times over:
;   fill     a linear congruential generator fills 256 KiB (IMUL, stores)
;   copy     REP MOVSD of the buffer, then REPE CMPSD to compare the copies
;   sieve    Eratosthenes up to 262143 over a byte array (loops, branches, stores)
;   crc      bitwise CRC-32 over 16 KiB (shifts, XOR, conditional branches)
;   fib      recursive Fibonacci(20) (CALL/RET, stack traffic)
;   divide   DIV and IDIV over a table of values
;   sort     insertion sort of 512 dwords (loads, compares, stores)
; Every memory access goes through the page tables (identity map of the first 8 MiB).

%ifndef ROUNDS                      ; nasm -DROUNDS=N for a shorter run (the tests use 1)
%define ROUNDS 96
%endif
%define DEBUG_PORT 0E9h
%define ROM_BASE 0F0000h
%define PAGE_DIR 100000h
%define BUF_A 200000h
%define BUF_B 240000h
%define SIEVE 280000h
%define SORT_BUF 2C0000h
%define STACK_TOP 90000h
%define BUF_DWORDS 10000h            ; 256 KiB
%define SIEVE_SIZE 40000h

bits 16
org 0

start16:
    cli
    cld
    in al, 92h                       ; fast A20 on (PS/2 system control port A)
    or al, 2
    and al, 0FEh
    out 92h, al
    o32 lgdt [cs:gdt_descriptor]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 08h:start32            ; CS base is ROM_BASE, so offsets are labels

bits 32
start32:
    mov ax, 10h
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, STACK_TOP
    call setup_paging

    xor ebx, ebx                     ; EBX: the running checksum
    mov ebp, ROUNDS
.round:
    call fill
    call copy_compare
    call sieve
    call crc32
    push ebx
    mov eax, 20
    call fib
    pop ebx
    add ebx, eax
    call divide
    call sort
    dec ebp
    jnz .round

    mov esi, msg_checksum
    call print
    mov eax, ebx
    call print_hex
    mov esi, msg_newline
    call print
.halt:
    cli
    hlt
    jmp .halt

; Identity-maps 0-8 MiB with two page tables after the directory.
setup_paging:
    mov edi, PAGE_DIR
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd
    mov dword [PAGE_DIR], PAGE_DIR + 1000h + 3
    mov dword [PAGE_DIR + 4], PAGE_DIR + 2000h + 3
    mov edi, PAGE_DIR + 1000h
    mov eax, 3                       ; present, writable
    mov ecx, 2048
.entry:
    stosd
    add eax, 1000h
    loop .entry
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 80000000h
    mov cr0, eax
    jmp .flush                       ; the 386 wants a jump after enabling paging
.flush:
    ret

; fill: x = x * 1103515245 + 12345 into BUF_A.
fill:
    mov edi, BUF_A
    mov ecx, BUF_DWORDS
    mov eax, ebx
    or eax, 1
.next:
    imul eax, eax, 1103515245
    add eax, 12345
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz .next
    add ebx, eax
    ret

copy_compare:
    mov esi, BUF_A
    mov edi, BUF_B
    mov ecx, BUF_DWORDS
    rep movsd
    mov esi, BUF_A
    mov edi, BUF_B
    mov ecx, BUF_DWORDS
    repe cmpsd
    add ebx, ecx                     ; 0 when the copies agree
    mov esi, BUF_B + 4 * 1000h
    mov ecx, 1000h
.sum:
    lodsd
    xor ebx, eax
    rol ebx, 3
    loop .sum
    ret

sieve:
    mov edi, SIEVE
    mov ecx, SIEVE_SIZE / 4
    mov eax, 01010101h
    rep stosd
    mov byte [SIEVE], 0
    mov byte [SIEVE + 1], 0
    mov esi, 2
.outer:
    mov eax, esi
    mul esi
    cmp eax, SIEVE_SIZE
    jae .count
    cmp byte [SIEVE + esi], 0
    je .skip
.inner:
    mov byte [SIEVE + eax], 0
    add eax, esi
    cmp eax, SIEVE_SIZE
    jb .inner
.skip:
    inc esi
    jmp .outer
.count:
    xor eax, eax
    mov ecx, SIEVE_SIZE
    mov esi, SIEVE
.c:
    movzx edx, byte [esi]
    add eax, edx
    inc esi
    dec ecx
    jnz .c
    add ebx, eax                     ; the number of primes below 262144
    ret

crc32:
    mov esi, BUF_A
    mov ecx, 4000h
    mov edx, 0FFFFFFFFh
.byte:
    movzx eax, byte [esi]
    xor edx, eax
    mov ah, 8
.bit:
    shr edx, 1
    jnc .no
    xor edx, 0EDB88320h
.no:
    dec ah
    jnz .bit
    inc esi
    dec ecx
    jnz .byte
    not edx
    xor ebx, edx
    ret

; fib(EAX) -> EAX, recursively.
fib:
    cmp eax, 2
    jb .done
    push eax
    dec eax
    call fib
    xchg eax, [esp]
    sub eax, 2
    call fib
    pop edx
    add eax, edx
.done:
    ret

divide:
    mov esi, BUF_A
    mov ecx, 2000h
.next:
    mov eax, [esi]
    xor edx, edx
    mov edi, [esi + 4]
    or edi, 1
    div edi
    add ebx, edx
    mov eax, [esi + 8]
    cdq
    mov edi, [esi + 12]
    sar edi, 8
    or edi, 3
    idiv edi
    xor ebx, eax
    add esi, 16
    dec ecx
    jnz .next
    ret

sort:
    mov esi, BUF_A + 4 * 3000h
    mov edi, SORT_BUF
    mov ecx, 512
    rep movsd
    mov ecx, 1
.outer:
    cmp ecx, 512
    jae .check
    mov eax, [SORT_BUF + ecx * 4]
    mov edx, ecx
.shift:
    test edx, edx
    jz .place
    mov edi, [SORT_BUF + edx * 4 - 4]
    cmp edi, eax
    jbe .place
    mov [SORT_BUF + edx * 4], edi
    dec edx
    jmp .shift
.place:
    mov [SORT_BUF + edx * 4], eax
    inc ecx
    jmp .outer
.check:
    add ebx, [SORT_BUF]
    xor ebx, [SORT_BUF + 511 * 4]
    ret

; Prints the zero-terminated string at CS:ESI (strings live in the ROM).
print:
    mov al, [cs:esi]
    test al, al
    jz .done
    out DEBUG_PORT, al
    inc esi
    jmp print
.done:
    ret

print_hex:
    mov ecx, 8
.digit:
    rol eax, 4
    mov edx, eax
    and edx, 0Fh
    mov dl, [cs:hex_digits + edx]
    xchg eax, edx
    out DEBUG_PORT, al
    xchg eax, edx
    loop .digit
    ret

hex_digits: db "0123456789ABCDEF"
msg_checksum: db "checksum ", 0
msg_newline: db 10, 0

align 8
gdt:
    dq 0
    dq 00CF9B0F0000FFFFh             ; 08h: 32-bit code, base F0000h, limit 4 GiB
    dq 00CF93000000FFFFh             ; 10h: 32-bit data, base 0, limit 4 GiB
gdt_descriptor:
    dw gdt_descriptor - gdt - 1
    dd ROM_BASE + gdt

bits 16
    times 0FFF0h - ($ - $$) db 0FFh
    jmp 0F000h:start16               ; the reset vector at F000:FFF0
    times 10000h - ($ - $$) db 0FFh
