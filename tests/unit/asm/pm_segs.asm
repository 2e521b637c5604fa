; Segment register loads and memory accesses that fault, with their vectors and error
; codes, in 32-bit ring 0. Each step prints "#VV:EEEE " for the fault it takes (see
; pm.inc) or a token for an access that must succeed.
; SDM vol. 3, 5.3 (limit checking, expand-down segments), 5.4.1 (null selectors), 5.5
; and 5.6 (privilege and type checks), 6.15 (#NP, #SS, #GP error codes); vol. 2, MOV
; (protected-mode exceptions).
%include "pm.inc"
org 0

NP_DATA  equ STD_GDT_END + 00h   ; writable data, not present
RO_DATA  equ STD_GDT_END + 08h   ; read-only data
SMALL    equ STD_GDT_END + 10h   ; data, limit FFFh
ED16     equ STD_GDT_END + 18h   ; expand-down, limit FFFh, B=0: offsets 1000h-FFFFh
ED32     equ STD_GDT_END + 20h   ; expand-down, limit FFFh, B=1: offsets 1000h-FFFFFFFFh
XO_CODE  equ STD_GDT_END + 28h   ; execute-only code
U_DATA3  equ UDATA               ; DPL 3 data
STACK0   equ 0F000h

start:
    ENTER_PM32 gdtr, idtr, STACK0
    SAY "PM "

    ; Null selector into SS: #GP(0) (vol. 2, MOV: "If attempt is made to load SS
    ; register with NULL segment selector").
    TRY t1
    xor ax, ax
    mov ss, ax
t1:
    ; Null selector into DS is allowed; using it is #GP(0) (5.4.1).
    xor ax, ax
    mov ds, ax
    SAY "N "
    TRY t2
    mov eax, [ds:0]
t2:
    mov ax, KDATA
    mov ds, ax
    ; A selector beyond the GDT limit: #GP(selector) (vol. 2, MOV: "segment selector
    ; index is outside descriptor table limits").
    TRY t3
    mov ax, 1F8h
    mov ds, ax
t3:
    ; The same with RPL and TI bits: the error code keeps TI, drops RPL.
    TRY t3b
    mov ax, 1FFh
    mov es, ax
t3b:
    ; A not-present data segment: #NP(selector).
    TRY t4
    mov ax, NP_DATA
    mov ds, ax
t4:
    ; A not-present segment into SS: #SS(selector).
    TRY t5
    mov ax, NP_DATA
    mov ss, ax
t5:
    ; SS must be writable data: read-only data is #GP(selector).
    TRY t5b
    mov ax, RO_DATA
    mov ss, ax
t5b:
    ; SS must have DPL = CPL: #GP(selector).
    TRY t5c
    mov ax, U_DATA3 | 3
    mov ss, ax
t5c:
    ; Read-only data: reading works, writing is #GP(0) (5.5, type checking).
    mov ax, RO_DATA
    mov es, ax
    mov eax, [es:t_ro_value]
    cmp eax, 5A5A5A5Ah
    jne fail
    SAY "R "
    TRY t6
    mov dword [es:t_ro_value], 0
t6:
    ; Writing through CS: #GP(0).
    TRY t7
    mov byte [cs:t_ro_value], 0
t7:
    ; Execute-only code into DS: #GP(selector); readable code is allowed, reads work and
    ; writes are #GP(0).
    TRY t8
    mov ax, XO_CODE
    mov ds, ax
t8:
    mov ax, KCODE32
    mov es, ax
    mov eax, [es:t_ro_value]
    cmp eax, 5A5A5A5Ah
    jne fail
    SAY "C "
    TRY t9
    mov [es:t_ro_value], eax
t9:
    ; Limit FFFh: a dword at FFCh is inside, one at FFDh is #GP(0) (5.3).
    mov ax, SMALL
    mov es, ax
    mov eax, [es:0FFCh]
    SAY "L "
    TRY t10
    mov eax, [es:0FFDh]
t10:
    ; Through SS beyond its limit FFFFFh: #SS(0).
    TRY t11
    mov eax, [esp + 200000h]
t11:
    TRY t11b
    mov eax, [ss:100000h]
t11b:
    ; Expand-down, B=0: offsets FFFh and below are out (#GP(0)), 1000h-FFFFh in, and a
    ; word at FFFFh crosses the 64 KiB upper bound (#GP(0)).
    mov ax, ED16
    mov es, ax
    TRY t12
    mov al, [es:0FFFh]
t12:
    mov al, [es:1000h]
    mov al, [es:0FFFFh]
    SAY "E "
    TRY t13
    mov ax, [es:0FFFFh]
t13:
    ; Expand-down, B=1: the upper bound is FFFFFFFFh, so the same word is fine; 0 is not.
    mov ax, ED32
    mov es, ax
    mov ax, [es:0FFFFh]
    mov eax, [es:10000h]
    SAY "B "
    TRY t14
    mov al, [es:0]
t14:
    ; Data segment with DPL 0 and a selector with RPL 3: #GP(selector) (5.6).
    TRY t15
    mov ax, KDATA | 3
    mov ds, ax
t15:
    ; A system descriptor (the LDT-typed one below is not a data segment): #GP(sel).
    TRY t16
    mov ax, LDT_DESC
    mov fs, ax
t16:
    ; The faulting loads left the registers as they were.
    mov ax, ds
    cmp ax, KDATA
    jne fail
    mov ax, ss
    cmp ax, KDATA
    jne fail
    SAY "END"
    STOP
fail:
    SAY "FAIL"
    STOP

    PM_EXC_HANDLERS

t_ro_value: dd 5A5A5A5Ah

align 8
gdt:
    STD_GDT
    DESC LOAD_BASE, 0FFFFh, ACC_DATA & 7Fh, 0
    DESC LOAD_BASE, 0FFFFh, ACC_DATA_RO, 0
    DESC LOAD_BASE, 0FFFh, ACC_DATA, 0
    DESC LOAD_BASE, 0FFFh, ACC_DATA_ED, 0
    DESC LOAD_BASE, 0FFFh, ACC_DATA_ED, FL_DB
    DESC LOAD_BASE, 0FFFFh, ACC_CODE_XO, FL_DB
LDT_DESC equ $ - gdt
    DESC LOAD_BASE, 0FFh, ACC_LDT, 0
gdt_end:
gdtr: TABLE_PTR gdt, gdt_end

align 8
idt:
    PM_IDT_EXC
idt_end:
idtr: TABLE_PTR idt, idt_end
