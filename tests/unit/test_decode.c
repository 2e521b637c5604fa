/* The instruction decoder (core/decode.c, table in core/opcodes.c).
 *
 * Table-driven: instruction bytes -> length, operand size, address size, segment of the
 * memory operand, effective address, immediates. Cases that fault (#UD, the length
 * limits) are run with cpu_run() and checked through the real-mode interrupt vector
 * table: the exception's vector and the return address it pushed.
 *
 * References: Intel SDM vol. 2, chapter 2 (2.1.1 prefixes, 2.1.5 and tables 2-1, 2-2,
 * 2-3 for ModR/M and SIB, 2.1.2 opcodes, 2.1.6 immediates) and appendix A (opcode map);
 * vol. 1, 3.7.4 and table 3-5 (default segments: BP/ESP/EBP-based addresses use SS);
 * vol. 3, 6.15 "Interrupt 13" (an instruction longer than 15 bytes raises #GP(0)); the
 * 80286 limit of 10 bytes and the 8086 aliases are from the hardware-captured vectors and
 * the 8086/80186 data sheets, as noted at each case. */
#include <check.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "cpu_internal.h"
#include "harness.h"

static struct tvm tv;

#define CODE_SEG 0x1000u
#define CODE_PHYS 0x10000u
#define STACK_SEG 0x3000u
#define STACK_TOP 0x1000u
#define HANDLER_SEG 0x2000u /* handler for vector v at 2000:(v * 16): HLT */

/* Register values for effective-address checks: every register distinct, EBX with a
 * bit above 16 so that 16-bit addressing must drop it. */
static const uint32_t ea_regs[8] = { 0x1, 0x20, 0x300, 0x14000, 0x5000, 0x800, 0x60, 0x700 };
/* ESP is then set to the top of the stack, 1000h. */

static bool tv_live;

static void setup_machine(enum cpu_level level, bool code32)
{
    if (tv_live)
        tvm_free(&tv);
    tvm_init(&tv, level, 1u << 20);
    tv_live = true;
    struct cpu *c = &tv.cpu;
    for (unsigned v = 0; v < 32; v++) {
        uint8_t vec[4] = { (uint8_t)(v * 16), 0, (uint8_t)HANDLER_SEG, (uint8_t)(HANDLER_SEG >> 8) };
        uint8_t hlt = 0xF4;
        tvm_poke(&tv, v * 4, vec, 4);
        tvm_poke(&tv, HANDLER_SEG * 16 + v * 16, &hlt, 1);
    }
    if (code32) {
        /* The decoder looks only at CS's D bit; a 32-bit code segment at 10000h. */
        cpu_set_cr0(c, CR0_PE);
        cpu_set_segment(c, SEG_CS, 0x08, CODE_PHYS, 0xFFFFF, 0x409B);
    } else {
        tvm_start_real(&tv, CODE_SEG, 0);
    }
    c->eip = 0;
    cpu_load_real_segment(c, SEG_SS, STACK_SEG);
    memcpy(c->regs, ea_regs, sizeof ea_regs);
    c->regs[REG_ESP] = STACK_TOP;
}

static void teardown_machine(void)
{
    if (tv_live)
        tvm_free(&tv);
    tv_live = false;
}

/* Decodes the bytes at CS:0; a fault here fails the test. */
static void decode_at_start(struct insn *in)
{
    struct cpu *c = &tv.cpu;
    jmp_buf here;
    c->fault_jmp = &here;
    if (setjmp(here)) {
        c->fault_jmp = NULL;
        ck_abort_msg("decoding faulted with vector %d", c->last_vector);
    }
    memset(in, 0, sizeof *in);
    cpu_decode(c, in);
    c->fault_jmp = NULL;
}

/* ---- the table ---- */

#define NOEA (-1)
#define NOCHK (-1)

struct dcase {
    const char *name;
    uint8_t level;      /* enum cpu_level */
    uint8_t code32;     /* 32-bit code segment */
    uint8_t bytes[16];
    uint8_t len, size, addr32;
    uint16_t opcode;    /* one-byte opcode, or 0x100 | second byte */
    int8_t seg;         /* memory operand's segment, NOCHK if none */
    int64_t ea;         /* effective address (offset), NOEA if no memory operand */
    int64_t imm, imm2;  /* NOCHK: not checked */
    int rep;            /* -1: not checked */
};

#define L86 CPU_8086
#define L186 CPU_186
#define L286 CPU_286
#define L386 CPU_386
#define B(...) { __VA_ARGS__ }
/* name, level, code32, bytes, len, size, addr32, opcode, seg, ea, imm, imm2 */
#define C(n_, l_, c32_, b_, len_, sz_, a32_, op_, seg_, ea_, imm_, imm2_) \
    { n_, l_, c32_, b_, len_, sz_, a32_, op_, seg_, ea_, imm_, imm2_, -1 }
#define CR(n_, l_, b_, len_, sz_, op_, seg_, rep_) \
    { n_, l_, 0, b_, len_, sz_, 0, op_, seg_, NOEA, NOCHK, NOCHK, rep_ }

static const struct dcase cases[] = {
    /* 16-bit ModR/M (SDM vol. 2, table 2-1); BP-based forms use SS (vol. 1, table 3-5). */
    C("mov ax,[bx+si]", L386, 0, B(0x8B, 0x00), 2, 2, 0, 0x8B, SEG_DS, 0x4060, NOCHK, NOCHK),
    C("mov ax,[bx+di]", L386, 0, B(0x8B, 0x01), 2, 2, 0, 0x8B, SEG_DS, 0x4700, NOCHK, NOCHK),
    C("mov ax,[bp+si]", L386, 0, B(0x8B, 0x02), 2, 2, 0, 0x8B, SEG_SS, 0x0860, NOCHK, NOCHK),
    C("mov ax,[bp+di]", L386, 0, B(0x8B, 0x03), 2, 2, 0, 0x8B, SEG_SS, 0x0F00, NOCHK, NOCHK),
    C("mov ax,[si]", L386, 0, B(0x8B, 0x04), 2, 2, 0, 0x8B, SEG_DS, 0x0060, NOCHK, NOCHK),
    C("mov ax,[di]", L386, 0, B(0x8B, 0x05), 2, 2, 0, 0x8B, SEG_DS, 0x0700, NOCHK, NOCHK),
    C("mov ax,[1234h]", L386, 0, B(0x8B, 0x06, 0x34, 0x12), 4, 2, 0, 0x8B, SEG_DS, 0x1234, NOCHK, NOCHK),
    C("mov ax,[bx]", L386, 0, B(0x8B, 0x07), 2, 2, 0, 0x8B, SEG_DS, 0x4000, NOCHK, NOCHK),
    C("mov ax,[bp-2]", L386, 0, B(0x8B, 0x46, 0xFE), 3, 2, 0, 0x8B, SEG_SS, 0x07FE, NOCHK, NOCHK),
    C("mov ax,[bx-10h]", L386, 0, B(0x8B, 0x47, 0xF0), 3, 2, 0, 0x8B, SEG_DS, 0x3FF0, NOCHK, NOCHK),
    C("mov ax,[bx+0C000h] wraps", L386, 0, B(0x8B, 0x87, 0x00, 0xC0), 4, 2, 0, 0x8B, SEG_DS, 0x0000, NOCHK, NOCHK),
    C("mov ax,[bp+1234h]", L386, 0, B(0x8B, 0x86, 0x34, 0x12), 4, 2, 0, 0x8B, SEG_SS, 0x1A34, NOCHK, NOCHK),
    C("mov al,bl", L386, 0, B(0x8A, 0xC3), 2, 1, 0, 0x8A, NOCHK, NOEA, NOCHK, NOCHK),
    C("8086 mov ax,[bp-2]", L86, 0, B(0x8B, 0x46, 0xFE), 3, 2, 0, 0x8B, SEG_SS, 0x07FE, NOCHK, NOCHK),
    C("286 mov ax,[bp+di+1]", L286, 0, B(0x8B, 0x43, 0x01), 3, 2, 0, 0x8B, SEG_SS, 0x0F01, NOCHK, NOCHK),

    /* Segment overrides (vol. 2, 2.1.1): an override beats the SS default; the last of
     * several segment prefixes is the one that counts. */
    C("es: [bp+0]", L386, 0, B(0x26, 0x8B, 0x46, 0x00), 4, 2, 0, 0x8B, SEG_ES, 0x0800, NOCHK, NOCHK),
    C("ds: [bp+0]", L386, 0, B(0x3E, 0x8B, 0x46, 0x00), 4, 2, 0, 0x8B, SEG_DS, 0x0800, NOCHK, NOCHK),
    C("cs: [bx]", L86, 0, B(0x2E, 0x8B, 0x07), 3, 2, 0, 0x8B, SEG_CS, 0x4000, NOCHK, NOCHK),
    C("es: cs: ss: [bx]", L386, 0, B(0x26, 0x2E, 0x36, 0x8B, 0x07), 5, 2, 0, 0x8B, SEG_SS, 0x4000, NOCHK, NOCHK),
    C("ss: es: [bp+si]", L286, 0, B(0x36, 0x26, 0x8B, 0x02), 4, 2, 0, 0x8B, SEG_ES, 0x0860, NOCHK, NOCHK),
    C("fs: [bx]", L386, 0, B(0x64, 0x8B, 0x07), 3, 2, 0, 0x8B, SEG_FS, 0x4000, NOCHK, NOCHK),
    C("gs: [bp+si]", L386, 0, B(0x65, 0x8B, 0x02), 3, 2, 0, 0x8B, SEG_GS, 0x0860, NOCHK, NOCHK),

    /* 32-bit addressing in 16-bit code with 67h (tables 2-2 and 2-3). */
    C("a32 [eax]", L386, 0, B(0x67, 0x8B, 0x00), 3, 2, 1, 0x8B, SEG_DS, 0x1, NOCHK, NOCHK),
    C("a32 [esp]", L386, 0, B(0x67, 0x8B, 0x04, 0x24), 4, 2, 1, 0x8B, SEG_SS, 0x1000, NOCHK, NOCHK),
    C("a32 [ebp+8]", L386, 0, B(0x67, 0x8B, 0x45, 0x08), 4, 2, 1, 0x8B, SEG_SS, 0x808, NOCHK, NOCHK),
    C("a32 [disp32]", L386, 0, B(0x67, 0x8B, 0x05, 0x78, 0x56, 0x34, 0x12), 7, 2, 1, 0x8B, SEG_DS, 0x12345678,
      NOCHK, NOCHK),
    C("a32 [eax+ecx*4]", L386, 0, B(0x67, 0x8B, 0x04, 0x88), 4, 2, 1, 0x8B, SEG_DS, 0x81, NOCHK, NOCHK),
    C("a32 [ecx*4+100h] (no base)", L386, 0, B(0x67, 0x8B, 0x04, 0x8D, 0x00, 0x01, 0x00, 0x00), 8, 2, 1, 0x8B,
      SEG_DS, 0x180, NOCHK, NOCHK),
    C("a32 [ebp+ebp*4+10h]", L386, 0, B(0x67, 0x8B, 0x44, 0xAD, 0x10), 5, 2, 1, 0x8B, SEG_SS, 0x2810, NOCHK, NOCHK),
    C("a32 [disp32] via SIB", L386, 0, B(0x67, 0x8B, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00), 8, 2, 1, 0x8B, SEG_DS,
      0x1000, NOCHK, NOCHK),
    C("a32 [eax+ebp*2]: index EBP is DS", L386, 0, B(0x67, 0x8B, 0x04, 0x68), 4, 2, 1, 0x8B, SEG_DS, 0x1001, NOCHK,
      NOCHK),
    C("a32 [esp+100h]", L386, 0, B(0x67, 0x8B, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00), 8, 2, 1, 0x8B, SEG_SS, 0x1100,
      NOCHK, NOCHK),
    C("a32 [ebx-1] no 16-bit wrap", L386, 0, B(0x67, 0x8B, 0x5B, 0xFF), 4, 2, 1, 0x8B, SEG_DS, 0x13FFF, NOCHK, NOCHK),
    C("a32 [esi+edi*8-4]", L386, 0, B(0x67, 0x8B, 0x44, 0xFE, 0xFC), 5, 2, 1, 0x8B, SEG_DS, 0x60 + 0x3800 - 4, NOCHK,
      NOCHK),

    /* 32-bit code: 32-bit operands and addresses by default; 66h and 67h select 16. */
    C("c32 mov eax,[eax]", L386, 1, B(0x8B, 0x00), 2, 4, 1, 0x8B, SEG_DS, 0x1, NOCHK, NOCHK),
    C("c32 [esp]", L386, 1, B(0x8B, 0x04, 0x24), 3, 4, 1, 0x8B, SEG_SS, 0x1000, NOCHK, NOCHK),
    C("c32 [ebp+0]", L386, 1, B(0x8B, 0x45, 0x00), 3, 4, 1, 0x8B, SEG_SS, 0x800, NOCHK, NOCHK),
    C("c32 [disp32]", L386, 1, B(0x8B, 0x05, 0x44, 0x33, 0x22, 0x11), 6, 4, 1, 0x8B, SEG_DS, 0x11223344, NOCHK,
      NOCHK),
    C("c32 a16 [bp-2]", L386, 1, B(0x67, 0x8B, 0x46, 0xFE), 4, 4, 0, 0x8B, SEG_SS, 0x7FE, NOCHK, NOCHK),
    C("c32 o16 mov ax,[eax]", L386, 1, B(0x66, 0x8B, 0x00), 3, 2, 1, 0x8B, SEG_DS, 0x1, NOCHK, NOCHK),
    C("c32 mov eax,imm32", L386, 1, B(0xB8, 0x78, 0x56, 0x34, 0x12), 5, 4, 1, 0xB8, NOCHK, NOEA, 0x12345678, NOCHK),
    C("c32 o16 mov ax,imm16", L386, 1, B(0x66, 0xB8, 0x34, 0x12), 4, 2, 1, 0xB8, NOCHK, NOEA, 0x1234, NOCHK),
    C("c32 66 66: still 16-bit", L386, 1, B(0x66, 0x66, 0xB8, 0x34, 0x12), 5, 2, 1, 0xB8, NOCHK, NOEA, 0x1234, NOCHK),
    C("c32 jz rel32", L386, 1, B(0x0F, 0x84, 0x78, 0x56, 0x34, 0x12), 6, 4, 1, 0x184, NOCHK, NOEA, 0x12345678, NOCHK),
    C("c32 moffs32", L386, 1, B(0xA1, 0x78, 0x56, 0x34, 0x12), 5, 4, 1, 0xA1, SEG_DS, 0x12345678, NOCHK, NOCHK),
    C("c32 a16 moffs16", L386, 1, B(0x67, 0xA1, 0x34, 0x12), 4, 4, 0, 0xA1, SEG_DS, 0x1234, NOCHK, NOCHK),
    C("c32 o16 moffs32", L386, 1, B(0x66, 0xA1, 0x78, 0x56, 0x34, 0x12), 6, 2, 1, 0xA1, SEG_DS, 0x12345678, NOCHK,
      NOCHK),
    C("c32 jmp far ptr16:32", L386, 1, B(0xEA, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00), 7, 4, 1, 0xEA, NOCHK, NOEA,
      0x12345678, 0x0008),
    C("c32 o16 jmp far ptr16:16", L386, 1, B(0x66, 0xEA, 0x34, 0x12, 0x08, 0x00), 6, 2, 1, 0xEA, NOCHK, NOEA, 0x1234,
      0x0008),

    /* Immediates in 16-bit code (vol. 2, 2.1.6). */
    C("mov ax,imm16", L386, 0, B(0xB8, 0x34, 0x12), 3, 2, 0, 0xB8, NOCHK, NOEA, 0x1234, NOCHK),
    C("o32 mov eax,imm32", L386, 0, B(0x66, 0xB8, 0x78, 0x56, 0x34, 0x12), 6, 4, 0, 0xB8, NOCHK, NOEA, 0x12345678,
      NOCHK),
    C("66 66 mov eax,imm32", L386, 0, B(0x66, 0x66, 0xB8, 0x78, 0x56, 0x34, 0x12), 7, 4, 0, 0xB8, NOCHK, NOEA,
      0x12345678, NOCHK),
    C("mov cl,imm8", L86, 0, B(0xB1, 0x9A), 2, 1, 0, 0xB1, NOCHK, NOEA, 0x9A, NOCHK),
    C("add ax,imm16", L86, 0, B(0x05, 0x34, 0x12), 3, 2, 0, 0x05, NOCHK, NOEA, 0x1234, NOCHK),
    C("o32 add eax,imm32", L386, 0, B(0x66, 0x05, 0x78, 0x56, 0x34, 0x12), 6, 4, 0, 0x05, NOCHK, NOEA, 0x12345678,
      NOCHK),
    C("add ax,imm8 (83)", L86, 0, B(0x83, 0xC0, 0xFF), 3, 2, 0, 0x83, NOCHK, NOEA, NOCHK, NOCHK),
    C("add ax,imm16 (81)", L86, 0, B(0x81, 0xC0, 0x34, 0x12), 4, 2, 0, 0x81, NOCHK, NOEA, 0x1234, NOCHK),
    C("add [bx+si+1234h],imm16", L86, 0, B(0x81, 0x80, 0x34, 0x12, 0x78, 0x56), 6, 2, 0, 0x81, SEG_DS, 0x5294, 0x5678,
      NOCHK),
    C("o32 add eax,imm32 (81)", L386, 0, B(0x66, 0x81, 0xC0, 0x78, 0x56, 0x34, 0x12), 7, 4, 0, 0x81, NOCHK, NOEA,
      0x12345678, NOCHK),
    C("add byte [1234h],imm8 (80)", L86, 0, B(0x80, 0x06, 0x34, 0x12, 0x56), 5, 1, 0, 0x80, SEG_DS, 0x1234, 0x56,
      NOCHK),
    C("imul ax,ax,imm8 (6B)", L186, 0, B(0x6B, 0xC0, 0xFE), 3, 2, 0, 0x6B, NOCHK, NOEA, NOCHK, NOCHK),
    C("imul ax,ax,imm16 (69)", L186, 0, B(0x69, 0xC0, 0x34, 0x12), 4, 2, 0, 0x69, NOCHK, NOEA, 0x1234, NOCHK),
    C("o32 imul eax,[bx],imm32", L386, 0, B(0x66, 0x69, 0x07, 0x78, 0x56, 0x34, 0x12), 7, 4, 0, 0x69, SEG_DS, 0x4000,
      0x12345678, NOCHK),
    C("push imm8 (6A)", L186, 0, B(0x6A, 0xFF), 2, 2, 0, 0x6A, NOCHK, NOEA, NOCHK, NOCHK),
    C("push imm16 (68)", L186, 0, B(0x68, 0x34, 0x12), 3, 2, 0, 0x68, NOCHK, NOEA, 0x1234, NOCHK),
    C("o32 push imm32", L386, 0, B(0x66, 0x68, 0x78, 0x56, 0x34, 0x12), 6, 4, 0, 0x68, NOCHK, NOEA, 0x12345678,
      NOCHK),
    C("enter 10h,2 (iw, ib)", L186, 0, B(0xC8, 0x10, 0x00, 0x02), 4, 2, 0, 0xC8, NOCHK, NOEA, 0x10, 0x02),
    C("ret 1234h", L86, 0, B(0xC2, 0x34, 0x12), 3, 2, 0, 0xC2, NOCHK, NOEA, 0x1234, NOCHK),
    C("jmp far 0F000h:1234h", L86, 0, B(0xEA, 0x34, 0x12, 0x00, 0xF0), 5, 2, 0, 0xEA, NOCHK, NOEA, 0x1234, 0xF000),
    C("call far 0F000h:1234h", L86, 0, B(0x9A, 0x34, 0x12, 0x00, 0xF0), 5, 2, 0, 0x9A, NOCHK, NOEA, 0x1234, 0xF000),
    C("o32 jmp far ptr16:32", L386, 0, B(0x66, 0xEA, 0x78, 0x56, 0x34, 0x12, 0x00, 0xF0), 8, 4, 0, 0xEA, NOCHK, NOEA,
      0x12345678, 0xF000),
    C("mov ax,[moffs16]", L86, 0, B(0xA1, 0x34, 0x12), 3, 2, 0, 0xA1, SEG_DS, 0x1234, NOCHK, NOCHK),
    C("es: mov al,[moffs16]", L86, 0, B(0x26, 0xA0, 0x34, 0x12), 4, 1, 0, 0xA0, SEG_ES, 0x1234, NOCHK, NOCHK),
    C("a32 mov ax,[moffs32]", L386, 0, B(0x67, 0xA1, 0x78, 0x56, 0x34, 0x12), 6, 2, 1, 0xA1, SEG_DS, 0x12345678,
      NOCHK, NOCHK),
    C("a32 o32 mov [moffs32],eax", L386, 0, B(0x67, 0x66, 0xA3, 0x78, 0x56, 0x34, 0x12), 7, 4, 1, 0xA3, SEG_DS,
      0x12345678, NOCHK, NOCHK),
    C("mov byte [1234h],56h", L86, 0, B(0xC6, 0x06, 0x34, 0x12, 0x56), 5, 1, 0, 0xC6, SEG_DS, 0x1234, 0x56, NOCHK),
    C("mov word [bp+2],5678h", L86, 0, B(0xC7, 0x46, 0x02, 0x78, 0x56), 5, 2, 0, 0xC7, SEG_SS, 0x802, 0x5678, NOCHK),
    C("test al,12h (F6 /0 has ib)", L86, 0, B(0xF6, 0xC0, 0x12), 3, 1, 0, 0xF6, NOCHK, NOEA, 0x12, NOCHK),
    C("not al (F6 /2 has none)", L86, 0, B(0xF6, 0xD0), 2, 1, 0, 0xF6, NOCHK, NOEA, NOCHK, NOCHK),
    C("test word [1234h],5678h", L86, 0, B(0xF7, 0x06, 0x34, 0x12, 0x78, 0x56), 6, 2, 0, 0xF7, SEG_DS, 0x1234, 0x5678,
      NOCHK),
    C("neg ax (F7 /3 has none)", L86, 0, B(0xF7, 0xD8), 2, 2, 0, 0xF7, NOCHK, NOEA, NOCHK, NOCHK),
    C("o32 test eax,imm32", L386, 0, B(0x66, 0xF7, 0xC0, 0x78, 0x56, 0x34, 0x12), 7, 4, 0, 0xF7, NOCHK, NOEA,
      0x12345678, NOCHK),
    C("shl al,4 (C0)", L186, 0, B(0xC0, 0xE0, 0x04), 3, 1, 0, 0xC0, NOCHK, NOEA, 4, NOCHK),
    C("shl word [bx],4 (C1)", L186, 0, B(0xC1, 0x27, 0x04), 3, 2, 0, 0xC1, SEG_DS, 0x4000, 4, NOCHK),
    C("shl al,1 (D0)", L86, 0, B(0xD0, 0xE0), 2, 1, 0, 0xD0, NOCHK, NOEA, NOCHK, NOCHK),
    C("jz short", L86, 0, B(0x74, 0xFE), 2, 2, 0, 0x74, NOCHK, NOEA, 0xFE, NOCHK),
    C("in al,60h", L86, 0, B(0xE4, 0x60), 2, 1, 0, 0xE4, NOCHK, NOEA, 0x60, NOCHK),
    C("int 21h", L86, 0, B(0xCD, 0x21), 2, 2, 0, 0xCD, NOCHK, NOEA, 0x21, NOCHK),

    /* Two-byte opcodes (vol. 2, 2.1.2; appendix A.3). */
    C("movzx ax,bl", L386, 0, B(0x0F, 0xB6, 0xC3), 3, 2, 0, 0x1B6, NOCHK, NOEA, NOCHK, NOCHK),
    C("movsx ax,word [bx]", L386, 0, B(0x0F, 0xBF, 0x07), 3, 2, 0, 0x1BF, SEG_DS, 0x4000, NOCHK, NOCHK),
    C("jz rel16", L386, 0, B(0x0F, 0x84, 0x34, 0x12), 4, 2, 0, 0x184, NOCHK, NOEA, 0x1234, NOCHK),
    C("o32 jz rel32", L386, 0, B(0x66, 0x0F, 0x84, 0x78, 0x56, 0x34, 0x12), 7, 4, 0, 0x184, NOCHK, NOEA, 0x12345678,
      NOCHK),
    C("lgdt [1234h]", L286, 0, B(0x0F, 0x01, 0x16, 0x34, 0x12), 5, 2, 0, 0x101, SEG_DS, 0x1234, NOCHK, NOCHK),
    C("smsw ax", L286, 0, B(0x0F, 0x01, 0xE0), 3, 2, 0, 0x101, NOCHK, NOEA, NOCHK, NOCHK),
    C("clts", L286, 0, B(0x0F, 0x06), 2, 2, 0, 0x106, NOCHK, NOEA, NOCHK, NOCHK),
    C("bt ax,5 (0F BA /4 ib)", L386, 0, B(0x0F, 0xBA, 0xE0, 0x05), 4, 2, 0, 0x1BA, NOCHK, NOEA, 5, NOCHK),
    C("bts word [bp+si+2],7", L386, 0, B(0x0F, 0xBA, 0x6A, 0x02, 0x07), 5, 2, 0, 0x1BA, SEG_SS, 0x862, 7, NOCHK),
    C("shld bx,ax,4", L386, 0, B(0x0F, 0xA4, 0xC3, 0x04), 4, 2, 0, 0x1A4, NOCHK, NOEA, 4, NOCHK),
    C("setz byte [bx]", L386, 0, B(0x0F, 0x94, 0x07), 3, 1, 0, 0x194, SEG_DS, 0x4000, NOCHK, NOCHK),
    /* MOV to/from CRn ignores the mod field: no displacement follows (vol. 2, MOV-Move
     * to/from Control Registers: "the 2 bits in the mod field are ignored"). */
    C("mov eax,cr0", L386, 0, B(0x0F, 0x20, 0xC0), 3, 2, 0, 0x120, NOCHK, NOEA, NOCHK, NOCHK),
    C("mov esi,cr0 with mod=0 rm=6", L386, 0, B(0x0F, 0x20, 0x06, 0x90, 0x90), 3, 2, 0, 0x120, NOCHK, NOEA, NOCHK,
      NOCHK),
    C("mov dr7,eax with mod=2", L386, 0, B(0x0F, 0x23, 0xB8, 0x90, 0x90), 3, 2, 0, 0x123, NOCHK, NOEA, NOCHK, NOCHK),

    /* Address-size prefix also selects the width of the moffs and ModR/M displacements
     * of 0F opcodes; operand-size prefix with 0F. */
    C("a32 lgdt [disp32]", L386, 0, B(0x67, 0x0F, 0x01, 0x15, 0x78, 0x56, 0x34, 0x12), 8, 2, 1, 0x101, SEG_DS,
      0x12345678, NOCHK, NOCHK),

    /* Prefix handling (vol. 2, 2.1.1). */
    CR("rep movsb", L86, B(0xF3, 0xA4), 2, 1, 0xA4, NOCHK, 0xF3),
    CR("rep rep rep movsb", L386, B(0xF3, 0xF3, 0xF3, 0xA4), 4, 1, 0xA4, NOCHK, 0xF3),
    CR("repne scasb", L86, B(0xF2, 0xAE), 2, 1, 0xAE, NOCHK, 0xF2),
    CR("cs: rep movsw", L86, B(0x2E, 0xF3, 0xA5), 3, 2, 0xA5, SEG_CS, 0xF3),
    CR("rep cs: movsw", L286, B(0xF3, 0x2E, 0xA5), 3, 2, 0xA5, SEG_CS, 0xF3),
    CR("rep es: ds: lodsb", L386, B(0xF3, 0x26, 0x3E, 0xAC), 4, 1, 0xAC, SEG_DS, 0xF3),
    C("lock add [bx],ax", L86, 0, B(0xF0, 0x01, 0x07), 3, 2, 0, 0x01, SEG_DS, 0x4000, NOCHK, NOCHK),
    /* An instruction of exactly the maximum length is fine. */
    C("286: 9 prefixes + nop = 10 bytes", L286, 0, B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90), 10, 2,
      0, 0x90, NOCHK, NOEA, NOCHK, NOCHK),
    C("386: 14 prefixes + nop = 15 bytes", L386, 0,
      B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90), 15, 2, 0, 0x90,
      NOCHK, NOEA, NOCHK, NOCHK),
    C("386: 14 bytes, prefixes, SIB, disp32, imm32",
      L386, 0, B(0x26, 0x66, 0x67, 0xC7, 0x84, 0x88, 0x10, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12), 14, 4, 1, 0xC7,
      SEG_ES, 0x91, 0x12345678, NOCHK),

    /* 8086 aliases (see test_8086_aliases_run): same lengths as the instructions they copy. */
    C("8086: 60 = jo rel8", L86, 0, B(0x60, 0x05), 2, 2, 0, 0x60, NOCHK, NOEA, 0x05, NOCHK),
    C("8086: 6F = jg rel8", L86, 0, B(0x6F, 0xFB), 2, 2, 0, 0x6F, NOCHK, NOEA, 0xFB, NOCHK),
    C("8086: C0 = ret imm16", L86, 0, B(0xC0, 0x34, 0x12), 3, 2, 0, 0xC0, NOCHK, NOEA, 0x1234, NOCHK),
    C("8086: C1 = ret", L86, 0, B(0xC1, 0x90), 1, 2, 0, 0xC1, NOCHK, NOEA, NOCHK, NOCHK),
    C("8086: C8 = retf imm16", L86, 0, B(0xC8, 0x34, 0x12, 0x90), 3, 2, 0, 0xC8, NOCHK, NOEA, 0x1234, NOCHK),
    C("8086: C9 = retf", L86, 0, B(0xC9, 0x90), 1, 2, 0, 0xC9, NOCHK, NOEA, NOCHK, NOCHK),
    C("186: C8 = enter", L186, 0, B(0xC8, 0x34, 0x12, 0x01), 4, 2, 0, 0xC8, NOCHK, NOEA, 0x1234, 0x01),
    C("186: C0 = shift group ib", L186, 0, B(0xC0, 0x06, 0x34, 0x12, 0x03), 5, 1, 0, 0xC0, SEG_DS, 0x1234, 3, NOCHK),
    C("8086: 16 bytes, no 386 length limit", L86, 0,
      B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90), 16, 2, 0,
      0x90, NOCHK, NOEA, NOCHK, NOCHK),
};

START_TEST(test_decode_table)
{
    const struct dcase *d = &cases[_i];
    setup_machine((enum cpu_level)d->level, d->code32);
    tvm_poke(&tv, CODE_PHYS, d->bytes, sizeof d->bytes);
    struct insn in;
    decode_at_start(&in);
    ck_assert_msg(in.len == d->len, "%s: length %u, expected %u", d->name, in.len, d->len);
    ck_assert_msg(tv.cpu.eip == d->len, "%s: EIP %x after decoding, expected %x", d->name, tv.cpu.eip, d->len);
    ck_assert_msg(in.opcode == d->opcode, "%s: opcode %x, expected %x", d->name, in.opcode, d->opcode);
    ck_assert_msg(in.size == d->size, "%s: operand size %u, expected %u", d->name, in.size, d->size);
    ck_assert_msg(in.addr32 == d->addr32, "%s: address size 32: %u, expected %u", d->name, in.addr32, d->addr32);
    if (d->seg != NOCHK)
        ck_assert_msg(in.seg == d->seg, "%s: segment %u, expected %d", d->name, in.seg, d->seg);
    if (d->ea != NOEA) {
        ck_assert_msg(in.has_modrm ? in.mod != 3 : 1, "%s: decoded as a register operand", d->name);
        uint32_t ea = insn_ea(&tv.cpu, &in);
        ck_assert_msg(ea == (uint32_t)d->ea, "%s: effective address %x, expected %x", d->name, ea, (uint32_t)d->ea);
    } else if (in.has_modrm) {
        ck_assert_msg(in.mod == 3, "%s: expected a register operand, mod=%u", d->name, in.mod);
    }
    if (d->imm != NOCHK)
        ck_assert_msg(in.imm == (uint32_t)d->imm, "%s: imm %x, expected %x", d->name, in.imm, (uint32_t)d->imm);
    if (d->imm2 != NOCHK)
        ck_assert_msg(in.imm2 == (uint32_t)d->imm2, "%s: imm2 %x, expected %x", d->name, in.imm2, (uint32_t)d->imm2);
    if (d->rep >= 0)
        ck_assert_msg(in.rep == d->rep, "%s: rep %x, expected %x", d->name, in.rep, d->rep);
    if (d->bytes[0] == 0xF0)
        ck_assert_msg(in.lock, "%s: LOCK not recorded", d->name);
}
END_TEST

/* ---- cases that fault: run them and look at the exception delivered ---- */

struct fcase {
    const char *name;
    uint8_t level;
    uint8_t bytes[20];
    uint8_t n;
    int vector; /* expected exception, -1: runs without one */
};

#define F(n_, l_, v_, ...) { n_, l_, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), v_ }
#define P10 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26

static const struct fcase fault_cases[] = {
    /* The 80186 has no 0F opcodes: 0F raises the unused-opcode trap, interrupt 6 (80186
     * data sheet, "Unused Opcode"); on the 8086 0F is POP CS. */
    F("186: 0F 00", L186, EXC_UD, 0x0F, 0x00, 0xC0),
    F("186: 0F B6 movzx", L186, EXC_UD, 0x0F, 0xB6, 0xC0),
    F("186: 63 arpl is 286", L186, EXC_UD, 0x63, 0xC0),
    F("186: pusha runs", L186, -1, 0x60),
    F("186: enter runs", L186, -1, 0xC8, 0x04, 0x00, 0x00),
    /* 386-only encodings on the 286 (SDM vol. 2, appendix A; the 286 has no FS, GS or
     * size prefixes and none of the 386's new 0F opcodes). */
    F("286: movzx", L286, EXC_UD, 0x0F, 0xB6, 0xC0),
    F("286: jz rel16", L286, EXC_UD, 0x0F, 0x84, 0x00, 0x00),
    F("286: setz al", L286, EXC_UD, 0x0F, 0x94, 0xC0),
    F("286: mov eax,cr0", L286, EXC_UD, 0x0F, 0x20, 0xC0),
    F("286: push fs", L286, EXC_UD, 0x0F, 0xA0),
    F("286: bt ax,1", L286, EXC_UD, 0x0F, 0xBA, 0xE0, 0x01),
    F("286: fs prefix", L286, EXC_UD, 0x64, 0x90),
    F("286: gs prefix", L286, EXC_UD, 0x65, 0x90),
    F("286: operand-size prefix", L286, EXC_UD, 0x66, 0x90),
    F("286: address-size prefix", L286, EXC_UD, 0x67, 0x90),
    F("286: lea ax,ax (register form)", L286, EXC_UD, 0x8D, 0xC0),
    F("286: les ax,ax", L286, EXC_UD, 0xC4, 0xC0),
    F("286: smsw ax runs", L286, -1, 0x0F, 0x01, 0xE0),
    F("286: clts runs", L286, -1, 0x0F, 0x06),
    F("386: 0F FF", L386, EXC_UD, 0x0F, 0xFF),
    F("386: 0F 0B", L386, EXC_UD, 0x0F, 0x0B),
    F("386: 0F 01 /5 unassigned", L386, EXC_UD, 0x0F, 0x01, 0xE8),
    F("386: 0F BA /0 unassigned", L386, EXC_UD, 0x0F, 0xBA, 0xC0, 0x01),
    F("386: lds ax,ax", L386, EXC_UD, 0xC5, 0xC0),
    F("386: lss ax,ax", L386, EXC_UD, 0x0F, 0xB2, 0xC0),
    F("386: fs prefix runs", L386, -1, 0x64, 0x90),
    /* Length limits: 80286 more than 10 bytes -> interrupt 13 (80286 hardware vectors);
     * 386 more than 15 -> #GP(0) (SDM vol. 3, 6.15, Interrupt 13: "exceeding the
     * instruction length limit of 15 bytes"). */
    F("286: 10 bytes run", L286, -1, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90),
    F("286: 11 bytes #GP", L286, EXC_GP, P10, 0x90),
    F("286: 11 bytes ending in a modrm #GP", L286, EXC_GP, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x8B, 0x87, 0x00,
      0x10),
    F("386: 15 bytes run", L386, -1, P10, 0x26, 0x26, 0x26, 0x26, 0x90),
    F("386: 16 bytes #GP", L386, EXC_GP, P10, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90),
    F("386: 16 bytes with size prefixes #GP", L386, EXC_GP, 0x26, 0x66, 0x67, 0x26, 0x66, 0x67, 0xC7, 0x84, 0x88, 0x10,
      0x00, 0x00, 0x00, 0x78, 0x56, 0x34),
    F("8086: 19 bytes run", L86, -1, P10, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90),
};

START_TEST(test_decode_faults)
{
    const struct fcase *f = &fault_cases[_i];
    setup_machine((enum cpu_level)f->level, false);
    struct cpu *c = &tv.cpu;
    uint8_t hlt = 0xF4;
    tvm_poke(&tv, CODE_PHYS, f->bytes, f->n);
    tvm_poke(&tv, CODE_PHYS + f->n, &hlt, 1);
    cpu_load_real_segment(c, SEG_DS, 0x5000);
    cpu_load_real_segment(c, SEG_ES, 0x5000);
    tvm_run(&tv, 2);
    ck_assert_msg(c->state == CPU_HALTED, "%s: not halted (state %d)", f->name, c->state);
    if (f->vector < 0) {
        ck_assert_msg(c->last_vector == -1, "%s: unexpected exception %d", f->name, c->last_vector);
        ck_assert_msg(c->seg[SEG_CS].selector == CODE_SEG, "%s: CS changed", f->name);
        return;
    }
    ck_assert_msg(c->last_vector == f->vector, "%s: vector %d, expected %d", f->name, c->last_vector, f->vector);
    /* The handler ran (its HLT), and the real-mode frame holds CS:IP of the faulting
     * instruction: faults are restartable (SDM vol. 3, 6.5). No error code in real mode. */
    ck_assert_uint_eq(c->seg[SEG_CS].selector, HANDLER_SEG);
    ck_assert_uint_eq(c->eip, (uint32_t)f->vector * 16 + 1);
    uint32_t sp = c->regs[REG_ESP] & 0xFFFF;
    ck_assert_uint_eq(sp, STACK_TOP - 6);
    const uint8_t *st = bus_ram_host(&tv.bus, 0, 0) + STACK_SEG * 16 + sp;
    ck_assert_msg(le16(st) == 0, "%s: pushed IP %x, expected 0", f->name, le16(st));
    ck_assert_uint_eq(le16(st + 2), CODE_SEG);
}
END_TEST

/* ---- behaviour the decoder's choices imply ---- */

/* Runs code at 1000:0000 on 'level' until HLT. */
static void run_code(enum cpu_level level, const uint8_t *code, size_t n, uint32_t flags)
{
    setup_machine(level, false);
    tvm_poke(&tv, CODE_PHYS, code, n);
    cpu_set_flags_raw(&tv.cpu, flags);
    tvm_run(&tv, 20);
}

/* The 8086 decodes 60-6F as the conditional jumps 70-7F, C0/C1 as RET imm16/RET and
 * C8/C9 as RETF imm16/RETF (8086 hardware vectors; these encodings were undefined on the
 * 8086 and got their 80186 meanings later). */
START_TEST(test_8086_aliases_run)
{
    struct cpu *c = &tv.cpu;
    /* 60 05 = JO +5: taken with OF set, not taken without. */
    static const uint8_t jo[] = { 0x60, 0x05, 0xF4, 0x90, 0x90, 0x90, 0x90, 0xF4 };
    run_code(CPU_8086, jo, sizeof jo, FLAG_OF);
    ck_assert_uint_eq(c->eip, 8);
    run_code(CPU_8086, jo, sizeof jo, 0);
    ck_assert_uint_eq(c->eip, 3);
    /* 64 = JZ (like 74), 6F = JG (like 7F). */
    static const uint8_t jz[] = { 0x64, 0x05, 0xF4, 0x90, 0x90, 0x90, 0x90, 0xF4 };
    run_code(CPU_8086, jz, sizeof jz, FLAG_ZF);
    ck_assert_uint_eq(c->eip, 8);
    static const uint8_t jg[] = { 0x6F, 0x05, 0xF4, 0x90, 0x90, 0x90, 0x90, 0xF4 };
    run_code(CPU_8086, jg, sizeof jg, FLAG_SF); /* SF != OF: not greater */
    ck_assert_uint_eq(c->eip, 3);

    /* C0 iw = RET imm16: pops IP and releases imm16 bytes; C1 = RET. */
    static const uint8_t ret_imm[] = { 0xC0, 0x04, 0x00 };
    setup_machine(CPU_8086, false);
    tvm_poke(&tv, CODE_PHYS, ret_imm, sizeof ret_imm);
    uint8_t frame[4] = { 0x40, 0x00, 0x41, 0x00 }; /* return IP 40h, then a far-return CS */
    uint8_t hlt = 0xF4;
    tvm_poke(&tv, STACK_SEG * 16 + STACK_TOP - 4, frame, 4);
    tvm_poke(&tv, CODE_PHYS + 0x40, &hlt, 1);
    c->regs[REG_ESP] = STACK_TOP - 4;
    tvm_run(&tv, 2);
    ck_assert_uint_eq(c->eip, 0x41);
    ck_assert_uint_eq(c->regs[REG_ESP] & 0xFFFF, STACK_TOP - 4 + 2 + 4);
    ck_assert_uint_eq(c->seg[SEG_CS].selector, CODE_SEG);

    static const uint8_t ret1[] = { 0xC1 };
    setup_machine(CPU_8086, false);
    tvm_poke(&tv, CODE_PHYS, ret1, 1);
    tvm_poke(&tv, STACK_SEG * 16 + STACK_TOP - 4, frame, 4);
    tvm_poke(&tv, CODE_PHYS + 0x40, &hlt, 1);
    c->regs[REG_ESP] = STACK_TOP - 4;
    tvm_run(&tv, 2);
    ck_assert_uint_eq(c->eip, 0x41);
    ck_assert_uint_eq(c->regs[REG_ESP] & 0xFFFF, STACK_TOP - 2);

    /* C8 iw = RETF imm16: pops IP and CS; C9 = RETF. */
    static const uint8_t retf_imm[] = { 0xC8, 0x02, 0x00 };
    static const uint8_t retf[] = { 0xC9 };
    for (unsigned k = 0; k < 2; k++) {
        setup_machine(CPU_8086, false);
        tvm_poke(&tv, CODE_PHYS, k ? retf : retf_imm, k ? 1 : 3);
        uint8_t far_frame[4] = { 0x10, 0x00, 0x00, 0x20 }; /* 2000:0010 */
        tvm_poke(&tv, STACK_SEG * 16 + STACK_TOP - 4, far_frame, 4);
        tvm_poke(&tv, 0x20010, &hlt, 1);
        c->regs[REG_ESP] = STACK_TOP - 4;
        tvm_run(&tv, 2);
        ck_assert_uint_eq(c->seg[SEG_CS].selector, 0x2000);
        ck_assert_uint_eq(c->eip, 0x11);
        ck_assert_uint_eq(c->regs[REG_ESP] & 0xFFFF, STACK_TOP + (k ? 0 : 2));
    }

    /* On the 186 the same bytes are PUSHA and ENTER. */
    static const uint8_t pusha[] = { 0x60, 0xF4 };
    run_code(CPU_186, pusha, sizeof pusha, 0);
    ck_assert_uint_eq(c->regs[REG_ESP] & 0xFFFF, STACK_TOP - 16);
    ck_assert_uint_eq(c->eip, 2);
}
END_TEST

/* Immediate bytes of 83, 6B and 6A are sign-extended to the operand size (SDM vol. 2,
 * ADD "83 /0 ib: add sign-extended imm8", IMUL "6B /r ib", PUSH "6A ib"). */
START_TEST(test_imm8_sign_extension)
{
    struct cpu *c = &tv.cpu;
    static const uint8_t code[] = {
        0x83, 0xC0, 0xFF,                   /* add ax, -1 */
        0x66, 0x83, 0xC3, 0x80,             /* add ebx, -80h */
        0x6B, 0xC9, 0xFE,                   /* imul cx, cx, -2 */
        0x66, 0x6B, 0xD2, 0x81,             /* imul edx, edx, -7Fh */
        0x6A, 0xFF,                         /* push -1 */
        0x66, 0x6A, 0x80,                   /* push dword -80h */
        0x83, 0xF6, 0xFF,                   /* xor si, -1 */
        0xF4,
    };
    run_code(CPU_386, code, sizeof code, FLAG_R1);
    ck_assert_int_eq(c->state, CPU_HALTED);
    ck_assert_uint_eq(c->regs[REG_EAX], 0);          /* 1 + FFFFh */
    ck_assert_uint_eq(c->regs[REG_EBX], 0x13F80);    /* 14000h + FFFFFF80h */
    ck_assert_uint_eq(c->regs[REG_ECX], 0xFFC0);     /* 20h * -2, in CX only */
    ck_assert_uint_eq(c->regs[REG_EDX], 0xFFFE8300u); /* 300h * -7Fh */
    ck_assert_uint_eq(c->regs[REG_ESI], 0xFF9F);     /* 60h ^ FFFFh */
    const uint8_t *st = bus_ram_host(&tv.bus, 0, 0) + STACK_SEG * 16 + (c->regs[REG_ESP] & 0xFFFF);
    ck_assert_uint_eq(c->regs[REG_ESP] & 0xFFFF, STACK_TOP - 6);
    ck_assert_uint_eq(le32(st), 0xFFFFFF80u);
    ck_assert_uint_eq(le16(st + 4), 0xFFFF);

    /* AX = 1 - 1 wraps through 0; and with AX = 0, -1 gives FFFFh in 16 bits only. */
    static const uint8_t code2[] = { 0x31, 0xC0, 0x83, 0xC0, 0xFF, 0xF4 }; /* xor ax,ax; add ax,-1 */
    run_code(CPU_286, code2, sizeof code2, 0);
    ck_assert_uint_eq(c->regs[REG_EAX] & 0xFFFF, 0xFFFF);
}
END_TEST

static Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, NULL, teardown_machine);
    tcase_add_loop_test(tc, test_decode_table, 0, sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_decode_faults, 0, sizeof fault_cases / sizeof fault_cases[0]);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("run");
    tcase_add_checked_fixture(tr, NULL, teardown_machine);
    tcase_add_test(tr, test_8086_aliases_run);
    tcase_add_test(tr, test_imm8_sign_extension);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    return check_run(decode_suite());
}
