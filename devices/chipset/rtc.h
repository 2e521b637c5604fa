/* The Motorola MC146818A real-time clock with 114 bytes of battery-backed RAM, wired as
 * in the IBM PC/AT: index port 70h (bit 7 masks NMI, bits 0-6 select one of 128 bytes),
 * data port 71h, interrupt output on IRQ 8.
 *
 * The chip's time registers advance lazily: nothing runs once per second. The divider
 * chain is a 32.768 kHz tick count measured from a guest-time origin, so the update
 * cycles, the UIP window and the periodic-interrupt edges are all pure functions of
 * guest time; the registers are brought up to date whenever the guest touches the chip,
 * and a single scheduler event fires only when an enabled interrupt is due. */
#ifndef VX86_RTC_H
#define VX86_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"
#include "sched.h"
#include "state.h"

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT  0x71
#define RTC_CMOS_SIZE  128

/* Byte indexes the PC firmware and the machine care about. */
enum {
    RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02, RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09,
    RTC_REG_A = 0x0A, RTC_REG_B = 0x0B, RTC_REG_C = 0x0C, RTC_REG_D = 0x0D,
    RTC_NVRAM_FIRST = 0x0E,
    RTC_CHECKSUM_FIRST = 0x10,   /* the standard checksum covers 10h-2Dh ... */
    RTC_CHECKSUM_LAST = 0x2D,
    RTC_CHECKSUM_HIGH = 0x2E,    /* ... and is stored big-endian at 2Eh-2Fh */
    RTC_CHECKSUM_LOW = 0x2F,
    RTC_CENTURY = 0x32,          /* IBM's century byte: plain RAM to the chip */
};

/* A calendar time as the machine supplies it (host clock, or a fixed value when the
 * machine runs deterministically). year is the full year, e.g. 2024 (1-9999);
 * out-of-range fields are clamped. */
struct rtc_time {
    int year, month, day;        /* month 1-12, day 1-31 */
    int hour, minute, second;    /* 0-23, 0-59, 0-59 */
};

struct rtc {
    struct bus *bus;
    struct scheduler *sched;
    struct irq_line irq;
    struct event timer;          /* the next enabled interrupt that is due */

    /* The chip's 128 bytes. 00h-09h hold the time as of last_sync; 0Ah holds register
     * A without UIP (computed when read); 0Ch holds PF/AF/UF (IRQF is computed);
     * 0Dh is always 80h. */
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;               /* the last index written to port 70h, bits 0-6 */
    bool nmi_masked;             /* bit 7 of the last write to port 70h */
    /* Guest time (ns) at which the divider chain counted zero: updates start at
     * origin + 0.5 s + k s. rtc_set_time may place it before time zero, so all
     * arithmetic on it is modulo 2^64. */
    uint64_t divider_origin;
    uint64_t last_sync;          /* guest time up to which the registers are current */

    bool irq_level;              /* derived: the level last driven on the IRQ line */
};

/* Registers ports 70h-71h and the timer event. The scheduler's clock must already be
 * readable: the chip starts at 2000-01-01 00:00:00 (24 h, BCD, register A = 26h) with
 * its next update one second from now, until the machine calls rtc_set_time. */
void rtc_init(struct rtc *r, struct bus *bus, struct scheduler *s, struct irq_line irq8);
/* The chip's RESET pin: clears PIE, AIE, UIE, SQWE and the interrupt flags; leaves the
 * time, the divider, the rate, the RAM, the index and the NMI mask alone. */
void rtc_reset(struct rtc *r);

/* Sets the clock to t now (in the data format register B selects), the century byte
 * 32h too, and restarts the one-second phase so the next update is one second later.
 * Load the NVRAM first: its register B decides BCD/binary and 12/24 h. */
void rtc_set_time(struct rtc *r, const struct rtc_time *t);
/* Restores a saved CMOS image: the RAM, registers A and B and the time registers.
 * Register C starts clear and register D reads 80h whatever the image says. */
void rtc_load_nvram(struct rtc *r, const uint8_t data[RTC_CMOS_SIZE]);
/* Writes one byte as the guest would through port 71h (index taken modulo 128). */
void rtc_set_byte(struct rtc *r, unsigned index, uint8_t value);
/* Recomputes the standard checksum (sum of 10h-2Dh, big-endian at 2Eh-2Fh). */
void rtc_update_checksum(struct rtc *r);
/* Bit 7 of the last write to port 70h: 1 keeps NMI from reaching the CPU. */
bool rtc_nmi_masked(const struct rtc *r);

extern const struct state_desc rtc_state_desc;

#endif
