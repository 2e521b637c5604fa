; Self-modifying code and remapped code against the decoded-block cache: code copied
; to RAM is run (so it is cached and its blocks linked), then changed, and must run as
; changed. Cases:
;   real     a routine's immediate rewritten between calls in a loop
;   inline   a store that rewrites the instruction right after it in the same block
;            (vx86 sees the change at once, as a Pentium does)
;   paged    protected mode with paging: the same linear page remapped to another
;            physical page with other code (CR3 reload), then the old page rewritten
; Prints one line per case and "smc done".
%include "rom.inc"

%define CODE_RAM 8000h          ; real-mode copy of the routines
%define PAGE_DIR 10000h         ; page directory; the page table follows it
%define PAGE_TAB 11000h
%define PHYS_A 20000h           ; two physical pages with different code
%define PHYS_B 21000h
%define LIN_X 400000h           ; the linear page that maps to one of them

ROM_START
    ; ---- real: a loop calls a RAM routine whose immediate changes each time ----
    xor ax, ax
    mov es, ax
    mov si, routine
    mov di, CODE_RAM
    mov cx, routine_end - routine
    rep movsb                   ; ES:DI = 0:8000
    xor bx, bx                  ; sum of the values returned
    mov cx, 5
.call:
    call 0:CODE_RAM
    add bx, ax
    mov [es:CODE_RAM + 1], cx   ; the immediate of "mov ax, imm16"
    loop .call
    ; returns 1111h, then 5, 4, 3, 2: 1111h + 14 = 111Fh
    mov si, msg_real
    call print
    mov ax, bx
    call print_hex16
    call newline

    ; ---- inline: the store rewrites the next instruction's immediate ----
    mov ax, 0
    mov es, ax
    mov si, inline_code
    mov di, CODE_RAM + 100h
    mov cx, inline_end - inline_code
    rep movsb
    mov cx, 3
    xor bx, bx
.inline:
    call 0:CODE_RAM + 100h
    add bx, ax
    loop .inline
    ; each call stores 2222h over the immediate and then loads it: 3 * 2222h = 6666h
    mov si, msg_inline
    call print
    mov ax, bx
    call print_hex16
    call newline

    ; ---- paged ----
    call paged_test
    mov si, msg_paged
    call print
    mov ax, bx
    call print_hex16
    call newline

    mov si, msg_done
    call print
    call newline
    STOP

; mov ax, imm16 / retf, copied to RAM.
routine:
    mov ax, 1111h
    retf
routine_end:

; Stores over the immediate of the instruction that follows, in the same block.
inline_code:
    mov word [cs:CODE_RAM + 100h + (.load - inline_code) + 1], 2222h
.load:
    mov ax, 0
    retf
inline_end:

; Identity-maps the first 4 MiB, maps LIN_X to PHYS_A whose code returns 0A0Ah in EAX,
; runs it in a loop; remaps LIN_X to PHYS_B (returns 0B0Bh), reloads CR3 and runs it
; again; then rewrites PHYS_B's immediate through the identity map and runs it once
; more (0C0Ch). BX gets the sum over the calls: 5757h.
paged_test:
    push ds
    push es
    xor ax, ax
    mov es, ax
    ; the two code pages: "mov eax, imm32 / ret"
    mov di, PHYS_A >> 4
    mov es, di
    mov byte [es:0], 0B8h
    mov dword [es:1], 0A0Ah
    mov byte [es:5], 0C3h
    mov di, PHYS_B >> 4
    mov es, di
    mov byte [es:0], 0B8h
    mov dword [es:1], 0B0Bh
    mov byte [es:5], 0C3h
    ; page directory: entry 0 -> PAGE_TAB (identity 0-4 MiB), entry 1 -> PAGE_TAB + 1000h
    mov di, PAGE_DIR >> 4
    mov es, di
    xor di, di
    xor eax, eax
    mov cx, 3 * 1024
    rep stosd
    mov dword [es:0], PAGE_TAB + 3
    mov dword [es:4], PAGE_TAB + 1000h + 3
    mov di, PAGE_TAB >> 4
    mov es, di
    xor di, di
    mov eax, 3
    mov cx, 1024
.identity:
    stosd
    add eax, 1000h
    loop .identity
    mov dword [es:1000h], PHYS_A + 3   ; LIN_X -> PHYS_A
    pop es
    pop ds
    cli
    o32 lgdt [cs:smc_gdt_descriptor]
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 80000001h
    mov cr0, eax
    jmp dword 08h:.pm
bits 32
.pm:
    mov ax, 10h
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 7000h
    xor ebx, ebx
    mov ecx, 3
.run_a:
    mov eax, LIN_X - 0F0000h   ; CS base is F0000h
    call eax                    ; 3 * 0A0Ah
    add ebx, eax
    loop .run_a
    mov dword [PAGE_TAB + 1000h], PHYS_B + 3
    mov eax, cr3
    mov cr3, eax                ; flush: LIN_X -> PHYS_B
    mov ecx, 3
.run_b:
    mov eax, LIN_X - 0F0000h   ; CS base is F0000h
    call eax                    ; 3 * 0B0Bh
    add ebx, eax
    loop .run_b
    mov dword [PHYS_B + 1], 0C0Ch ; rewrite the running page through the identity map
    mov ecx, 2
.run_c:
    mov eax, LIN_X - 0F0000h   ; CS base is F0000h
    call eax                    ; 2 * 0C0Ch
    add ebx, eax
    loop .run_c
    ; total: 3*0A0Ah + 3*0B0Bh + 2*0C0Ch = 1E1Eh + 2121h + 1818h = 5757h
    ; back to real mode
    mov eax, cr0
    and eax, 7FFFFFFEh
    jmp 18h:(.pm16)
bits 16
.pm16:
    mov cr0, eax
    jmp 0F000h:.real
.real:
    xor ax, ax
    mov ss, ax
    mov sp, 7C00h - 2           ; the return address pushed by the caller's near call
    mov ax, cs
    mov ds, ax
    mov es, ax
    ret

align 8
smc_gdt:
    dq 0
    dq 00CF9B0F0000FFFFh        ; 08h: 32-bit code, base F0000h, limit 4 GiB
    dq 00CF93000000FFFFh        ; 10h: 32-bit data, base 0, limit 4 GiB
    dq 00009B0F0000FFFFh        ; 18h: 16-bit code, base F0000h, limit 64 KiB
smc_gdt_descriptor:
    dw smc_gdt_descriptor - smc_gdt - 1
    dd 0F0000h + smc_gdt

msg_real: db "real ", 0
msg_inline: db "inline ", 0
msg_paged: db "paged ", 0
msg_done: db "smc done", 0

ROM_LIBRARY
ROM_END
