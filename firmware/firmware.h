/* The built-in firmware image, assembled from firmware/bios.asm at build time. */
#ifndef VX86_FIRMWARE_H
#define VX86_FIRMWARE_H

#include <stddef.h>

extern const unsigned char firmware_bios[];
extern const size_t firmware_bios_size;

#endif
