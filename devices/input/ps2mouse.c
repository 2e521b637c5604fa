/* A PS/2 mouse with the IntelliMouse wheel.
 *
 * Sources:
 *  - Adam Chapweske, "The PS/2 Mouse Interface" (2001-2003): the movement packet
 *    (byte 1: Y overflow, X overflow, Y sign, X sign, 1, middle, right, left; bytes 2-3:
 *    the low 8 bits of 9-bit two's complement X and Y counters), the commands E6h-FFh and
 *    their replies (FFh: FA AA 00; E9h: FA, status, resolution, rate; F2h: FA, ID), the
 *    power-on defaults (100 samples/s, 4 counts/mm, 1:1 scaling, stream mode, reporting
 *    disabled), 2:1 scaling (0,1,1,3,6,9 then 2x; stream reports only, not EBh), wrap
 *    mode (echo everything except ECh and FFh), and the IntelliMouse extension: the
 *    sample rates 200, 100, 80 set in a row switch the ID to 3 and packets to 4 bytes,
 *    the fourth the wheel's movement as a signed byte.
 *  - IBM PS/2 Hardware Interface Technical Reference, "Keyboard and Auxiliary Device
 *    Controller" / pointing device: the same command set and the status byte layout
 *    (bit 6 remote mode, 5 enabled, 4 scaling 2:1, 2 left, 1 middle, 0 right).
 *
 * Movement beyond the 9-bit range is sent as the largest value with the overflow bit
 * set; the excess is lost, as with a real mouse's counter. Resolution is stored and
 * reported but does not scale motion (the host delivers counts). Not modelled: the
 * 5-button IntelliMouse Explorer (ID 4, sequence 200, 200, 80). */
#include "ps2mouse.h"

#include <stddef.h>
#include <string.h>

enum {
    MOUSE_ACK = 0xFA,
    MOUSE_BAT_OK = 0xAA,
    MOUSE_RESEND = 0xFE,
    MOUSE_ID_STANDARD = 0x00,
    MOUSE_ID_WHEEL = 0x03,
    DEFAULT_SAMPLE_RATE = 100,
    DEFAULT_RESOLUTION = 2,      /* 4 counts/mm */
    /* Packets may fill this much of the queue; the rest is kept for command replies. */
    PACKET_BUFFER_LIMIT = 16,
    MOTION_LIMIT = 1 << 20,      /* saturates the accumulated motion */
};

static const uint8_t valid_sample_rates[] = { 10, 20, 40, 60, 80, 100, 200 };
static const uint8_t wheel_knock[3] = { 200, 100, 80 };

static bool sample_rate_valid(unsigned rate)
{
    for (size_t i = 0; i < sizeof valid_sample_rates; i++)
        if (valid_sample_rates[i] == rate)
            return true;
    return false;
}

static uint64_t sample_period_ns(const struct ps2mouse *m)
{
    return 1000000000u / (m->sample_rate ? m->sample_rate : DEFAULT_SAMPLE_RATE);
}

/* ---- Replies ------------------------------------------------------------------------- */

/* Queues a packet or a reply as one unit and remembers it for FEh (resend). */
static void send_unit(struct ps2mouse *m, const uint8_t *bytes, unsigned n)
{
    if (n > sizeof m->last_unit)
        n = sizeof m->last_unit;
    for (unsigned i = 0; i < n; i++)
        ps2_queue_push(&m->queue, bytes[i]);
    memcpy(m->last_unit, bytes, n);
    m->last_unit_len = (uint8_t)n;
    ps2_link_notify(&m->link);
}

static void send_byte(struct ps2mouse *m, uint8_t byte) { send_unit(m, &byte, 1); }

/* ---- Movement packets ---------------------------------------------------------------- */

static unsigned packet_length(const struct ps2mouse *m) { return m->id == MOUSE_ID_WHEEL ? 4 : 3; }

static bool stream_reporting(const struct ps2mouse *m)
{
    return !m->remote_mode && m->reporting && !m->wrap_mode;
}

static bool has_news(const struct ps2mouse *m)
{
    return m->dx || m->dy || m->dz || m->buttons != m->buttons_reported;
}

static void clear_motion(struct ps2mouse *m)
{
    m->dx = m->dy = m->dz = 0;
    m->buttons_reported = m->buttons;
}

/* 2:1 scaling (Chapweske): 1->1, 2->1, 3->3, 4->6, 5->9, beyond that doubled. */
static int32_t scale_2to1(int32_t v)
{
    static const int8_t small[6] = { 0, 1, 1, 3, 6, 9 };
    int32_t magnitude = v < 0 ? -v : v;
    int32_t scaled = magnitude < 6 ? small[magnitude] : 2 * magnitude;
    return v < 0 ? -scaled : scaled;
}

/* The 9-bit counter: values outside -256..255 set the overflow bit. */
static int32_t clamp_9bit(int32_t v, bool *overflow)
{
    *overflow = v > 255 || v < -256;
    return v > 255 ? 255 : v < -256 ? -256 : v;
}

static void build_packet(struct ps2mouse *m, bool apply_scaling, uint8_t packet[4])
{
    int32_t x = m->dx, y = m->dy;
    if (apply_scaling && m->scaling_2to1) {
        x = scale_2to1(x);
        y = scale_2to1(y);
    }
    bool x_overflow, y_overflow;
    x = clamp_9bit(x, &x_overflow);
    y = clamp_9bit(y, &y_overflow);
    int32_t z = m->dz > 127 ? 127 : m->dz < -128 ? -128 : m->dz;
    packet[0] = (uint8_t)((m->buttons & 7) | 0x08 | (x < 0 ? 0x10 : 0) | (y < 0 ? 0x20 : 0) |
                          (x_overflow ? 0x40 : 0) | (y_overflow ? 0x80 : 0));
    packet[1] = (uint8_t)(x & 0xFF);
    packet[2] = (uint8_t)(y & 0xFF);
    packet[3] = (uint8_t)(z & 0xFF);
    clear_motion(m);
}

static bool packet_fits(const struct ps2mouse *m)
{
    return m->queue.count + packet_length(m) <= PACKET_BUFFER_LIMIT;
}

static void send_stream_packet(struct ps2mouse *m, uint64_t at)
{
    uint8_t packet[4];
    build_packet(m, true, packet);
    send_unit(m, packet, packet_length(m));
    m->next_report = at + sample_period_ns(m);
}

static void report_arm(struct ps2mouse *m, uint64_t when)
{
    m->report_armed = true;
    m->report_when = when;
    event_arm(m->sched, &m->report_event, when);
}

static void report_cancel(struct ps2mouse *m)
{
    m->report_armed = false;
    event_cancel(m->sched, &m->report_event);
}

/* A stream packet is due at the next sample time; until then motion accumulates. */
static void report_fire(void *opaque)
{
    struct ps2mouse *m = opaque;
    m->report_armed = false;
    if (stream_reporting(m) && has_news(m) && packet_fits(m))
        send_stream_packet(m, m->report_when);
}

static void schedule_report(struct ps2mouse *m, bool may_send_now)
{
    if (!stream_reporting(m) || !has_news(m) || m->report_armed)
        return;
    uint64_t now = sched_now(m->sched);
    if (now >= m->next_report && may_send_now && packet_fits(m))
        send_stream_packet(m, now);
    else
        report_arm(m, now > m->next_report ? now : m->next_report);
}

static int32_t saturate(int64_t v)
{
    return (int32_t)(v > MOTION_LIMIT ? MOTION_LIMIT : v < -MOTION_LIMIT ? -MOTION_LIMIT : v);
}

void ps2mouse_move(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    m->buttons = (uint8_t)(buttons & 7);
    if (m->wrap_mode || (!m->remote_mode && !m->reporting)) {
        clear_motion(m); /* nobody is listening: a later enable starts from rest */
        return;
    }
    m->dx = saturate((int64_t)m->dx + dx);
    m->dy = saturate((int64_t)m->dy - dy); /* the mouse's Y axis points up */
    m->dz = saturate((int64_t)m->dz + dz);
    schedule_report(m, true);
}

/* ---- Commands ------------------------------------------------------------------------ */

static void set_defaults(struct ps2mouse *m)
{
    m->sample_rate = DEFAULT_SAMPLE_RATE;
    m->resolution = DEFAULT_RESOLUTION;
    m->scaling_2to1 = false;
    m->remote_mode = false;
    m->reporting = false;
    m->wrap_mode = false;
    m->awaiting_arg = 0;
    clear_motion(m);
    report_cancel(m);
}

static void set_sample_rate(struct ps2mouse *m, uint8_t rate)
{
    m->sample_rate = rate;
    m->rate_history[0] = m->rate_history[1];
    m->rate_history[1] = m->rate_history[2];
    m->rate_history[2] = rate;
    if (memcmp(m->rate_history, wheel_knock, sizeof wheel_knock) == 0)
        m->id = MOUSE_ID_WHEEL;
}

static void handle_argument(struct ps2mouse *m, uint8_t command, uint8_t arg)
{
    if (command == 0xF3 && sample_rate_valid(arg)) {
        set_sample_rate(m, arg);
        send_byte(m, MOUSE_ACK);
    } else if (command == 0xE8 && arg <= 3) {
        m->resolution = arg;
        send_byte(m, MOUSE_ACK);
    } else {
        send_byte(m, MOUSE_RESEND);
    }
}

static void send_status(struct ps2mouse *m)
{
    /* Status byte: the buttons in another order than in packets (2 left, 1 middle, 0 right). */
    uint8_t buttons = (uint8_t)(((m->buttons & PS2MOUSE_LEFT) ? 4 : 0) |
                                ((m->buttons & PS2MOUSE_MIDDLE) ? 2 : 0) |
                                ((m->buttons & PS2MOUSE_RIGHT) ? 1 : 0));
    uint8_t reply[4] = {
        MOUSE_ACK,
        (uint8_t)((m->remote_mode ? 0x40 : 0) | (m->reporting ? 0x20 : 0) |
                  (m->scaling_2to1 ? 0x10 : 0) | buttons),
        m->resolution,
        m->sample_rate,
    };
    send_unit(m, reply, 4);
}

static void handle_command(struct ps2mouse *m, uint8_t command)
{
    switch (command) {
    case 0xE6: m->scaling_2to1 = false; send_byte(m, MOUSE_ACK); break;
    case 0xE7: m->scaling_2to1 = true; send_byte(m, MOUSE_ACK); break;
    case 0xE8: case 0xF3: m->awaiting_arg = command; send_byte(m, MOUSE_ACK); break;
    case 0xE9: send_status(m); break;
    case 0xEA: /* Set Stream Mode */
    case 0xF0: /* Set Remote Mode */
        m->remote_mode = command == 0xF0;
        clear_motion(m);
        report_cancel(m);
        send_byte(m, MOUSE_ACK);
        break;
    case 0xEB: { /* Read Data: ACK and a packet, in either mode */
        uint8_t reply[5] = { MOUSE_ACK };
        build_packet(m, false, reply + 1);
        for (unsigned i = 0; i < 1 + packet_length(m); i++)
            ps2_queue_push(&m->queue, reply[i]);
        memcpy(m->last_unit, reply + 1, 4);
        m->last_unit_len = (uint8_t)packet_length(m);
        ps2_link_notify(&m->link);
        break;
    }
    case 0xEC: send_byte(m, MOUSE_ACK); break; /* Reset Wrap Mode when not wrapping */
    case 0xEE: m->wrap_mode = true; clear_motion(m); report_cancel(m); send_byte(m, MOUSE_ACK); break;
    case 0xF2: { uint8_t reply[2] = { MOUSE_ACK, m->id }; send_unit(m, reply, 2); break; }
    case 0xF4: m->reporting = true; clear_motion(m); send_byte(m, MOUSE_ACK); break;
    case 0xF5: m->reporting = false; clear_motion(m); report_cancel(m); send_byte(m, MOUSE_ACK); break;
    case 0xF6: set_defaults(m); send_byte(m, MOUSE_ACK); break;
    case 0xFE: /* Resend the last packet or reply */
        for (unsigned i = 0; i < m->last_unit_len && i < sizeof m->last_unit; i++)
            ps2_queue_push(&m->queue, m->last_unit[i]);
        ps2_link_notify(&m->link);
        break;
    case 0xFF: { /* Reset: ACK, BAT passed, ID */
        static const uint8_t reply[3] = { MOUSE_ACK, MOUSE_BAT_OK, MOUSE_ID_STANDARD };
        ps2_queue_clear(&m->queue);
        set_defaults(m);
        m->id = MOUSE_ID_STANDARD;
        memset(m->rate_history, 0, sizeof m->rate_history);
        send_unit(m, reply, 3);
        break;
    }
    default: send_byte(m, MOUSE_RESEND); break;
    }
}

/* Arguments (rates up to 200, resolutions 0-3) never reach E6h, so a byte from E6h up
 * sent while an argument is expected is taken as a new command. */
static void mouse_host_sends(void *opaque, uint8_t byte)
{
    struct ps2mouse *m = opaque;
    if (m->wrap_mode) {
        if (byte == 0xFF) {
            handle_command(m, byte);
        } else if (byte == 0xEC) {
            m->wrap_mode = false;
            send_byte(m, MOUSE_ACK);
        } else {
            send_byte(m, byte);
        }
        return;
    }
    uint8_t command = m->awaiting_arg;
    m->awaiting_arg = 0;
    if (command && byte < 0xE6)
        handle_argument(m, command, byte);
    else
        handle_command(m, byte);
}

/* The host took a byte: if motion waits for room in the queue, send it at the next
 * sample time (from the event, never from inside the host's own call). */
static bool mouse_host_takes(void *opaque, uint8_t *byte)
{
    struct ps2mouse *m = opaque;
    if (!ps2_queue_pop(&m->queue, byte))
        return false;
    schedule_report(m, false);
    return true;
}

/* ---- Life cycle ---------------------------------------------------------------------- */

void ps2mouse_init(struct ps2mouse *m, struct scheduler *s)
{
    memset(m, 0, sizeof *m);
    m->sched = s;
    m->link.device = m;
    m->link.host_sends = mouse_host_sends;
    m->link.host_takes = mouse_host_takes;
    event_init(s, &m->report_event, "ps2mouse-report", report_fire, m);
    ps2mouse_reset(m);
}

void ps2mouse_reset(struct ps2mouse *m)
{
    ps2_queue_clear(&m->queue);
    set_defaults(m);
    m->id = MOUSE_ID_STANDARD;
    memset(m->rate_history, 0, sizeof m->rate_history);
    m->last_unit_len = 0;
    m->buttons = m->buttons_reported = 0;
    m->next_report = 0;
}

static void ps2mouse_post_load(void *dev)
{
    struct ps2mouse *m = dev;
    ps2_queue_sanitize(&m->queue);
    if (!sample_rate_valid(m->sample_rate))
        m->sample_rate = DEFAULT_SAMPLE_RATE;
    m->resolution &= 3;
    m->buttons &= 7;
    m->buttons_reported &= 7;
    if (m->last_unit_len > sizeof m->last_unit)
        m->last_unit_len = sizeof m->last_unit;
    m->dx = saturate(m->dx);
    m->dy = saturate(m->dy);
    m->dz = saturate(m->dz);
    if (m->report_armed)
        event_arm(m->sched, &m->report_event, m->report_when);
    else
        event_cancel(m->sched, &m->report_event);
}

/* Not saved: the wiring (link, connected by kbc_init; sched; report_event, whose time
 * is in the machine's "events" section: report_armed and report_when are the mouse's
 * own copy, from which post_load arms it). */
static const struct state_field ps2mouse_fields[] = {
    STATE_BYTES(struct ps2mouse, queue.data),
    STATE_UINT(struct ps2mouse, queue.head),
    STATE_UINT(struct ps2mouse, queue.count),
    STATE_UINT(struct ps2mouse, id),
    STATE_UINT(struct ps2mouse, sample_rate),
    STATE_UINT(struct ps2mouse, resolution),
    STATE_BOOL(struct ps2mouse, scaling_2to1),
    STATE_BOOL(struct ps2mouse, remote_mode),
    STATE_BOOL(struct ps2mouse, reporting),
    STATE_BOOL(struct ps2mouse, wrap_mode),
    STATE_UINT(struct ps2mouse, awaiting_arg),
    STATE_BYTES(struct ps2mouse, rate_history),
    STATE_BYTES(struct ps2mouse, last_unit),
    STATE_UINT(struct ps2mouse, last_unit_len),
    STATE_UINT(struct ps2mouse, dx),
    STATE_UINT(struct ps2mouse, dy),
    STATE_UINT(struct ps2mouse, dz),
    STATE_UINT(struct ps2mouse, buttons),
    STATE_UINT(struct ps2mouse, buttons_reported),
    STATE_UINT(struct ps2mouse, next_report),
    STATE_BOOL(struct ps2mouse, report_armed),
    STATE_UINT(struct ps2mouse, report_when),
};
const struct state_desc ps2mouse_state_desc = STATE_DESC("ps2mouse", 1, ps2mouse_fields, ps2mouse_post_load);
