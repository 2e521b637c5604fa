; system.asm: INT 11h (equipment), INT 12h (memory size) and INT 15h (system
; services: A20, the keyboard intercept, waits, extended memory, protected mode, the
; configuration table, the memory map).
;
; References: Ralf Brown's Interrupt List, INT 11h, INT 12h, INT 15h AH=24h, 4Fh,
; 83h, 86h, 87h, 88h, 89h, 90h, 91h, C0h, C1h, E801h, E820h; IBM PC/AT Technical
; Reference, BIOS listing (BLOCKMOVE, the shutdown codes); Intel 80286 and 80386
; Programmer's Reference Manuals (protected-mode entry and, on a 386, exit by
; clearing CR0.PE: 386 PRM 10.3 and 14.5).

%define INT15_UNSUPPORTED 86h
%define SMAP 534D4150h
%define E820_ENTRY_SIZE 20
%define E820_ENTRIES 5
%define E820_EXTENDED 3             ; the entry of the memory above 1 MiB
%define E820_USABLE 1
%define E820_RESERVED 2

int11_handler:
    sti
    push ds
    mov ax, BDA_SEG
    mov ds, ax
    mov ax, [BDA_EQUIPMENT]
    pop ds
    iret

int12_handler:
    sti
    push ds
    mov ax, BDA_SEG
    mov ds, ax
    mov ax, [BDA_MEMORY_KIB]
    pop ds
    iret

; ---- INT 15h ----

int15_handler:
    sti
    cld
    cmp ah, 4Fh                     ; the keyboard intercept: keep AL, CF set
    je .intercept
    push ds
    push bp
    mov bp, BDA_SEG
    mov ds, bp
    mov bp, int15_functions
.find:
    cmp byte [cs:bp], 0FFh
    je .unsupported
    cmp [cs:bp], ah
    je .found
    add bp, 3
    jmp short .find
.found:
    call [cs:bp + 1]
    pop bp
    pop ds
    IRET_CF
.unsupported:
    pop bp
    pop ds
    mov ah, INT15_UNSUPPORTED
    stc
    IRET_CF
.intercept:
    stc
    IRET_CF

; AH value, handler; FFh ends the table.
int15_functions:
    db 24h
    dw int15_a20
    db 83h
    dw int15_event_wait
    db 86h
    dw int15_wait
    db 87h
    dw int15_block_move
    db 88h
    dw int15_extended_size
    db 89h
    dw int15_protected_mode
    db 90h
    dw int15_device_busy
    db 91h
    dw int15_device_busy
    db 0C0h
    dw int15_config_table
    db 0C1h
    dw int15_ebda_segment
    db 0E8h
    dw int15_e8xx
    db 0FFh

; The CPU level in AL (from the EBDA).
cpu_level:
    push es
    mov es, [BDA_EBDA_SEG]
    mov al, [es:EBDA_CPU]
    pop es
    ret

; AH=90h (device busy), 91h (interrupt complete): nothing waits here; AH = 0.
int15_device_busy:
    xor ah, ah
    clc
    ret

; AH=C0h: ES:BX = the configuration table at F000:E6F5h.
int15_config_table:
    mov bx, BIOS_SEG
    mov es, bx
    mov bx, config_table
    xor ah, ah
    clc
    ret

; AH=C1h: ES = the EBDA's segment.
int15_ebda_segment:
    mov es, [BDA_EBDA_SEG]
    clc
    ret

; AH=88h: AX = KiB of memory from 1 MiB up to 64 MiB (CMOS 30h/31h).
int15_extended_size:
    mov al, CMOS_EXT_KIB2
    call cmos_read_word
    clc
    ret

; ---- A20 (AH=24h) ----

; AL=00h disable, 01h enable, 02h status (AL = 0/1), 03h support (BX bit 0: the 8042,
; bit 1: port 92h). An 8086 or 80186 has no A20 line: AH=86h.
int15_a20:
    push ax
    call cpu_level
    cmp al, CPU_286
    pop ax
    jb .unsupported
    cmp al, 03h
    ja .unsupported
    je .support
    cmp al, 02h
    je .status
    call a20_set                    ; AL = 0 or 1
    jc .failed
    xor ah, ah
    ret
.status:
    call a20_enabled
    xor ah, ah
    clc
    ret
.support:
    mov bx, 0003h
    xor ah, ah
    clc
    ret
.failed:
    mov ah, 01h                     ; keyboard controller is in secure mode
    ret
.unsupported:
    mov ah, INT15_UNSUPPORTED
    stc
    ret

; Gates A20 on (AL = 1) or off (AL = 0) through port 92h and the 8042's output port
; (command D1h; bit 1 the gate, bit 0 kept high: clearing it resets the CPU), then
; checks it. CF = 1 if the line did not follow.
a20_set:
    push ax
    push cx
    mov ah, al
    in al, PORT_FAST_A20
    and al, 0FCh                    ; bit 0 is the fast reset: never write 1 there
    test ah, ah
    jz .port92
    or al, 02h
.port92:
    out PORT_FAST_A20, al
    mov al, 0D1h
    call kbc_command
    mov al, 0DDh
    test ah, ah
    jz .kbc
    mov al, 0DFh
.kbc:
    call kbc_write_data
    call kbc_wait_write
    call a20_enabled
    cmp al, ah
    je .ok
    pop cx
    pop ax
    stc
    ret
.ok:
    pop cx
    pop ax
    clc
    ret

; AL = 1 if A20 is on: 0000:0500h and FFFF:0510h (the same byte when addresses wrap at
; 1 MiB) differ after one of them changes.
a20_enabled:
    push ds
    push es
    push bx
    xor bx, bx
    mov ds, bx
    dec bx
    mov es, bx                      ; ES = FFFFh
    mov bl, [0500h]
    mov bh, bl
    not bh
    mov [0500h], bh
    cmp [es:0510h], bh
    mov [0500h], bl
    mov al, 1
    jne .ret
    mov al, 0
.ret:
    pop bx
    pop es
    pop ds
    ret

; ---- the memory map (AX=E801h, E820h) ----

int15_e8xx:
    cmp al, 01h
    je int15_e801
    cmp al, 20h
    je int15_e820
    mov ah, INT15_UNSUPPORTED
    stc
    ret

; AX=E801h: AX = CX = KiB from 1 to 16 MiB (at most 3C00h), BX = DX = 64 KiB blocks
; above 16 MiB. Only on a 286 or later (an 8086 has no memory above 1 MiB).
int15_e801:
    call cpu_level
    cmp al, CPU_286
    jb .unsupported
    mov al, CMOS_EXT_KIB2
    call cmos_read_word
    cmp ax, 3C00h
    jbe .low_ok
    mov ax, 3C00h
.low_ok:
    mov cx, ax
    push ax
    mov al, CMOS_HIGH_64K
    call cmos_read_word
    mov bx, ax
    mov dx, ax
    pop ax
    clc
    ret
.unsupported:
    mov ah, INT15_UNSUPPORTED
    stc
    ret

cpu 386
; AX=E820h: EBX = continuation (0 = first), ES:DI = a buffer of ECX >= 20 bytes, EDX =
; 'SMAP'. Returns EAX = 'SMAP', ECX = 20, EBX = the next continuation (0 after the
; last), the entry at ES:DI. The map: conventional memory below the EBDA (usable), the
; EBDA and the BIOS ROM at F0000h and its copy at the top of the 4 GiB space
; (reserved), memory from 1 MiB to its top (usable). 386 and later only (32-bit
; registers).
int15_e820:
    call cpu_level
    cmp al, CPU_386
    jb .unsupported
    cmp edx, SMAP
    jne .unsupported
    cmp ecx, E820_ENTRY_SIZE
    jb .unsupported
    push esi
    push edx
    call e820_count                 ; ESI = the entries (no empty one for no memory)
    cmp ebx, esi
    jae .out_of_range
    push ebx
    cmp si, E820_ENTRIES
    mov esi, ebx
    je .indexed
    cmp si, E820_EXTENDED
    jb .indexed
    inc si                          ; no extended memory: its entry is left out
.indexed:
    call e820_entry                 ; ESI = entry -> EAX base, ECX length, BL type
    mov [es:di], eax
    mov dword [es:di + 4], 0
    mov [es:di + 8], ecx
    mov dword [es:di + 12], 0
    movzx ebx, bl
    mov [es:di + 16], ebx
    pop ebx
    call e820_count
    inc ebx
    cmp ebx, esi
    jb .more
    xor ebx, ebx
.more:
    pop edx
    pop esi
    mov eax, SMAP
    mov ecx, E820_ENTRY_SIZE
    clc
    ret
.out_of_range:
    pop edx
    pop esi
.unsupported:
    mov ah, INT15_UNSUPPORTED
    stc
    ret

; ESI = the number of entries: one fewer with no memory above 1 MiB.
e820_count:
    push eax
    push edx
    call extended_memory_kib
    mov esi, E820_ENTRIES
    or ax, dx
    jnz .ret
    dec esi
.ret:
    pop edx
    pop eax
    ret

; EAX = base, ECX = length, BL = type of entry ESI (0 .. E820_ENTRIES - 1). DS = BDA.
e820_entry:
    movzx eax, word [BDA_EBDA_SEG]
    shl eax, 4                      ; EAX = the EBDA's address
    cmp si, 1
    jb .conventional
    je .ebda
    cmp si, 3
    jb .rom
    je .extended
    mov eax, 0FFFF0000h             ; the BIOS's copy below 4 GiB
    mov ecx, 10000h
    mov bl, E820_RESERVED
    ret
.conventional:
    mov ecx, eax
    xor eax, eax
    mov bl, E820_USABLE
    ret
.ebda:
    mov ecx, 0A0000h
    sub ecx, eax
    mov bl, E820_RESERVED
    ret
.rom:
    mov eax, 0F0000h
    mov ecx, 10000h
    mov bl, E820_RESERVED
    ret
.extended:
    push dx
    call extended_memory_kib        ; DX:AX KiB above 1 MiB
    shl edx, 16
    mov dx, ax
    mov ecx, edx
    shl ecx, 10
    mov eax, 100000h
    pop dx
    mov bl, E820_USABLE
    ret
cpu 8086

; ---- AH=87h: block move ----

; CX words from the source descriptor (ES:SI + 10h) to the destination descriptor
; (ES:SI + 18h) of the caller's GDT, in protected mode. The BIOS fills in the GDT's own
; descriptor (+08h) and the code and stack descriptors (+20h, +28h). On a 386 the CPU
; returns to real mode by clearing CR0.PE; a 286 cannot, so it is reset with the
; shutdown code 09h and comes back through post_shutdown_dispatch to block_move_resume
; (PC/AT Technical Reference, BLOCKMOVE). AH = 0 on success, 03h if A20 failed; 86h on
; an 8086/80186.
%define GDT_SELF 08h
%define GDT_SOURCE 10h
%define GDT_DEST 18h
%define GDT_CODE 20h
%define GDT_STACK 28h

int15_block_move:
    call cpu_level
    cmp al, CPU_286
    jae .go
    mov ah, INT15_UNSUPPORTED
    stc
    ret
.go:
    cmp cx, 8000h
    jbe .count_ok
    mov ah, 01h                     ; more than 64 KiB: a parity error by RBIL's codes
    stc
    ret
.count_ok:
    push bx
    push cx
    push dx
    push si
    push di
    push bp
    push es
    push ds
    mov bp, ax                      ; keep AL for the caller
    call a20_enabled
    mov dl, al                      ; restored afterwards
    call block_move_gdt             ; fills +08h, +20h, +28h; BL = CPU level
    mov al, 1
    call a20_set
    jc .a20_failed
    cmp bl, CPU_386                 ; block_move_gdt left the CPU level in BL
    jb .reset_286
    call block_move_386
    jmp short .done
.reset_286:
    call block_move_286
.done:
    mov al, dl
    call a20_set
    mov ax, bp
    xor ah, ah
    clc
    jmp short .ret
.a20_failed:
    mov ax, bp
    mov ah, 03h
    stc
.ret:
    pop ds
    pop es
    pop bp
    pop di
    pop si
    pop dx
    pop cx
    pop bx
    ret

cpu 286
; Fills the caller's GDT at ES:SI: +08h describes the GDT itself, +20h the BIOS's code
; segment (F0000h, 64 KiB, readable), +28h the stack (SS, 64 KiB, writable). BL = the
; CPU level.
block_move_gdt:
    push dx
    call cpu_level
    mov bl, al
    mov ax, es
    mov dx, ax
    mov cl, 4
    shl ax, cl
    shr dh, cl                      ; DH:AX = ES * 16
    add ax, si
    adc dh, 0                       ; + SI: the GDT's linear address
    mov word [es:si + GDT_SELF], 30h - 1
    mov [es:si + GDT_SELF + 2], ax
    mov [es:si + GDT_SELF + 4], dh
    mov byte [es:si + GDT_SELF + 5], 93h
    mov word [es:si + GDT_SELF + 6], 0
    mov word [es:si + GDT_CODE], 0FFFFh
    mov word [es:si + GDT_CODE + 2], 0
    mov byte [es:si + GDT_CODE + 4], 0Fh
    mov byte [es:si + GDT_CODE + 5], 9Bh
    mov word [es:si + GDT_CODE + 6], 0
    mov ax, ss
    mov dx, ax
    shl ax, cl
    shr dh, cl
    mov word [es:si + GDT_STACK], 0FFFFh
    mov [es:si + GDT_STACK + 2], ax
    mov [es:si + GDT_STACK + 4], dh
    mov byte [es:si + GDT_STACK + 5], 93h
    mov word [es:si + GDT_STACK + 6], 0
    pop dx
    ret

; The copy itself, in protected mode with interrupts off: DS = source, ES = dest.
; Expects CX = words, ES:SI = the GDT. Leaves DS/ES to be reloaded by the caller.
%macro BLOCK_MOVE_COPY 0
    lgdt [es:si + GDT_SELF]
    mov ax, 1
    lmsw ax                         ; PE on
    jmp short %%flush
%%flush:
    mov ax, GDT_SOURCE
    mov ds, ax
    mov ax, GDT_DEST
    mov es, ax
    xor si, si
    xor di, di
    rep movsw
%endmacro

cpu 386
block_move_386:
    cli
    push ss
    BLOCK_MOVE_COPY
    mov ax, GDT_STACK               ; 64 KiB limits before real mode again
    mov ds, ax
    mov es, ax
    mov eax, cr0
    and al, 0FEh
    mov cr0, eax
    jmp short .real
.real:
    pop ss
    sti
    ret
cpu 8086

cpu 286
; A 286 leaves protected mode by a reset: SS:SP saved in 40:67h, shutdown code 09h,
; then the 8042 pulses the reset line (command FEh). The POST finds the code and
; jumps to block_move_resume, which returns from here with SP as it was.
block_move_286:
    cli
    push ds
    push es
    push si
    push bp
    mov ax, BDA_SEG
    mov ds, ax
    mov [BDA_RESET_POINTER], sp
    mov [BDA_RESET_POINTER + 2], ss
    mov al, CMOS_SHUTDOWN
    mov ah, SHUTDOWN_BLOCK_MOVE
    call cmos_write
    BLOCK_MOVE_COPY
    mov al, 0FEh
    out PORT_KBC_STATUS, al         ; reset: the CPU restarts at F000:FFF0
.wait:
    hlt
    jmp short .wait

; From post_shutdown_dispatch (DS = BDA): back on the stack of block_move_286.
block_move_resume:
    mov ss, [BDA_RESET_POINTER + 2]
    mov sp, [BDA_RESET_POINTER]
    pop bp
    pop si
    pop es
    pop ds
    in al, PORT_KBC_DATA            ; whatever the reset left in the 8042
    sti
    ret
cpu 8086

; ---- AH=89h: switch to protected mode ----

; ES:SI = a GDT of 8 descriptors (Ralf Brown, INT 15h AH=89h): +08h the GDT, +10h the
; IDT, +18h DS, +20h ES, +28h SS, +30h CS, +38h the BIOS's CS (filled in here). BH, BL
; = the vector bases for IRQ 0-7 and 8-15. Returns in protected mode with DS, ES, SS
; from +18h, +20h, +28h, and CS = 30h, interrupts off, AH = 0. 286 and later.
int15_protected_mode:
    call cpu_level
    cmp al, CPU_286
    jae .go
    mov ah, INT15_UNSUPPORTED
    stc
    ret
.go:
cpu 286
    cli
    mov al, 1
    call a20_set
    ; reprogram the PICs with the caller's bases, keeping the masks
    in al, PORT_PIC1 + 1
    mov dl, al
    in al, PORT_PIC2 + 1
    mov dh, al
    mov al, 11h
    out PORT_PIC1, al
    out PORT_PIC2, al
    mov al, bh
    out PORT_PIC1 + 1, al
    mov al, bl
    out PORT_PIC2 + 1, al
    mov al, 04h
    out PORT_PIC1 + 1, al
    mov al, 02h
    out PORT_PIC2 + 1, al
    mov al, 01h
    out PORT_PIC1 + 1, al
    out PORT_PIC2 + 1, al
    mov al, dl
    out PORT_PIC1 + 1, al
    mov al, dh
    out PORT_PIC2 + 1, al
    ; the BIOS's code descriptor at +38h
    mov word [es:si + 38h], 0FFFFh
    mov word [es:si + 3Ah], 0
    mov byte [es:si + 3Ch], 0Fh
    mov byte [es:si + 3Dh], 9Bh
    mov word [es:si + 3Eh], 0
    lgdt [es:si + 08h]
    lidt [es:si + 10h]
    mov ax, 1
    lmsw ax
    jmp 38h:.protected
.protected:
    ; the frame: int15_handler's DS and BP, this call's return, then the interrupt's
    ; IP, CS and FLAGS. Return to the caller's IP with CS = 30h.
    mov ax, 18h
    mov ds, ax
    mov ax, 20h
    mov es, ax
    mov ax, 28h
    mov ss, ax
    add sp, 2 + 2 + 2               ; the return into int15_handler, BP, DS
    pop bx                          ; the caller's IP
    add sp, 4                       ; its CS and FLAGS
    push word 30h
    push bx
    xor ah, ah
    retf
cpu 8086
