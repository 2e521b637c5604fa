/* The ATAPI CD-ROM's packet commands (SFF-8020i rev 2.6; MMC-2 for READ TOC, MODE
 * SENSE pages, GET CONFIGURATION; SPC for INQUIRY and REQUEST SENSE), apart from the
 * task-file protocol that carries them (ide.c). The medium is an ISO image of 2048-byte
 * sectors, or none (an empty drive).
 *
 * A command either answers with a small reply built at once (at most
 * ATAPI_REPLY_MAX bytes, cut to the command's allocation length), or starts a stream
 * of sectors (READ(10)/(12)) that ide.c pulls into its buffer block by block. */
#ifndef VX86_ATAPI_H
#define VX86_ATAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"

#define ATAPI_SECTOR_SIZE 2048u
#define ATAPI_PACKET_SIZE 12u
#define ATAPI_REPLY_MAX 512u

/* Sense keys (SPC-3, 4.5.6). */
enum {
    SENSE_NONE = 0x00,
    SENSE_NOT_READY = 0x02,
    SENSE_MEDIUM_ERROR = 0x03,
    SENSE_ILLEGAL_REQUEST = 0x05,
    SENSE_UNIT_ATTENTION = 0x06,
};

struct atapi {
    uint8_t sense_key, asc, ascq;   /* REQUEST SENSE's answer */
    bool unit_attention;            /* the medium may have changed since the last command */
    bool locked;                    /* PREVENT ALLOW MEDIUM REMOVAL */
    uint32_t read_lba;              /* the stream: its next sector */
    uint32_t read_left;             /*   and how many sectors are left */
};

enum atapi_outcome {
    ATAPI_GOOD,         /* done; 'reply_len' bytes of reply (maybe 0) */
    ATAPI_STREAM,       /* done; the data are read_left sectors from read_lba */
    ATAPI_CHECK,        /* CHECK CONDITION: the sense data say why */
};

/* Power-on: UNIT ATTENTION pending, sense cleared. */
void atapi_reset(struct atapi *a);
/* Runs one packet; 'reply' has ATAPI_REPLY_MAX bytes. */
enum atapi_outcome atapi_execute(struct atapi *a, const struct blockdev *medium,
                                 const uint8_t packet[ATAPI_PACKET_SIZE], uint8_t *reply, uint32_t *reply_len);
/* Reads up to max_bytes / 2048 sectors of the stream into buf. Returns the bytes read;
 * 0 with CHECK CONDITION sense set if the medium fails. */
uint32_t atapi_stream_read(struct atapi *a, const struct blockdev *medium, uint8_t *buf, uint32_t max_bytes);
/* Untrusted state: keep the stream within 32 bits of sectors. */
void atapi_sanitize(struct atapi *a);

#endif
