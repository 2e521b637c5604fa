/* The state dump (core/dump.c, vx86 -dump-state): every register it promises, in a text
 * form that is the same on every host, and zlib's CRC-32 of the whole guest RAM. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dump.h"
#include "harness.h"

static char text[4096];

/* Dumps into 'text' through a file, as vx86 writes it. The file is in the working
 * directory (ctest's: the build tree), not tmpfile()'s, which on Windows may be the root
 * of the drive. */
static void dump(struct tvm *t, uint64_t guest_ns)
{
    static const char path[] = "test_dump.txt";
    FILE *f = fopen(path, "w+b");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert(state_dump(f, &t->cpu, guest_ns));
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    remove(path);
}

/* A short real-mode program that leaves a mark in every kind of state the dump shows. */
static const uint8_t program[] = {
    0x66, 0xB8, 0x78, 0x56, 0x34, 0x12,       /* mov eax, 12345678h */
    0xBB, 0x00, 0x02,                         /* mov bx, 0200h */
    0x8E, 0xC3,                               /* mov es, bx */
    0x26, 0x66, 0xA3, 0x10, 0x00,             /* mov [es:0010h], eax */
    0x66, 0xB9, 0x01, 0x00, 0x00, 0x80,       /* mov ecx, 80000001h */
    0x66, 0x0F, 0x23, 0xC1,                   /* mov dr0, ecx */
    0x66, 0x0F, 0x22, 0xD9,                   /* mov cr3, ecx */
    0x0F, 0x01, 0x1E, 0x00, 0x01,             /* lidt [0100h] */
    0x39, 0xC0,                               /* cmp eax, eax: ZF PF, lazily */
    0xFA,                                     /* cli */
    0xF4,                                     /* hlt */
};
static const uint8_t idt_pointer[6] = { 0xFF, 0x03, 0x00, 0x30, 0x00, 0x00 }; /* limit 3FFh, base 3000h */

/* Every line, exactly. The CRC is zlib's CRC-32 of the 64 KiB of RAM as the program
 * leaves it (program, IDT pointer, and 12345678h stored little-endian at 2010h), worked
 * out apart from vx86 (Python's zlib.crc32): the same on a big-endian host. */
static const char expected[] =
    "vx86 state 1\n"
    "cpu 386 halted\n"
    "instructions 11\n"
    "guest-time-ns 123456789012\n"
    "eax 12345678 ecx 80000001 edx 00000308 ebx 00000200\n"
    "esp 00000000 ebp 00000000 esi 00000000 edi 00000000\n"
    "eip 00000027 eflags 00000046 cpl 0\n"
    "es   0200 base 00002000 limit 0000FFFF rights 0093 valid\n"
    "cs   0100 base 00001000 limit 0000FFFF rights 009B valid\n"
    "ss   0000 base 00000000 limit 0000FFFF rights 0093 valid\n"
    "ds   0000 base 00000000 limit 0000FFFF rights 0093 valid\n"
    "fs   0000 base 00000000 limit 0000FFFF rights 0093 valid\n"
    "gs   0000 base 00000000 limit 0000FFFF rights 0093 valid\n"
    "ldtr 0000 base 00000000 limit 00000000 rights 0000 null\n"
    "tr   0000 base 00000000 limit 0000FFFF rights 008B null\n"
    "gdtr base 00000000 limit FFFF\n"
    "idtr base 00003000 limit 03FF\n"
    "cr0 00000000 cr2 00000000 cr3 80000000\n"
    "dr0 80000001 dr1 00000000 dr2 00000000 dr3 00000000\n"
    "dr4 00000000 dr5 00000000 dr6 FFFF0FF0 dr7 00000400\n"
    /* the 387 after its reset (FNINIT's state, SDM vol. 1, 8.1) */
    "fpu cw 037F sw 0000 tw FFFF top 0 fop 000 fip 0000:00000000 fdp 0000:00000000\n"
    "st0 r0 0000 0000000000000000 empty\n"
    "st1 r1 0000 0000000000000000 empty\n"
    "st2 r2 0000 0000000000000000 empty\n"
    "st3 r3 0000 0000000000000000 empty\n"
    "st4 r4 0000 0000000000000000 empty\n"
    "st5 r5 0000 0000000000000000 empty\n"
    "st6 r6 0000 0000000000000000 empty\n"
    "st7 r7 0000 0000000000000000 empty\n"
    "a20 on\n"
    "ram 65536 bytes crc32 9426B95F\n";

static void run_program(struct tvm *t)
{
    tvm_init(t, CPU_386, 64 * 1024);
    tvm_poke(t, 0x1000, program, sizeof program);
    tvm_poke(t, 0x100, idt_pointer, sizeof idt_pointer);
    tvm_start_real(t, 0x0100, 0x0000);
    tvm_run(t, 1000);
}

START_TEST(test_dump_after_a_program)
{
    struct tvm t;
    run_program(&t);
    dump(&t, 123456789012ull);
    ck_assert_str_eq(text, expected);
    tvm_free(&t);
}
END_TEST

/* Dumping changes nothing (the lazy flags are folded in, not lost): a second dump is the
 * same; and one byte of RAM anywhere, even the last, changes the CRC. */
START_TEST(test_dump_is_stable_and_sees_all_ram)
{
    struct tvm t;
    run_program(&t);
    dump(&t, 0);
    char first[sizeof text];
    strcpy(first, text);
    dump(&t, 0);
    ck_assert_str_eq(text, first);
    uint32_t crc = state_dump_ram_crc(&t.bus);
    ck_assert_uint_eq(crc, 0x9426B95Fu);
    bus_ram_host(&t.bus, 0, 0)[t.bus.ram_size - 1] ^= 1;
    ck_assert_uint_ne(state_dump_ram_crc(&t.bus), crc);
    tvm_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dump");
    TCase *tc = tcase_create("dump");
    tcase_add_test(tc, test_dump_after_a_program);
    tcase_add_test(tc, test_dump_is_stable_and_sees_all_ram);
    suite_add_tcase(s, tc);
    return check_run(s);
}
