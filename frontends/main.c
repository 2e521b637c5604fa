/* vx86 command line. Until the PC platform exists the binary only describes itself;
 * the CPU is exercised through vx86-cputest and vx86-difftest. */
#include <stdio.h>
#include <string.h>

#include "cpu.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: vx86 [options]\n"
            "  -help          show this text\n"
            "  -version       show the version\n"
            "\n"
            "The PC platform (devices, firmware, display) is not built yet. To run the CPU\n"
            "against the hardware-captured test vectors use vx86-cputest.\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-help") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "-version") || !strcmp(argv[i], "--version")) {
            printf("vx86 0.1 (CPU levels 8086, 186, 286, 386)\n");
            return 0;
        }
        fprintf(stderr, "vx86: unknown option '%s' (see vx86 -help)\n", argv[i]);
        return 1;
    }
    usage(stdout);
    return 0;
}
