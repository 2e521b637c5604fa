/* The 8042 keyboard controller of the PC/AT and PS/2.
 *
 * Sources:
 *  - Winbond W83977F/AF datasheet, section 7 "Keyboard Controller" (an 8042-compatible
 *    KBC with the IBM firmware's command set): output buffer, input buffer, status
 *    register bits (0 OBF, 1 IBF, 2 system flag, 3 command/data, 4 inhibit switch,
 *    5 auxiliary output buffer full, 6 time-out, 7 parity error) and the command table
 *    (A7h-AEh, C0h, D0h-D4h, E0h, Fxh pulsing the reset line).
 *  - IBM PS/2 Hardware Interface Technical Reference, "Keyboard/Auxiliary Device
 *    Controller": the controller command byte (bit 0 keyboard interrupt, 1 auxiliary
 *    interrupt, 2 system flag, 4 disable keyboard, 5 disable auxiliary device, 6 IBM PC
 *    compatibility mode = scan code translation), commands 20h-3Fh / 60h-7Fh (read /
 *    write the controller's RAM, byte 0 being the command byte), AAh (self-test, 55h),
 *    ABh/A9h (interface tests, 00h = no error), the output port (bit 0 system reset,
 *    bit 1 A20 gate, bits 4/5 the output-buffer-full interrupt lines) and the input port.
 *  - helppc "8042 - Keyboard Controller" (D. Jurgens): DDh/DFh gate A20 on controllers
 *    that have them; writing 60h with no command pending sends the byte to the keyboard.
 *
 * Model: the controller executes a command the moment it is written, so IBF always
 * reads 0. A device byte moves into the empty output buffer as soon as the device has
 * one and its clock is enabled (the command byte's disable bits inhibit it, leaving the
 * bytes in the device's own buffer, as the real clock inhibit does). The keyboard has
 * priority over the mouse. Sending a byte to a device clears that interface's disable
 * bit: the controller must release the clock line to transmit. */
#include "kbc.h"

#include <stddef.h>
#include <string.h>

enum {
    SELF_TEST_OK = 0x55,
    INTERFACE_OK = 0x00,
    NO_PASSWORD = 0xF1,
    DEVICE_TIMEOUT_BYTE = 0xFE,
    /* Power-on command byte: keyboard interrupt and translation on, both interfaces
     * enabled; what a PC/AT BIOS programs, so guests started without one see a PC/AT. */
    RESET_COMMAND_BYTE = KBC_CB_KBD_IRQ | KBC_CB_TRANSLATE,
    /* The output port's lines rest high after reset (A20 on, CPU running, clock and
     * data lines released); bits 4-5 follow the output buffer. */
    RESET_OUTPUT_PORT = 0xCF,
    /* Input port: bit 7 keyboard not inhibited (key lock open), bit 6 clear for a
     * colour display, bit 5 no manufacturing jumper, bit 4 512 KiB on the planar,
     * bits 1/0 the auxiliary and keyboard data lines (idle high). */
    INPUT_PORT = 0xB3,
};

enum device_port { PORT_KBD, PORT_AUX };

/* The 8042 firmware's set 2 -> set 1 table for codes 00h-7Fh (IBM PS/2 Hardware
 * Interface Technical Reference; the same values every PS/2-compatible KBC uses).
 * Each key's set 2 code maps to its set 1 code; the unused codes map to the spare set 1
 * codes. Codes 80h and up pass unchanged except 83h (F7) and 84h (Alt+SysRq). */
static const uint8_t translation[128] = {
    /* 00 */ 0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58,
    /* 08 */ 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,
    /* 10 */ 0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A,
    /* 18 */ 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,
    /* 20 */ 0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C,
    /* 28 */ 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,
    /* 30 */ 0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E,
    /* 38 */ 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,
    /* 40 */ 0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60,
    /* 48 */ 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,
    /* 50 */ 0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E,
    /* 58 */ 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,
    /* 60 */ 0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B,
    /* 68 */ 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,
    /* 70 */ 0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45,
    /* 78 */ 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,
};

uint8_t kbc_translate(uint8_t code)
{
    if (code < 0x80)
        return translation[code];
    if (code == 0x83)
        return 0x41;
    if (code == 0x84)
        return 0x54;
    return code;
}

/* ---- Interrupts and the output buffer ---------------------------------------------- */

static uint8_t command_byte(const struct kbc *c) { return c->ram[0]; }

/* The output buffer full signals reach IRQ 1 / IRQ 12 through the output port's bits
 * 4 and 5, gated by the command byte's interrupt enables. */
static void update_irqs(struct kbc *c)
{
    bool full = c->status & KBC_STATUS_OBF, aux = c->status & KBC_STATUS_AUX;
    bool kbd_level = full && !aux && (command_byte(c) & KBC_CB_KBD_IRQ);
    bool aux_level = full && aux && (command_byte(c) & KBC_CB_AUX_IRQ);
    if (kbd_level != c->irq_kbd_level) {
        c->irq_kbd_level = kbd_level;
        irq_set(&c->irq_kbd, kbd_level);
    }
    if (aux_level != c->irq_aux_level) {
        c->irq_aux_level = aux_level;
        irq_set(&c->irq_aux, aux_level);
    }
}

/* Puts a byte in the output buffer (a controller reply overwrites what is there). */
static void output(struct kbc *c, uint8_t byte, bool from_aux)
{
    c->output_buffer = byte;
    c->status |= KBC_STATUS_OBF;
    if (from_aux)
        c->status |= KBC_STATUS_AUX;
    else
        c->status &= (uint8_t)~KBC_STATUS_AUX;
    update_irqs(c);
}

static struct ps2_link *device_link(struct kbc *c, enum device_port port)
{
    if (port == PORT_KBD)
        return c->kbd ? &c->kbd->link : NULL;
    return c->mouse ? &c->mouse->link : NULL;
}

static uint8_t disable_bit(enum device_port port)
{
    return port == PORT_KBD ? KBC_CB_KBD_DISABLE : KBC_CB_AUX_DISABLE;
}

static bool take_from(struct kbc *c, enum device_port port, uint8_t *byte)
{
    struct ps2_link *link = device_link(c, port);
    if (!link || (command_byte(c) & disable_bit(port)))
        return false;
    return link->host_takes(link->device, byte);
}

/* With translation on (command byte bit 6) keyboard bytes go through the table, and a
 * set 2 break prefix F0h is swallowed and folded into bit 7 of the next code. */
static bool take_keyboard_byte(struct kbc *c, uint8_t *out)
{
    uint8_t byte;
    while (take_from(c, PORT_KBD, &byte)) {
        if (!(command_byte(c) & KBC_CB_TRANSLATE)) {
            *out = byte;
            return true;
        }
        if (byte == 0xF0) {
            c->break_prefix = true;
            continue;
        }
        *out = (uint8_t)(kbc_translate(byte) | (c->break_prefix ? 0x80 : 0));
        c->break_prefix = false;
        return true;
    }
    return false;
}

/* Fills an empty output buffer from the devices. */
static void service(struct kbc *c)
{
    if (c->status & KBC_STATUS_OBF)
        return;
    uint8_t byte;
    if (take_keyboard_byte(c, &byte)) {
        c->status &= (uint8_t)~(KBC_STATUS_TIMEOUT | KBC_STATUS_PARITY);
        output(c, byte, false);
    } else if (take_from(c, PORT_AUX, &byte)) {
        c->status &= (uint8_t)~(KBC_STATUS_TIMEOUT | KBC_STATUS_PARITY);
        output(c, byte, true);
    }
}

static void device_has_data(void *opaque) { service(opaque); }

/* A byte for a device; with nothing plugged in the transmission times out. */
static void send_to_device(struct kbc *c, enum device_port port, uint8_t byte)
{
    struct ps2_link *link = device_link(c, port);
    if (!link) {
        c->status |= KBC_STATUS_TIMEOUT;
        output(c, DEVICE_TIMEOUT_BYTE, port == PORT_AUX);
        return;
    }
    c->ram[0] &= (uint8_t)~disable_bit(port);
    c->status &= (uint8_t)~KBC_STATUS_TIMEOUT;
    link->host_sends(link->device, byte);
    service(c);
}

/* ---- The output port: CPU reset and A20 -------------------------------------------- */

static uint8_t read_output_port(const struct kbc *c)
{
    uint8_t v = c->output_port & (uint8_t)~(KBC_OUT_KBD_OBF | KBC_OUT_AUX_OBF);
    if (c->status & KBC_STATUS_OBF)
        v |= (c->status & KBC_STATUS_AUX) ? KBC_OUT_AUX_OBF : KBC_OUT_KBD_OBF;
    return v;
}

static void set_a20(struct kbc *c, bool enabled)
{
    if (enabled)
        c->output_port |= KBC_OUT_A20;
    else
        c->output_port &= (uint8_t)~KBC_OUT_A20;
    bus_set_a20_source(c->bus, A20_SOURCE_KBC, enabled);
}

static void pulse_reset(struct kbc *c)
{
    if (c->reset_cpu)
        c->reset_cpu(c->opaque);
}

/* D1h: bit 1 drives A20; a 0 in bit 0 resets the CPU. The line is treated as a pulse
 * (it reads back as 1), since a CPU held in reset forever helps no one. */
static void write_output_port(struct kbc *c, uint8_t value)
{
    c->output_port = (uint8_t)(value | KBC_OUT_RESET);
    set_a20(c, value & KBC_OUT_A20);
    if (!(value & KBC_OUT_RESET))
        pulse_reset(c);
}

/* ---- Commands (port 64h) and data (port 60h) --------------------------------------- */

static void write_ram(struct kbc *c, unsigned index, uint8_t value)
{
    c->ram[index % KBC_RAM_SIZE] = value;
    if (index % KBC_RAM_SIZE == 0) {
        /* The command byte's bit 2 is the status register's system flag. */
        c->status = (uint8_t)((c->status & ~KBC_STATUS_SYSTEM) | (value & KBC_CB_SYSTEM));
        update_irqs(c);
        service(c);
    }
}

static bool takes_data_byte(uint8_t command)
{
    return (command >= 0x60 && command <= 0x7F) || (command >= 0xD1 && command <= 0xD4);
}

static void set_interface(struct kbc *c, uint8_t disable, bool enabled)
{
    if (enabled)
        c->ram[0] &= (uint8_t)~disable;
    else
        c->ram[0] |= disable;
    service(c);
}

/* Test inputs T0/T1: the keyboard and auxiliary clock lines, low while inhibited. */
static uint8_t test_inputs(const struct kbc *c)
{
    return (uint8_t)((command_byte(c) & KBC_CB_KBD_DISABLE ? 0 : 0x01) |
                     (command_byte(c) & KBC_CB_AUX_DISABLE ? 0 : 0x02));
}

static void execute_command(struct kbc *c, uint8_t command)
{
    if (command >= 0x20 && command <= 0x3F) {
        output(c, c->ram[command & 0x1F], false);
        return;
    }
    if (takes_data_byte(command)) {
        c->pending_command = command;
        return;
    }
    if (command >= 0xF0) {
        /* Pulse output port bits 0-3 where the command has a 0; bit 0 is the reset. */
        if (!(command & 0x01))
            pulse_reset(c);
        return;
    }
    switch (command) {
    case 0xA4: output(c, NO_PASSWORD, false); break;
    case 0xA7: set_interface(c, KBC_CB_AUX_DISABLE, false); break;
    case 0xA8: set_interface(c, KBC_CB_AUX_DISABLE, true); break;
    case 0xA9: output(c, INTERFACE_OK, false); break;
    case 0xAA:
        c->status |= KBC_STATUS_SYSTEM; /* the firmware sets F0 once the test passes */
        output(c, SELF_TEST_OK, false);
        break;
    case 0xAB: output(c, INTERFACE_OK, false); break;
    case 0xAD: set_interface(c, KBC_CB_KBD_DISABLE, false); break;
    case 0xAE: set_interface(c, KBC_CB_KBD_DISABLE, true); break;
    case 0xC0: output(c, INPUT_PORT, false); break;
    case 0xD0: output(c, read_output_port(c), false); break;
    case 0xDD: set_a20(c, false); break;
    case 0xDF: set_a20(c, true); break;
    case 0xE0: output(c, test_inputs(c), false); break;
    default: break; /* vendor commands we do not have: ignored, as unknown ones are */
    }
}

static void write_data(struct kbc *c, uint8_t value)
{
    uint8_t command = c->pending_command;
    c->pending_command = 0;
    if (command >= 0x60 && command <= 0x7F)
        write_ram(c, command & 0x1F, value);
    else if (command == 0xD1)
        write_output_port(c, value);
    else if (command == 0xD2)
        output(c, value, false);
    else if (command == 0xD3)
        output(c, value, true);
    else if (command == 0xD4)
        send_to_device(c, PORT_AUX, value);
    else
        send_to_device(c, PORT_KBD, value);
}

static uint32_t data_read(void *opaque, uint32_t port, unsigned size)
{
    struct kbc *c = opaque;
    (void)port; (void)size;
    uint8_t value = c->output_buffer; /* an empty buffer reads its last byte again */
    c->status &= (uint8_t)~(KBC_STATUS_OBF | KBC_STATUS_AUX);
    update_irqs(c);
    service(c);
    return value;
}

static void data_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct kbc *c = opaque;
    (void)port; (void)size;
    c->status &= (uint8_t)~KBC_STATUS_COMMAND;
    write_data(c, (uint8_t)value);
}

static uint32_t status_read(void *opaque, uint32_t port, unsigned size)
{
    struct kbc *c = opaque;
    (void)port; (void)size;
    return c->status;
}

static void command_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct kbc *c = opaque;
    (void)port; (void)size;
    c->status |= KBC_STATUS_COMMAND;
    c->pending_command = 0; /* a new command abandons one still waiting for data */
    execute_command(c, (uint8_t)value);
}

/* ---- Life cycle -------------------------------------------------------------------- */

static void connect(struct kbc *c, struct ps2_link *link)
{
    if (link) {
        link->host = c;
        link->device_has_data = device_has_data;
    }
}

void kbc_init(struct kbc *c, struct bus *bus, struct scheduler *s, struct irq_line irq1,
              struct irq_line irq12, struct ps2kbd *kbd, struct ps2mouse *mouse,
              void (*reset_cpu)(void *opaque), void *opaque)
{
    *c = (struct kbc){ .bus = bus, .sched = s, .irq_kbd = irq1, .irq_aux = irq12, .kbd = kbd,
                       .mouse = mouse, .reset_cpu = reset_cpu, .opaque = opaque };
    bus_add_ports(bus, 0x60, 1, data_read, data_write, c);
    bus_add_ports(bus, 0x64, 1, status_read, command_write, c);
    connect(c, device_link(c, PORT_KBD));
    connect(c, device_link(c, PORT_AUX));
    kbc_reset(c);
}

void kbc_reset(struct kbc *c)
{
    memset(c->ram, 0, sizeof c->ram);
    c->ram[0] = RESET_COMMAND_BYTE;
    c->status = KBC_STATUS_UNLOCKED; /* system flag 0 after power-on */
    c->output_buffer = 0;
    c->pending_command = 0;
    c->break_prefix = false;
    c->output_port = RESET_OUTPUT_PORT;
    bus_set_a20_source(c->bus, A20_SOURCE_KBC, true);
    update_irqs(c);
    service(c);
}

static void kbc_post_load(void *dev)
{
    struct kbc *c = dev;
    if (!(c->status & KBC_STATUS_OBF))
        c->status &= (uint8_t)~KBC_STATUS_AUX;
    c->status &= (uint8_t)~KBC_STATUS_IBF;
    if (c->pending_command && !takes_data_byte(c->pending_command))
        c->pending_command = 0;
    /* The output port's A20 bit drives the gate: the bus is built fresh for a restore. */
    bus_set_a20_source(c->bus, A20_SOURCE_KBC, (c->output_port & KBC_OUT_A20) != 0);
    /* Drive both lines to the restored state whatever was driven before. */
    update_irqs(c);
    irq_set(&c->irq_kbd, c->irq_kbd_level);
    irq_set(&c->irq_aux, c->irq_aux_level);
}

/* Not saved: the wiring (bus, sched, the IRQ lines, kbd, mouse, reset_cpu, opaque) and
 * irq_kbd_level and irq_aux_level, derived from the status and the command byte by
 * post_load. The A20 gate follows output_port bit 1 (post_load drives it). */
static const struct state_field kbc_fields[] = {
    STATE_BYTES(struct kbc, ram),
    STATE_UINT(struct kbc, status),
    STATE_UINT(struct kbc, output_buffer),
    STATE_UINT(struct kbc, output_port),
    STATE_UINT(struct kbc, pending_command),
    STATE_BOOL(struct kbc, break_prefix),
};
const struct state_desc kbc_state_desc = STATE_DESC("kbc", 1, kbc_fields, kbc_post_load);
