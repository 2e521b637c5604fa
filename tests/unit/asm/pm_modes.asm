; Real mode -> 16-bit protected mode -> 32-bit protected mode -> real mode, keeping a
; 4 GiB limit in FS's descriptor cache ("unreal mode").
; SDM vol. 3, 9.9.1 (switching to protected mode: MOV CR0, then a far JMP), 9.9.2
; (switching back: a segment with limit FFFFh loaded before PE is cleared, then a far
; JMP), 3.4.3 (the hidden part of a segment register is only reloaded by a segment load)
; and 20.1.1 (real-mode segment loads change only selector and base).
; Expected output:
;   "R PE16:0001 CS16:0018 D32:12345678 CS32:0008 PE:0000 U:CAFEBABE I13:0000 W:0000 END"
%include "pm.inc"
org 0
bits 16

start:
    mov ax, cs
    mov ds, ax
    mov ss, ax
    mov sp, 0F000h
    SAY "R "
    ; Real-mode #GP goes through the IVT: point vector 13 at our handler.
    xor ax, ax
    mov es, ax
    mov word [es:13 * 4], real_gp
    mov word [es:13 * 4 + 2], cs
    cli
    o32 lgdt [gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp KCODE16:pm16            ; 9.9.1 step 4: a far JMP right after MOV CR0

pm16:
    ; 16-bit protected mode: segment registers now take selectors.
    mov ax, KDATA16
    mov ds, ax
    mov ss, ax
    smsw ax
    and ax, 1
    SAY "PE16:"
    movzx eax, ax
    HEX eax, 4
    SAY " CS16:"
    mov ax, cs
    HEX eax, 4
    ; 16-bit code: B8 imm16 would be "mov ax"; the 66h prefix makes it 32-bit.
    jmp dword KCODE32:pm32

bits 32
pm32:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0F000h
    ; Default operand size is now 32 bits: B8 takes a 4-byte immediate.
    db 0B8h
    dd 12345678h
    SAY " D32:"
    HEX eax, 8
    SAY " CS32:"
    mov ax, cs
    movzx eax, ax
    HEX eax, 4
    ; FS: the flat 4 GiB segment; write a marker at 2 MiB through it.
    mov ax, FLAT
    mov fs, ax
    mov dword [fs:200000h], 0CAFEBABEh
    ; Back to real mode (9.9.2): through 16-bit code, with 64 KiB segments in DS ES SS.
    jmp KCODE16:back16

bits 16
back16:
    mov ax, KDATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and eax, 7FFFFFFEh
    mov cr0, eax
    jmp 1000h:real_again

real_again:
    mov ax, cs
    mov ds, ax
    mov ss, ax
    mov sp, 0F000h
    ; The real-mode IVT: IDTR base 0, limit 3FFh.
    o32 lidt [real_idtr]
    smsw ax
    and ax, 1
    SAY " PE:"
    movzx eax, ax
    HEX eax, 4
    ; Unreal mode: a real-mode load of FS changes the base only; the limit stays 4 GiB.
    xor ax, ax
    mov fs, ax
    mov eax, [fs:dword 200000h]
    SAY " U:"
    HEX eax, 8
    ; ES had limit FFFFh loaded before PE was cleared: beyond it is #GP (interrupt 13;
    ; vol. 2, MOV, real-address mode exceptions).
    mov ax, 2000h
    mov es, ax
    mov word [cs:resume16], after_es
es_fault:
    mov eax, [es:dword 10000h]
after_es:
    ; And within the limit a write works; check it through FS (base 0, linear 2FFFCh).
    mov dword [es:0FFFCh], 0
    mov eax, [fs:dword 2FFFCh]
    SAY " W:"
    HEX eax, 4
    SAY " END"
    STOP

; Real-mode interrupt 13: prints "I13:" and the pushed IP minus es_fault (0000: the
; fault points at the faulting instruction, and no error code was pushed on top of the
; IP), then resumes at resume16.
real_gp:
    push bp
    mov bp, sp
    push eax
    SAY " I13:"
    movzx eax, word [bp + 2]
    sub eax, es_fault
    HEX eax, 4
    mov ax, [cs:resume16]
    mov [bp + 2], ax
    pop eax
    pop bp
    iret

resume16: dw 0

align 8
gdt:
    STD_GDT
gdt_end:
gdtr: TABLE_PTR gdt, gdt_end
real_idtr:
    dw 3FFh
    dd 0
