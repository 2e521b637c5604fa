; console.asm: the BIOS's own messages (banner, memory, boot attempts). They go through
; INT 10h's teletype, which also copies them to COM1 when the machine asked for it
; (CMOS 5Fh bit 0, -nographic: see video.asm, tty_mirror).

; Prints the zero-terminated string at CS:SI.
print_message:
    push ax
    push bx
    push si
.next:
    mov al, [cs:si]
    inc si
    test al, al
    jz .done
    mov ah, 0Eh
    mov bx, 0007h
    int 10h
    jmp short .next
.done:
    pop si
    pop bx
    pop ax
    ret

; Prints DX:AX in decimal.
print_decimal32:
    push ax
    push bx
    push cx
    push dx
    push si
    xor cx, cx
    mov bx, 10
.divide:
    ; DX:AX / 10 in two steps, each quotient fitting 16 bits
    mov si, ax
    mov ax, dx
    xor dx, dx
    div bx
    push ax                         ; the high quotient
    mov ax, si
    div bx                          ; DX = remainder, AX = the low quotient
    mov si, dx
    pop dx
    push si                         ; a digit
    inc cx
    mov si, ax
    or si, dx
    jnz .divide
.print:
    pop ax
    add al, '0'
    mov ah, 0Eh
    mov bx, 0007h
    int 10h
    loop .print
    pop si
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; Prints AX in decimal.
print_decimal:
    push dx
    xor dx, dx
    call print_decimal32
    pop dx
    ret

; DX:AX = KiB of memory above 1 MiB, from the CMOS: the 1-16 MiB count (30h/31h) and
; the 64 KiB blocks above 16 MiB (34h/35h).
extended_memory_kib:
    push bx
    push cx
    mov al, CMOS_HIGH_64K
    call cmos_read_word
    mov bx, ax
    mov al, CMOS_EXT_KIB2
    call cmos_read_word
    test bx, bx
    jz .below_16m
    mov ax, bx
    mov cx, 64
    mul cx
    add ax, 15 * 1024
    adc dx, 0
    pop cx
    pop bx
    ret
.below_16m:
    xor dx, dx
    pop cx
    pop bx
    ret

; "vx86 BIOS 0.3", the CPU, then the memory: base KiB (free KiB), extended KiB.
post_banner:
    mov si, msg_banner
    call print_message
    push es
    mov ax, BDA_SEG
    mov es, ax
    mov es, [es:BDA_EBDA_SEG]
    mov bl, [es:EBDA_CPU]
    pop es
    xor bh, bh
    shl bx, 1
    mov si, [cs:cpu_names + bx]
    call print_message
    mov si, msg_memory
    call print_message
    mov ax, BDA_SEG
    mov ds, ax
    mov ax, [BDA_MEMORY_KIB]
    add ax, EBDA_KIB
    call print_decimal
    mov si, msg_kib_base
    call print_message
    call extended_memory_kib
    call print_decimal32
    mov si, msg_kib_extended
    call print_message
    ret

cpu_names: dw msg_cpu_8086, msg_cpu_186, msg_cpu_286, msg_cpu_386
msg_banner: db "vx86 BIOS ", BIOS_VERSION, " (", BIOS_DATE, ")", 13, 10, "CPU: ", 0
msg_cpu_8086: db "8086", 0
msg_cpu_186: db "80186", 0
msg_cpu_286: db "80286", 0
msg_cpu_386: db "80386 or later", 0
msg_memory: db 13, 10, "Memory: ", 0
msg_kib_base: db " KiB base, ", 0
msg_kib_extended: db " KiB extended", 13, 10, 0
msg_cmos_checksum: db "CMOS checksum error: the settings may be wrong", 13, 10, 0
