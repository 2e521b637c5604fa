; Hardware task switches through 32- and 16-bit TSSs, task gates in the GDT and the IDT,
; LTR/STR, LLDT/SLDT with a segment from the LDT, and LAR/LSL/VERR/VERW.
; SDM vol. 3, 7.2 (TSS, TSS descriptor and busy flag, task register, task gates), 7.3
; (task switching: table 7-2 for busy, NT and the back link), 7.4 (task linking), 2.5
; (CR0.TS set on every task switch), 3.5.1 (LDT), 6.12.2 (interrupt tasks, the error
; code on the new task's stack); vol. 2, LAR LSL VERR VERW LTR LLDT STR SLDT.
%include "pm.inc"
org 0

TSS_MAIN equ STD_GDT_END + 00h
TSS_A    equ STD_GDT_END + 08h   ; 32-bit task
TSS_B    equ STD_GDT_END + 10h   ; 16-bit task
TGATE_A  equ STD_GDT_END + 18h   ; task gate to TSS_A
LDT_SEL  equ STD_GDT_END + 20h
TSS_C    equ STD_GDT_END + 28h   ; the INT 40h task
TSS_D    equ STD_GDT_END + 30h   ; the #NP task
NP_DATA  equ STD_GDT_END + 38h
CGATE    equ STD_GDT_END + 40h   ; a call gate (for LAR/LSL)
XO_CODE  equ STD_GDT_END + 48h
LDT_DATA equ 04h                 ; LDT entry 0, TI=1, RPL 0

; Prints the access byte (P DPL S type: busy is bit 1) of the GDT descriptor %1.
%macro ACCESS 1
    movzx eax, byte [gdt + (%1) + 5]
    HEX eax, 2
%endmacro

start:
    ENTER_PM32 gdtr, idtr, 0F000h
    SAY "K "
    ; IDT 11 (#NP): a task gate to TSS_D (6.12.2).
    mov dword [idt + 11 * 8], TSS_D << 16
    mov dword [idt + 11 * 8 + 4], ACC_TASK << 8
    ; LTR marks the TSS busy; STR reads the selector back.
    mov ax, TSS_MAIN
    ltr ax
    xor eax, eax
    str ax
    SAY "TR:"
    HEX eax, 4
    SAY " "
    ACCESS TSS_MAIN
    ; LTR of a busy TSS: #GP(selector).
    SAY " "
    TRY res1
    mov ax, TSS_MAIN
    ltr ax
res1:
    ; The LDT: LLDT, SLDT, and a data segment from it (TI=1) with its own limit.
    mov ax, LDT_SEL
    lldt ax
    xor eax, eax
    sldt ax
    SAY "LDT:"
    HEX eax, 4
    mov ax, LDT_DATA
    mov es, ax
    SAY " "
    HEX dword [es:0], 8
    SAY " "
    TRY res2
    mov al, [es:10h]
res2:
    ; LAR: access rights (bytes 5-6 of the descriptor, masked 00FxFF00h), ZF=1; for a
    ; selector beyond the table or null, ZF=0 and the destination is unchanged.
    SAY "LAR:"
%macro LAR_TEST 1
    mov eax, 0FFFFFFFFh
    mov bx, %1
    lar eax, bx
    ZFLAG
    HEX eax, 8
    SAY " "
%endmacro
    LAR_TEST KCODE32
    LAR_TEST TSS_MAIN
    LAR_TEST TGATE_A
    LAR_TEST CGATE
    LAR_TEST 1F8h
    LAR_TEST 0
    ; LSL: the byte-granular limit; gates have none (ZF=0).
    SAY "LSL:"
%macro LSL_TEST 1
    mov eax, 0FFFFFFFFh
    mov bx, %1
    lsl eax, bx
    ZFLAG
    HEX eax, 8
    SAY " "
%endmacro
    LSL_TEST KDATA
    LSL_TEST FLAT
    LSL_TEST TSS_MAIN
    LSL_TEST CGATE
    ; VERR/VERW: readable / writable at this CPL and RPL.
    SAY "VER:"
%macro VER_TEST 2
    mov bx, %2
    %1 bx
    ZFLAG
%endmacro
    VER_TEST verr, KCODE32
    VER_TEST verw, KCODE32
    VER_TEST verw, KDATA
    VER_TEST verr, XO_CODE
    VER_TEST verr, LDT_SEL
    VER_TEST verw, LDT_DATA
    VER_TEST verr, KDATA | 3
    VER_TEST verr, UDATA | 3
    VER_TEST verw, 0
    SAY " "

    ; JMP to a TSS: the old task's busy bit is cleared, the new one's set; no link, no NT.
    ; Registers come back from TSS_MAIN when task A jumps back.
    mov ebx, 12345678h
    SAY "jmp "
    jmp TSS_A:0
    SAY "M1 "
    HEX ebx, 8
    SAY " "
    xor eax, eax
    str ax
    HEX eax, 4
    SAY " "
    ACCESS TSS_MAIN
    SAY " "
    ACCESS TSS_A
    SAY " "
    ; A JMP to the current (busy) task: #GP(selector).
    TRY res3
    jmp TSS_MAIN:0
res3:
    ; CALL through a task gate: link written, NT set in the new task, the caller stays
    ; busy; its IRET returns here and clears the callee's busy bit.
    clts
    SAY "call "
    call TGATE_A:0
    SAY "M2 "
    pushfd
    pop eax
    and eax, 4000h
    HEX eax, 4
    SAY " "
    ACCESS TSS_MAIN
    SAY " "
    ACCESS TSS_A
    SAY " "
    ; CALL to a 16-bit TSS.
    call TSS_B:0
    SAY "M3 "
    ACCESS TSS_B
    SAY " "
    ; INT 40h through a task gate in the IDT.
    int 40h
    SAY "M4 "
    ACCESS TSS_C
    SAY " "
    ; #NP through a task gate: the error code goes on task D's stack.
    mov ax, NP_DATA
    mov ds, ax
    SAY "FAIL"
    STOP

; ---- task A (32-bit) ----
task_a:
    SAY "A "
    HEX eax, 8
    SAY " "
    xor eax, eax
    str ax
    HEX eax, 4
    SAY " "
    sldt ax
    HEX eax, 4
    SAY " "
    ACCESS TSS_MAIN
    SAY " "
    ACCESS TSS_A
    SAY " NT:"
    pushfd
    pop eax
    and eax, 4000h
    HEX eax, 4
    SAY " TS:"
    mov eax, cr0
    and eax, CR0_TS_BIT
    HEX eax, 1
    SAY " link:"
    movzx eax, word [tss_a]
    HEX eax, 4
    SAY " "
    jmp TSS_MAIN:0
    ; Resumed by the CALL through the task gate.
    SAY "A2 NT:"
    pushfd
    pop eax
    and eax, 4000h
    HEX eax, 4
    SAY " link:"
    movzx eax, word [tss_a]
    HEX eax, 4
    SAY " "
    ACCESS TSS_MAIN
    SAY " "
    ACCESS TSS_A
    SAY " TS:"
    mov eax, cr0
    and eax, CR0_TS_BIT
    HEX eax, 1
    SAY " "
    iretd
    SAY "FAIL"
    STOP

; ---- task C (INT 40h) ----
task_c:
    SAY "C "
    xor eax, eax
    str ax
    HEX eax, 4
    SAY " link:"
    movzx eax, word [tss_c]
    HEX eax, 4
    SAY " NT:"
    pushfd
    pop eax
    and eax, 4000h
    HEX eax, 4
    SAY " "
    iretd
    SAY "FAIL"
    STOP

; ---- task D (#NP with an error code) ----
task_d:
    SAY "D "
    pop eax
    HEX eax, 4
    SAY " "
    mov ebx, esp
    HEX ebx, 8
    SAY " "
    xor eax, eax
    str ax
    HEX eax, 4
    SAY " link:"
    movzx eax, word [tss_d]
    HEX eax, 4
    SAY " END"
    STOP

; ---- task B (16-bit) ----
bits 16
task_b:
    SAY "B "
    HEX eax, 4
    SAY " "
    str ax
    HEX eax, 4
    SAY " NT:"
    pushf
    pop ax
    and ax, 4000h
    HEX eax, 4
    SAY " link:"
    mov ax, [tss_b]
    HEX eax, 4
    SAY " "
    ACCESS TSS_B
    SAY " "
    iret
bits 32

CR0_TS_BIT equ 8

    PM_EXC_HANDLERS

align 8
tss_main: TSS32 0, 0, 0, LDT_SEL   ; the LDT field is never written by a switch
tss_a:    TSS32 task_a, 0E000h, 0A0A0A0A0h, LDT_SEL
tss_c:    TSS32 task_c, 0D000h, 0, 0
tss_d:    TSS32 task_d, 0C800h, 0, 0
tss_b:    TSS16 task_b, 0D800h, 0B0B0h

align 8
ldt:
    DESC LOAD_BASE + (ldt_data - $$), 0Fh, ACC_DATA, 0
ldt_end:
ldt_data: db "LDT!"
    times 12 db 0

align 8
gdt:
    STD_GDT
    DESC LOAD_BASE + (tss_main - $$), 67h, ACC_TSS32, 0
    DESC LOAD_BASE + (tss_a - $$), 67h, ACC_TSS32, 0
    DESC LOAD_BASE + (tss_b - $$), 2Bh, ACC_TSS16, 0
    GATE TSS_A, 0, ACC_TASK, 0
    DESC LOAD_BASE + (ldt - $$), ldt_end - ldt - 1, ACC_LDT, 0
    DESC LOAD_BASE + (tss_c - $$), 67h, ACC_TSS32, 0
    DESC LOAD_BASE + (tss_d - $$), 67h, ACC_TSS32, 0
    DESC LOAD_BASE, 0FFFFh, ACC_DATA & 7Fh, 0
    GATE KCODE32, task_a - $$, ACC_CALL32, 0
    DESC LOAD_BASE, 0FFFFh, ACC_CODE_XO, FL_DB
gdt_end:
gdtr: TABLE_PTR gdt, gdt_end

align 8
idt:
    PM_IDT_EXC
    IDT_AT idt, 40h
    GATE TSS_C, 0, ACC_TASK, 0
idt_end:
idtr: TABLE_PTR idt, idt_end
