; Virtual-8086 mode under a ring-0 monitor: entry by IRETD with VM=1, real-mode segment
; arithmetic, the IOPL-sensitive instructions trapping to the #GP handler while IOPL < 3,
; the I/O permission bitmap, a direct exit through a DPL 3 interrupt gate once IOPL = 3,
; and returns to v86 mode with IRETD.
; SDM vol. 3, 20.2.1 (entering v86 mode through IRET), 20.2.5-20.2.7 (IOPL-sensitive
; instructions and I/O), 20.3.1.1 (handling an interrupt or exception through a
; protected-mode trap or interrupt gate: figure 20-5, the stack frame with GS FS DS ES,
; data segment registers loaded with null), 20.3.1.2 (handling it in the monitor);
; vol. 1, 19.5.2 (the I/O permission bitmap); vol. 2, IRET.
%include "pm.inc"
org 0

TSS_SEL equ STD_GDT_END
STACK0  equ 0F000h
V86_SP  equ 0E000h

start:
    ENTER_PM32 gdtr, idtr, STACK0
    SAY "K "
    mov ax, TSS_SEL
    ltr ax
    ; IDT 13: the v86 monitor.
    mov word [idt + 13 * 8], gp_monitor
    ; Markers for the v86 code at linear 20000h and 20010h.
    mov ax, FLAT
    mov fs, ax
    mov word [fs:20000h], 2222h
    mov word [fs:20010h], 3333h
    ; IRETD with VM=1 pops EIP CS EFLAGS ESP SS ES DS FS GS (vol. 2, IRET,
    ; RETURN-TO-VIRTUAL-8086-MODE).
    push dword 4000h           ; GS
    push dword 3000h           ; FS
    push dword 1000h           ; DS
    push dword 2000h           ; ES
    push dword 1000h           ; SS
    push dword V86_SP          ; ESP
    push dword 20202h          ; EFLAGS: VM, IF, IOPL 0
    push dword 1000h           ; CS
    push dword v86_code        ; EIP
    iretd

; ---- virtual-8086 mode (the I/O bitmap lets it write port E9h) ----
bits 16
v86_code:
    SAY "V "
    ; Segment registers hold paragraph numbers: base = selector * 16.
    mov ax, cs
    HEX eax, 4
    mov ax, ss
    SAY " "
    HEX eax, 4
    mov ax, es
    SAY " "
    HEX eax, 4
    mov ax, fs
    SAY " "
    HEX eax, 4
    mov ax, gs
    SAY " "
    HEX eax, 4
    SAY " "
    mov ax, [es:0]
    HEX eax, 4
    mov ax, 2001h
    mov ds, ax
    mov ax, [0]
    SAY " "
    HEX eax, 4
    mov ax, 1000h
    mov ds, ax
    SAY " "
    ; IOPL 0: each of these is #GP(0) to the monitor, which skips it (20.2.7).
v86_cli:
    cli
    sti
    pushf
    popf
    int 21h
    iret
    ; I/O: port 80h is denied by the bitmap, 1234h lies beyond it, and a word at E9h
    ; also needs port EAh, which is denied; a byte at E9h is allowed.
    in al, 80h
    mov dx, 1234h
    out dx, al
    in ax, 0E9h
    in al, 0E9h
    SAY "in:"
    HEX eax, 2
    SAY " "
    ; INT 31h: the monitor raises IOPL to 3.
    int 31h
    ; IOPL 3: CLI STI PUSHF POPF run without faulting; POPF cannot change IOPL.
    cli
    sti
    push word 0202h
    popf
    pushf
    pop ax
    and ax, 3200h
    SAY "fl:"
    HEX eax, 4
    SAY " "
    ; IRET in v86 mode with IOPL 3 works as in real mode.
    pushf
    push cs
    push word v86_after_iret
    iret
    SAY "FAIL "
v86_after_iret:
    SAY "ir "
    ; INT 30h through a DPL 3 interrupt gate: straight to ring 0 and back.
    int 30h
v86_after_int30:
    SAY "back "
    ; HLT is privileged: #GP to the monitor, which ends the test.
    hlt
    SAY "FAIL"
    STOP
bits 32

; ---- the monitor ----

; #GP from v86 mode. The stack is SS0:ESP0 with the error code below EIP CS EFLAGS ESP
; SS ES DS FS GS (figure 20-5).
gp_monitor:
    push ebp
    mov ebp, esp
    push eax
    push ebx
    cmp byte [ss:first_gp], 0
    jne .decode
    mov byte [ss:first_gp], 1
    ; The first one (CLI) dumps the data segment registers (null) and the whole frame.
    SAY "GP:"
    HEX dword [ebp + 4], 4
    SAY " seg:"
    xor eax, eax
    mov ax, ds
    HEX eax, 4
    mov ax, es
    SAY ","
    HEX eax, 4
    mov ax, fs
    SAY ","
    HEX eax, 4
    mov ax, gs
    SAY ","
    HEX eax, 4
    SAY " fr:"
    mov eax, [ebp + 8]
    sub eax, v86_cli
    HEX eax, 4
    mov ebx, 12
.frame:
    SAY ","
    mov eax, [ebp + ebx]
    cmp ebx, 16
    jne .not_flags
    and eax, 37200h
.not_flags:
    HEX eax, 8
    add ebx, 4
    cmp ebx, 44
    jb .frame
    SAY " "
.decode:
    ; The opcode at CS * 16 + IP, read through the flat segment.
    mov ax, FLAT
    mov es, ax
    movzx ebx, word [ebp + 12]
    shl ebx, 4
    add ebx, [ebp + 8]
    movzx eax, byte [es:ebx]
    HEX eax, 2
    SAY " "
    cmp al, 0F4h
    je .hlt
    cmp al, 0CDh
    je .int
    cmp al, 0E4h
    jb .one
    cmp al, 0E7h
    jbe .two
.one:
    add dword [ebp + 8], 1
    jmp .done
.int:
    cmp byte [es:ebx + 1], 31h
    jne .two
    SAY "io3 "
    or dword [ebp + 16], 3000h
.two:
    add dword [ebp + 8], 2
.done:
    pop ebx
    pop eax
    pop ebp
    add esp, 4
    iretd
.hlt:
    SAY "END"
    STOP

; INT 30h from v86 mode with IOPL 3: EIP CS EFLAGS ESP SS ES DS FS GS, no error code.
int30_handler:
    push eax
    SAY "I30 seg:"
    xor eax, eax
    mov ax, ds
    HEX eax, 4
    SAY " fr:"
    mov eax, [esp + 4]
    sub eax, v86_after_int30
    HEX eax, 4
    SAY ","
    HEX dword [esp + 12 + 8], 4
    SAY ","
    mov eax, [esp + 12]
    and eax, 37200h
    HEX eax, 5
    SAY ","
    HEX dword [esp + 12 + 16], 4
    SAY ","
    HEX dword [esp + 12 + 20], 4
    SAY ","
    HEX dword [esp + 12 + 24], 4
    SAY ","
    HEX dword [esp + 12 + 28], 4
    SAY ","
    HEX dword [esp + 12 + 32], 4
    SAY ","
    HEX dword [esp + 12 + 36], 4
    SAY " "
    pop eax
    iretd

first_gp: db 0

    PM_EXC_HANDLERS

align 8
tss:
    dd 0, STACK0, KDATA
    times 66h - ($ - tss) db 0
    dw iomap - tss
iomap:
    ; Ports 0-3FFh: all denied except E9h (bit 1 of byte 1Dh) (vol. 1, 19.5.2).
    times 0E9h / 8 db 0FFh
    db 0FFh & ~(1 << (0E9h % 8))
    times 80h - ($ - iomap) db 0FFh
    db 0FFh              ; the byte after the map, which the processor may read
tss_end:

align 8
gdt:
    STD_GDT
    DESC LOAD_BASE + (tss - $$), tss_end - tss - 1, ACC_TSS32, 0
gdt_end:
gdtr: TABLE_PTR gdt, gdt_end

align 8
idt:
    PM_IDT_EXC
    IDT_AT idt, 30h
    GATE KCODE32, int30_handler - $$, ACC_INT32 | ACC_DPL3, 0
idt_end:
idtr: TABLE_PTR idt, idt_end
