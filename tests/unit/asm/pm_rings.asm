; Privilege-level changes: IRET to ring 3, interrupts and exceptions from ring 3 to
; ring 0 with the TSS stack switch, data segments nulled on return to ring 3, INT n
; through a DPL 0 gate, 16- and 32-bit call gates with parameters, RETF n back to ring 3,
; JMP through a call gate, and the checks that refuse the wrong ones.
; SDM vol. 3, 5.8.5-5.8.6 (call gates, stack switching, returns), 6.12.1 (exception and
; interrupt handler procedures, figure 6-4 stack usage), 6.12.1.1 (gate DPL check for
; INT n); vol. 2, CALL, JMP, RET, IRET.
%include "pm.inc"

; WHERE "label": prints the label, then CS, SS and ESP as they are here (uses EAX, EBX).
%macro WHERE 1
    SAY %1
    xor eax, eax
    mov ax, cs
    HEX eax, 4
    SAY " SS:"
    mov ax, ss
    HEX eax, 4
    SAY " ESP:"
    mov ebx, esp
    HEX ebx, 8
%endmacro
org 0

TSS_SEL  equ STD_GDT_END + 00h
G32      equ STD_GDT_END + 08h   ; 32-bit call gate, DPL 3, 2 dword parameters
G16      equ STD_GDT_END + 10h   ; 16-bit call gate, DPL 3, 2 word parameters
JGATE    equ STD_GDT_END + 18h   ; 32-bit call gate, DPL 0, to ring-0 code
XGATE    equ STD_GDT_END + 20h   ; 32-bit call gate, DPL 3, no parameters: back to ring 0
NP3      equ STD_GDT_END + 28h   ; DPL 3 data, not present
UCS      equ UCODE32 | 3
USS      equ UDATA | 3
STACK0   equ 0F000h
STACK3   equ 0E000h

start:
    ENTER_PM32 gdtr, idtr, STACK0
    SAY "K "
    mov ax, TSS_SEL
    ltr ax
    ; Our own #NP handler, which dumps the frame: patch IDT entry 11.
    mov word [idt + 11 * 8], np_handler
    ; FS: DPL 3 data, kept on the way out; DS ES GS: DPL 0, nulled (vol. 2, IRET:
    ; RETURN-TO-OUTER-PRIVILEGE-LEVEL).
    mov ax, USS
    mov fs, ax
    ; IRET to ring 3: the frame holds SS and ESP as well (IOPL 3 so ring 3 may print).
    push dword USS
    push dword STACK3
    push dword 3002h
    push dword UCS
    push dword ring3
    iretd

; ---- ring 3 ----
ring3:
    WHERE "U CS:"
    SAY " DS:"
    mov ax, ds
    HEX eax, 4
    SAY " ES:"
    mov ax, es
    HEX eax, 4
    SAY " FS:"
    mov ax, fs
    HEX eax, 4
    SAY " GS:"
    mov ax, gs
    HEX eax, 4
    SAY " "
    ; DS was nulled, so using it is #GP(0).
    TRY r1
    mov eax, [ds:0]
r1:
    mov ax, USS
    mov ds, ax
    mov es, ax
    ; DPL 0 data at CPL 3: #GP(selector).
    TRY r2
    mov ax, KDATA
    mov gs, ax
r2:
    ; Not-present DPL 3 data: #NP(selector), frame dumped by np_handler.
    mov ax, NP3 | 3
np_fault:
    mov gs, ax
np_resume:
    ; INT n through a DPL 3 interrupt gate to ring 0.
    int 30h
after_int30:
    SAY "DS:"
    mov ax, ds
    HEX eax, 4
    SAY " "
    ; INT n through a DPL 0 gate from CPL 3: #GP(vector * 8 + 2) (6.12.1.1).
    TRY r3
    int 31h
r3:
    ; CALL through a 32-bit call gate to ring 0, copying 2 dword parameters.
    mov edi, esp
    push dword 11111111h
    push dword 22222222h
    call G32 | 3:0
after_g32:
    ; RETF 8 released the parameters on both stacks and nulled DS and ES.
    SAY " ret:"
    sub edi, esp
    HEX edi, 4
    SAY " DS:"
    mov ax, ds
    HEX eax, 4
    SAY " ES:"
    mov ax, es
    HEX eax, 4
    SAY " FS:"
    mov ax, fs
    HEX eax, 4
    SAY " "
    mov ax, USS
    mov ds, ax
    ; CALL through a 16-bit call gate: word parameters, 16-bit frame.
    mov edi, esp
    push word 1111h
    push word 2222h
    call G16 | 3:0
after_g16:
    SAY " ret:"
    sub edi, esp
    HEX edi, 4
    SAY " "
    ; JMP through a call gate cannot change privilege: #GP(code selector) (vol. 2, JMP).
    TRY r4
    jmp G32 | 3:0
r4:
    ; A gate with DPL 0 < CPL: #GP(gate selector).
    TRY r5
    call JGATE | 3:0
r5:
    ; RET cannot return to an inner level: #GP(selector) (vol. 2, RET).
    TRY r6
    push dword KCODE32
    push dword r6
    retf
r6:
    add esp, 8
    ; Back to ring 0 for good.
    call XGATE | 3:0

; ---- ring-0 handlers ----

; INT 30h from ring 3: the stack is the ring-0 one from the TSS, with SS ESP EFLAGS CS
; EIP of ring 3 on it (figure 6-4).
int30_handler:
    SAY "I30 SS:"
    xor eax, eax
    mov ax, ss
    HEX eax, 4
    SAY " ESP:"
    mov ebx, esp
    HEX ebx, 8
    call dump_frame
    iretd

; #NP from ring 3: as above with an error code below EIP.
np_handler:
    SAY "NP:"
    HEX dword [esp + 12], 4
    add esp, 4
    call dump_frame
    mov dword [esp], np_resume
    iretd

; Prints the interrupt frame above the caller's return address: CS, EIP relative to the
; label after the INT (or at the fault), EFLAGS IOPL/IF/NT/VM bits, ESP, SS.
dump_frame:
    SAY " fr:"
    mov eax, [esp + 8]
    HEX eax, 4
    SAY ","
    mov eax, [esp + 4]
    cmp eax, after_int30
    je .known
    cmp eax, np_fault
    jne .unknown
.known:
    SAY "eip"
    jmp .flags
.unknown:
    HEX eax, 8
.flags:
    SAY ","
    mov eax, [esp + 12]
    and eax, 27200h
    HEX eax, 5
    SAY ","
    mov eax, [esp + 16]
    HEX eax, 8
    SAY ","
    mov eax, [esp + 20]
    HEX eax, 4
    SAY " "
    ret

; The 32-bit call gate target: the ring-0 stack holds the caller's SS, ESP, the two
; parameters, CS and EIP (figure 5-13).
g32_entry:
    WHERE "G32 CS:"
    SAY " fr:"
    mov eax, [esp + 4]
    HEX eax, 4
    SAY ","
    mov eax, [esp]
    sub eax, after_g32
    HEX eax, 4
    SAY ","
    HEX dword [esp + 12 + 8], 8
    SAY ","
    HEX dword [esp + 12 + 12], 8
    SAY ","
    HEX dword [esp + 12 + 16], 8
    SAY ","
    HEX dword [esp + 12 + 20], 4
    ; DPL 0 data in DS and ES: RETF to ring 3 nulls them.
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    retf 8

; The ring-0 target of the exit gate: prints where it runs, then JMPs through a gate.
kernel_again:
    WHERE " X CS:"
    jmp JGATE:0

jgate_target:
    SAY " J CS:"
    xor eax, eax
    mov ax, cs
    HEX eax, 4
    SAY " ESP:"
    mov ebx, esp
    HEX ebx, 8
    SAY " END"
    STOP

bits 16
; The 16-bit call gate target (in KCODE16): IP CS and the word parameters, SP SS.
g16_entry:
    SAY "G16 CS:"
    xor eax, eax
    mov ax, cs
    HEX eax, 4
    SAY " ESP:"
    mov ebx, esp
    HEX ebx, 8
    mov bp, sp
    SAY " fr:"
    mov ax, [bp + 2]
    HEX eax, 4
    SAY ","
    mov ax, [bp]
    sub ax, after_g16
    HEX eax, 4
    SAY ","
    mov ax, [bp + 4]
    HEX eax, 4
    SAY ","
    mov ax, [bp + 6]
    HEX eax, 4
    SAY ","
    mov ax, [bp + 8]
    HEX eax, 4
    SAY ","
    mov ax, [bp + 10]
    HEX eax, 4
    retf 4
bits 32

    PM_EXC_HANDLERS

align 8
tss:
    dd 0                 ; back link
    dd STACK0            ; ESP0
    dd KDATA             ; SS0
    times 68h - ($ - tss) db 0
tss_end:

align 8
gdt:
    STD_GDT
    DESC LOAD_BASE + (tss - $$), tss_end - tss - 1, ACC_TSS32, 0
    GATE KCODE32, g32_entry - $$, ACC_CALL32 | ACC_DPL3, 2
    GATE KCODE16, g16_entry - $$, ACC_CALL16 | ACC_DPL3, 2
    GATE KCODE32, jgate_target - $$, ACC_CALL32, 0
    GATE KCODE32, kernel_again - $$, ACC_CALL32 | ACC_DPL3, 0
    DESC LOAD_BASE, 0FFFFh, (ACC_DATA | ACC_DPL3) & 7Fh, 0
gdt_end:
gdtr: TABLE_PTR gdt, gdt_end

align 8
idt:
    PM_IDT_EXC
    IDT_AT idt, 30h
    GATE KCODE32, int30_handler - $$, ACC_INT32 | ACC_DPL3, 0
    GATE KCODE32, int30_handler - $$, ACC_INT32, 0
idt_end:
idtr: TABLE_PTR idt, idt_end
