; The T flag of a 32-bit TSS (SDM vol. 3, 7.2.1; 17.3.1.5): a JMP to a task whose TSS
; has T set raises #DB once the switch is done, before the task's first instruction,
; with DR6.BT set; the frame's EIP is that first instruction and TR is the new task's.
; The handler returns into the task, which runs on. A TSS without T raises nothing.
%include "pm.inc"
org 0

TSS_MAIN equ STD_GDT_END + 00h
TSS_T    equ STD_GDT_END + 08h   ; T set
TSS_N    equ STD_GDT_END + 10h   ; T clear
STACK0   equ 0F000h

start:
    ENTER_PM32 gdtr, idtr, STACK0
    SAY "K "
    mov ax, TSS_MAIN
    ltr ax
    mov word [idt + 1 * 8], db_handler   ; our #DB handler, which prints the frame
    xor eax, eax
    mov dr6, eax
    jmp TSS_T:0
back_from_t:
    xor eax, eax
    mov dr6, eax
    jmp TSS_N:0
back_from_n:
    SAY "END"
    STOP

db_handler:                  ; [esp] EIP, [esp+4] CS, [esp+8] EFLAGS
    SAY "DB dr6:"
    mov eax, dr6
    shr eax, 12
    HEX eax, 1
    SAY " eip:"
    mov eax, [esp]
    HEX eax, 4
    SAY " tr:"
    str ax
    HEX eax, 4
    SAY " "
    iretd

task_t:
    SAY "T "
    jmp TSS_MAIN:0           ; back (TSS_MAIN was saved with EIP after its JMP)

task_n:
    SAY "N dr6:"
    mov eax, dr6
    shr eax, 12
    HEX eax, 1
    SAY " "
    jmp TSS_MAIN:0

PM_EXC_HANDLERS

align 8
gdt:
    STD_GDT
    DESC LOAD_BASE + (tss_main - $$), 67h, ACC_TSS32, 0
    DESC LOAD_BASE + (tss_t - $$), 67h, ACC_TSS32, 0
    DESC LOAD_BASE + (tss_n - $$), 67h, ACC_TSS32, 0
gdt_end:
gdtr: TABLE_PTR gdt, gdt_end

align 8
idt:
    PM_IDT_EXC
idt_end:
idtr: TABLE_PTR idt, idt_end

align 4
tss_main: TSS32 0, STACK0, 0, 0
tss_t:
    dd 0, 0, 0, 0, 0, 0, 0, 0
    dd task_t, 2, 0, 0, 0, 0, 0E000h, 0, 0, 0
    dd KDATA, KCODE32, KDATA, KDATA, KDATA, KDATA
    dd 0
    dw 1, 68h                 ; T set
tss_n: TSS32 task_n, 0D000h, 0, 0
