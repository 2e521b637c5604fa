; Corner cases found by running test386 (32-bit ring 0), one token each.
; - POP SS: eSP advances with the StackAddrSize of the stack the value is read from,
;   i.e. the old SS, whatever the B bit of the newly loaded SS (SDM vol. 2, POP).
; - ARPL to memory writes only when it raises the RPL (SDM vol. 2, ARPL), so an
;   unchanged selector in a read-only segment does not fault; a changed one is #GP(0).
%include "pm.inc"
org 0

STK16 equ STD_GDT_END + 00h   ; 16-bit (B=0) writable data, base LOAD_BASE
RO    equ STD_GDT_END + 08h   ; read-only data, base LOAD_BASE
STACK0 equ 0F000h

start:
    ENTER_PM32 gdtr, idtr, STACK0
    SAY "PM "

    ; 16-bit SS, ESP = 2FFFCh: o32 POP SS of a 32-bit (B=1) selector reads SS:FFFC and
    ; moves only SP, which wraps to 0: ESP = 20000h, not 30000h.
    mov ax, STK16
    mov ss, ax
    mov esp, 2FFFCh
    mov dword [ss:0FFFCh], KDATA
    o32 pop ss
    mov ebx, esp
    HEX ebx, 8
    SAY " "

    ; 32-bit SS, ESP = 1FFFCh: o32 POP SS of a 16-bit selector moves all of ESP.
    mov esp, 1FFFCh
    mov dword [ss:1FFFCh], STK16
    o32 pop ss
    mov ebx, esp
    mov ax, KDATA
    mov ss, ax
    HEX ebx, 8
    SAY " "

    ; 16-bit SS: o16 POP SS moves SP by 2, keeping the upper half.
    mov ax, STK16
    mov ss, ax
    mov esp, 3FFFEh
    mov word [ss:0FFFEh], KDATA
    o16 pop ss
    mov ebx, esp
    mov ax, KDATA
    mov ss, ax
    mov esp, STACK0
    HEX ebx, 8
    SAY " "

    ; ARPL [mem] in a read-only segment: RPL 2 vs 2 leaves it, ZF=0, no write, no
    ; fault; RPL 2 vs 3 must write: #GP(0), and the selector stays.
    mov word [t_sel], 0FFF2h
    mov ax, RO
    mov es, ax
    mov bx, 2
    TRY a1
    arpl [es:t_sel], bx
    ZFLAG
a1:
    mov bx, 3
    TRY a2
    arpl [es:t_sel], bx
a2:
    HEX [t_sel], 4
    SAY " END"
    STOP

    PM_EXC_HANDLERS

t_sel: dw 0

align 8
gdt:
    STD_GDT
    DESC LOAD_BASE, 0FFFFFh, ACC_DATA, 0
    DESC LOAD_BASE, 0FFFFFh, ACC_DATA_RO, 0
gdt_end:
gdtr: TABLE_PTR gdt, gdt_end

align 8
idt:
    PM_IDT_EXC
idt_end:
idtr: TABLE_PTR idt, idt_end
