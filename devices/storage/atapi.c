/* The ATAPI CD-ROM's packet commands. Sources: SFF-8020i rev 2.6 ("ATA Packet
 * Interface for CD-ROMs": 9.2 the command set, 10.8.x the commands, Table 140 sense
 * keys), MMC-2 (READ TOC formats 0 and 1, 5.23; GET CONFIGURATION 5.5 and the
 * profiles; MODE SENSE pages 01h, 0Dh, 0Eh, 2Ah, 5.5.x), SPC-3 (INQUIRY 6.4, REQUEST
 * SENSE fixed format 4.5.3, the ASC/ASCQ codes of Annex D). Multi-byte fields of a
 * packet and of a reply are big-endian. */
#include "atapi.h"

#include <string.h>

enum {
    CMD_TEST_UNIT_READY = 0x00,
    CMD_REQUEST_SENSE = 0x03,
    CMD_INQUIRY = 0x12,
    CMD_MODE_SENSE_6 = 0x1A,
    CMD_START_STOP_UNIT = 0x1B,
    CMD_PREVENT_ALLOW = 0x1E,
    CMD_READ_CAPACITY = 0x25,
    CMD_READ_10 = 0x28,
    CMD_SEEK_10 = 0x2B,
    CMD_READ_SUBCHANNEL = 0x42,
    CMD_READ_TOC = 0x43,
    CMD_GET_CONFIGURATION = 0x46,
    CMD_GET_EVENT_STATUS = 0x4A,
    CMD_MODE_SENSE_10 = 0x5A,
    CMD_READ_12 = 0xA8,
};

/* ASC/ASCQ (SPC-3 Annex D). */
#define ASC_INVALID_COMMAND 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_MEDIUM_CHANGED 0x28
#define ASC_MEDIUM_NOT_PRESENT 0x3A
#define ASC_UNRECOVERED_READ 0x11

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

void atapi_reset(struct atapi *a)
{
    *a = (struct atapi){ .unit_attention = true };
}

void atapi_sanitize(struct atapi *a)
{
    if (a->read_left > UINT32_MAX - a->read_lba)
        a->read_left = UINT32_MAX - a->read_lba;
}

static enum atapi_outcome check(struct atapi *a, uint8_t key, uint8_t asc, uint8_t ascq)
{
    a->sense_key = key;
    a->asc = asc;
    a->ascq = ascq;
    return ATAPI_CHECK;
}

static enum atapi_outcome good(struct atapi *a)
{
    a->sense_key = SENSE_NONE;
    a->asc = a->ascq = 0;
    return ATAPI_GOOD;
}

static uint32_t medium_sectors(const struct blockdev *medium)
{
    uint64_t n = medium->size / ATAPI_SECTOR_SIZE;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* The reply as the allocation length cuts it. */
static enum atapi_outcome reply_of(struct atapi *a, uint32_t built, uint32_t allocation, uint32_t *reply_len)
{
    *reply_len = built < allocation ? built : allocation;
    return good(a);
}

static void put_padded(uint8_t *p, const char *text, size_t width)
{
    size_t n = strlen(text);
    memset(p, ' ', width);
    memcpy(p, text, n < width ? n : width);
}

/* SPC-3 6.4.2, standard INQUIRY data; SFF-8020i Table 91 (version 0, format 2 with
 * the ATAPI version 2 in the upper nibble). */
static uint32_t build_inquiry(uint8_t *r)
{
    memset(r, 0, 36);
    r[0] = 0x05;        /* peripheral device type: CD-ROM */
    r[1] = 0x80;        /* removable medium */
    r[2] = 0x00;
    r[3] = 0x21;        /* ATAPI version 2, response data format 1 */
    r[4] = 36 - 5;      /* additional length */
    put_padded(r + 8, "VX86", 8);
    put_padded(r + 16, "vx86 CD-ROM", 16);
    put_padded(r + 32, "1.0", 4);
    return 36;
}

/* SPC-3 4.5.3, fixed format sense data. */
static uint32_t build_sense(const struct atapi *a, uint8_t *r)
{
    memset(r, 0, 18);
    r[0] = 0x70;        /* current error, fixed format */
    r[2] = a->sense_key;
    r[7] = 18 - 8;      /* additional sense length */
    r[12] = a->asc;
    r[13] = a->ascq;
    return 18;
}

/* One mode page (MMC-2 5.5): code, length, then its parameters as this drive has them. */
static uint32_t build_mode_page(uint8_t code, uint8_t *p)
{
    switch (code) {
    case 0x01:          /* read error recovery: default retries */
        memset(p, 0, 8);
        p[0] = 0x01; p[1] = 6; p[3] = 5;
        return 8;
    case 0x0D:          /* CD device parameters: 2 s inactivity, 60 S units per M, 75 F per S */
        memset(p, 0, 8);
        p[0] = 0x0D; p[1] = 6; p[3] = 0x01; put_be16(p + 4, 60); put_be16(p + 6, 75);
        return 8;
    case 0x0E:          /* CD audio control: both channels at full volume */
        memset(p, 0, 16);
        p[0] = 0x0E; p[1] = 14; p[2] = 0x04; p[8] = 0x01; p[9] = 0xFF; p[10] = 0x02; p[11] = 0xFF;
        return 16;
    case 0x2A:          /* capabilities and mechanical status (MMC-2 Table 109) */
        memset(p, 0, 20);
        p[0] = 0x2A; p[1] = 18;
        p[2] = 0x01;    /* reads CD-R */
        p[4] = 0x71;    /* audio play, mode 2 form 1 and 2, multi-session */
        p[5] = 0x00;
        p[6] = 0x29;    /* tray loading mechanism, eject, lock */
        put_be16(p + 8, 706 * 4);   /* maximum read speed, kB/s (4x) */
        put_be16(p + 10, 256);      /* volume levels */
        put_be16(p + 12, 64);       /* buffer size, KiB */
        put_be16(p + 14, 706 * 4);  /* current read speed */
        return 20;
    default:
        return 0;
    }
}

static const uint8_t mode_pages[] = { 0x01, 0x0D, 0x0E, 0x2A };

/* The pages after a mode parameter header of 'header' bytes; 0 if the page is unknown. */
static uint32_t build_mode_pages(uint8_t page, uint8_t *r, uint32_t header)
{
    uint32_t at = header;
    for (size_t i = 0; i < sizeof mode_pages; i++)
        if (page == 0x3F || page == mode_pages[i])
            at += build_mode_page(mode_pages[i], r + at);
    return at == header ? 0 : at;
}

static enum atapi_outcome mode_sense(struct atapi *a, const uint8_t *p, uint8_t *r, uint32_t *reply_len)
{
    bool ten = p[0] == CMD_MODE_SENSE_10;
    uint8_t control = p[2] >> 6, page = p[2] & 0x3F;
    uint32_t header = ten ? 8 : 4;
    memset(r, 0, header);
    uint32_t n = build_mode_pages(page, r, header);
    if (!n || control == 3)  /* unknown page, or saved values (not supported) */
        return check(a, SENSE_ILLEGAL_REQUEST, control == 3 ? 0x39 : ASC_INVALID_FIELD, 0);
    if (ten) {
        put_be16(r, (uint16_t)(n - 2));
        r[2] = 0x01;    /* medium type: 120 mm CD-ROM data only */
    } else {
        r[0] = (uint8_t)(n - 1);
        r[1] = 0x01;
    }
    return reply_of(a, n, ten ? be16(p + 7) : p[4], reply_len);
}

/* An LBA as minutes, seconds and frames (75 a second, 150 frames of lead-in). */
static void put_address(uint8_t *p, uint32_t lba, bool msf)
{
    if (!msf) {
        put_be32(p, lba);
        return;
    }
    uint32_t f = lba + 150;
    p[0] = 0;
    p[1] = (uint8_t)(f / (60 * 75) > 255 ? 255 : f / (60 * 75));
    p[2] = (uint8_t)(f / 75 % 60);
    p[3] = (uint8_t)(f % 75);
}

/* MMC-2 5.23: one data track (track 1 from LBA 0) and the lead-out (AAh). */
static enum atapi_outcome read_toc(struct atapi *a, const struct blockdev *medium, const uint8_t *p, uint8_t *r,
                                   uint32_t *reply_len)
{
    bool msf = p[1] & 0x02;
    unsigned format = p[2] & 0x0F;
    if (!format)
        format = p[9] >> 6;   /* SFF-8020i put the format in the control byte */
    uint8_t start = p[6];
    uint32_t n = 4;
    if (format == 0) {
        if (start > 1 && start != 0xAA)
            return check(a, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        if (start <= 1) {
            memset(r + n, 0, 8);
            r[n + 1] = 0x14;  /* ADR 1 (Q mode 1), control: data track */
            r[n + 2] = 1;
            put_address(r + n + 4, 0, msf);
            n += 8;
        }
        memset(r + n, 0, 8);
        r[n + 1] = 0x14;
        r[n + 2] = 0xAA;
        put_address(r + n + 4, medium_sectors(medium), msf);
        n += 8;
    } else if (format == 1) {   /* session information: session 1 starts at track 1 */
        memset(r + n, 0, 8);
        r[n + 1] = 0x14;
        r[n + 2] = 1;
        put_address(r + n + 4, 0, msf);
        n += 8;
    } else {
        return check(a, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
    }
    put_be16(r, (uint16_t)(n - 2));
    r[2] = 1;               /* first track or session */
    r[3] = 1;               /* last */
    return reply_of(a, n, be16(p + 7), reply_len);
}

/* MMC-2 5.5: the header with the current profile, the Profile List feature (CD-ROM
 * 0008h) and the Core feature (ATAPI interface). */
static enum atapi_outcome get_configuration(struct atapi *a, const struct blockdev *medium, const uint8_t *p,
                                            uint8_t *r, uint32_t *reply_len)
{
    unsigned rt = p[1] & 3;
    uint16_t first = be16(p + 2);
    memset(r, 0, 8);
    put_be16(r + 6, medium ? 0x0008 : 0x0000);
    uint32_t n = 8;
    /* RT 0 and 1: the features from 'first' on (both are current); RT 2: that one. */
    if (rt == 2 ? first == 0x0000 : first <= 0x0000) {
        uint8_t *f = r + n;       /* feature 0000h: profile list */
        memset(f, 0, 8);
        f[2] = 0x03;              /* persistent, current */
        f[3] = 4;
        put_be16(f + 4, 0x0008);
        f[6] = medium ? 1 : 0;    /* the profile is current with a disc in */
        n += 8;
    }
    if (rt == 2 ? first == 0x0001 : first <= 0x0001) {
        uint8_t *f = r + n;       /* feature 0001h: core, ATAPI physical interface */
        memset(f, 0, 12);
        put_be16(f, 0x0001);
        f[2] = 0x03;
        f[3] = 8;
        put_be32(f + 4, 2);
        n += 12;
    }
    put_be32(r, n - 4);
    return reply_of(a, n, be16(p + 7), reply_len);
}

/* MMC-2 5.21: audio status "none" and, if asked, the current position (Q format 01h). */
static enum atapi_outcome read_subchannel(struct atapi *a, const uint8_t *p, uint8_t *r, uint32_t *reply_len)
{
    bool subq = p[2] & 0x40;
    memset(r, 0, 16);
    r[1] = 0x15;            /* no current audio status */
    uint32_t n = 4;
    if (subq) {
        r[4] = 0x01;
        r[5] = 0x14;
        r[6] = 1;
        r[7] = 1;
        n = 16;
    }
    put_be16(r + 2, (uint16_t)(n - 4));
    return reply_of(a, n, be16(p + 7), reply_len);
}

/* MMC-2 5.6 polled: no event (NEA), the media class supported. */
static enum atapi_outcome get_event_status(struct atapi *a, const uint8_t *p, uint8_t *r, uint32_t *reply_len)
{
    if (!(p[1] & 0x01))     /* asynchronous operation is not supported */
        return check(a, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
    memset(r, 0, 4);
    put_be16(r, 2);
    r[2] = 0x80;            /* no event available */
    r[3] = 0x10;            /* media class supported */
    return reply_of(a, 4, be16(p + 7), reply_len);
}

static enum atapi_outcome start_read(struct atapi *a, const struct blockdev *medium, uint32_t lba, uint32_t count)
{
    uint32_t sectors = medium_sectors(medium);
    if (lba > sectors || count > sectors - lba)
        return check(a, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
    a->read_lba = lba;
    a->read_left = count;
    good(a);
    return ATAPI_STREAM;
}

/* Commands that need the medium (MMC-2 4.1.7: NOT READY, MEDIUM NOT PRESENT). */
static bool needs_medium(uint8_t op)
{
    switch (op) {
    case CMD_TEST_UNIT_READY: case CMD_READ_CAPACITY: case CMD_READ_10: case CMD_READ_12:
    case CMD_READ_TOC: case CMD_READ_SUBCHANNEL: case CMD_SEEK_10:
        return true;
    default:
        return false;
    }
}

/* Commands that a pending UNIT ATTENTION does not stop (SPC-3 5.9.7). */
static bool passes_unit_attention(uint8_t op)
{
    return op == CMD_INQUIRY || op == CMD_REQUEST_SENSE || op == CMD_GET_CONFIGURATION ||
           op == CMD_GET_EVENT_STATUS;
}

enum atapi_outcome atapi_execute(struct atapi *a, const struct blockdev *medium,
                                 const uint8_t p[ATAPI_PACKET_SIZE], uint8_t *r, uint32_t *reply_len)
{
    *reply_len = 0;
    a->read_left = 0;
    uint8_t op = p[0];
    if (a->unit_attention && medium && !passes_unit_attention(op)) {
        a->unit_attention = false;
        return check(a, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
    }
    if (!medium && needs_medium(op))
        return check(a, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, 0);
    switch (op) {
    case CMD_TEST_UNIT_READY:
    case CMD_START_STOP_UNIT:   /* the image stays in: a host file is not ejected */
        return good(a);
    case CMD_PREVENT_ALLOW:
        a->locked = p[4] & 0x01;
        return good(a);
    case CMD_SEEK_10:
        return be32(p + 2) < medium_sectors(medium) ? good(a)
                                                    : check(a, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
    case CMD_REQUEST_SENSE: {
        uint32_t n = build_sense(a, r);
        if (!medium && !a->sense_key) {   /* an empty drive says so when asked */
            r[2] = SENSE_NOT_READY;
            r[12] = ASC_MEDIUM_NOT_PRESENT;
        }
        return reply_of(a, n, p[4], reply_len);
    }
    case CMD_INQUIRY:
        return reply_of(a, build_inquiry(r), be16(p + 3), reply_len);
    case CMD_READ_CAPACITY: {
        uint32_t sectors = medium_sectors(medium);
        put_be32(r, sectors ? sectors - 1 : 0);
        put_be32(r + 4, ATAPI_SECTOR_SIZE);
        return reply_of(a, 8, 8, reply_len);
    }
    case CMD_READ_10:
        return start_read(a, medium, be32(p + 2), be16(p + 7));
    case CMD_READ_12:
        return start_read(a, medium, be32(p + 2), be32(p + 6));
    case CMD_MODE_SENSE_6:
    case CMD_MODE_SENSE_10:
        return mode_sense(a, p, r, reply_len);
    case CMD_READ_TOC:
        return read_toc(a, medium, p, r, reply_len);
    case CMD_GET_CONFIGURATION:
        return get_configuration(a, medium, p, r, reply_len);
    case CMD_READ_SUBCHANNEL:
        return read_subchannel(a, p, r, reply_len);
    case CMD_GET_EVENT_STATUS:
        return get_event_status(a, p, r, reply_len);
    default:
        return check(a, SENSE_ILLEGAL_REQUEST, ASC_INVALID_COMMAND, 0);
    }
}

uint32_t atapi_stream_read(struct atapi *a, const struct blockdev *medium, uint8_t *buf, uint32_t max_bytes)
{
    uint32_t n = max_bytes / ATAPI_SECTOR_SIZE;
    if (n > a->read_left)
        n = a->read_left;
    if (!medium) {
        check(a, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, 0);
        return 0;
    }
    if (!blockdev_read(medium, (uint64_t)a->read_lba * ATAPI_SECTOR_SIZE, buf, (size_t)n * ATAPI_SECTOR_SIZE)) {
        a->read_left = 0;
        check(a, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
        return 0;
    }
    a->read_lba += n;
    a->read_left -= n;
    return n * ATAPI_SECTOR_SIZE;
}
