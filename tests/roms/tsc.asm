; The time-stamp counter under -icount (SDM vol. 3, 17.17; vol. 2, RDTSC): it counts guest
; time, which -icount makes instructions x 2^shift ns, so two reads a fixed number of
; instructions apart differ by exactly that time, every run the same, and a later read
; is never smaller. With the default shift 3 (8 ns an instruction) and 1004 instructions
; from the first RDTSC to the second (itself, two MOVs, the MOV of the count and 1000
; LOOPs), the difference is 1004 x 8 = 8032 = 1F60h. Then WRMSR sets the counter, and the
; next read continues from the value written. Prints the figures and "tsc done".
%include "rom.inc"
cpu P6

ROM_START
    rdtsc
    mov esi, eax
    mov edi, edx
    mov ecx, 1000
.spin:
    a32 loop .spin
    rdtsc
    sub eax, esi
    sbb edx, edi
    push si
    mov si, msg_delta
    call print
    pop si
    call print_hex32
    call newline
    test edx, edx             ; the upper half of a positive difference is 0
    jnz .bad
    ; WRMSR 10h = 1:00000000h; the next RDTSC (two instructions later) reads just past it.
    mov ecx, 10h
    mov edx, 1
    xor eax, eax
    wrmsr
    rdtsc
    mov si, msg_after
    call print
    xchg eax, edx
    call print_hex32
    xchg eax, edx
    call print_hex32
    call newline
    mov si, msg_done
    call print
    STOP
.bad:
    mov si, msg_bad
    call print
    STOP

; Prints EAX as eight hex digits.
print_hex32:
    ror eax, 16
    call print_hex16
    ror eax, 16
    call print_hex16
    ret

msg_delta: db "tsc delta ", 0
msg_after: db "tsc after wrmsr ", 0
msg_bad: db "tsc went backwards", 10, 0
msg_done: db "tsc done", 10, 0

ROM_LIBRARY
ROM_END
