/* Conversions between the extended format and the memory formats: single and double
 * reals and packed BCD (SDM vol. 1, 4.2.2, 4.7 and 8.3.3; SDM vol. 2, FLD, FST, FBLD,
 * FBSTP). Integers are in softfloat80.c. */
#include "softfloat80_internal.h"

/* The layout of a binary interchange format. */
struct ieee_layout {
    unsigned frac_bits, exp_bits;
    int32_t bias;
    const struct fx_format *format;
};
static const struct ieee_layout layout_f32 = { 23, 8, 127, &fx_format_f32 };
static const struct ieee_layout layout_f64 = { 52, 11, 1023, &fx_format_f64 };

static fx80 from_ieee(struct fx_ctx *c, const struct ieee_layout *l, uint64_t v)
{
    bool sign = (v >> (l->frac_bits + l->exp_bits)) & 1;
    uint64_t exp = (v >> l->frac_bits) & ((1u << l->exp_bits) - 1);
    uint64_t frac = v & ((1ull << l->frac_bits) - 1);
    uint64_t sig = frac << (63 - l->frac_bits);
    if (exp == (1u << l->exp_bits) - 1) {
        if (frac == 0)
            return fx_make(sign, FX_EXP_MAX, FX_J);
        if (!(sig & FX_QUIET))
            c->flags |= FX_IE; /* an SNaN source is quieted */
        return fx_make(sign, FX_EXP_MAX, FX_J | FX_QUIET | sig);
    }
    if (exp == 0) {
        if (frac == 0)
            return fx_make(sign, 0, 0);
        c->flags |= FX_DE;
        unsigned n = clz64(sig);
        return fx_make(sign, (unsigned)(FX_BIAS + 1 - l->bias - (int32_t)n), sig << n);
    }
    return fx_make(sign, (unsigned)((int32_t)exp - l->bias + FX_BIAS), FX_J | sig);
}

fx80 fx_from_f32(struct fx_ctx *c, uint32_t v) { return from_ieee(c, &layout_f32, v); }
fx80 fx_from_f64(struct fx_ctx *c, uint64_t v) { return from_ieee(c, &layout_f64, v); }

static uint64_t pack_ieee(const struct ieee_layout *l, bool sign, uint64_t exp, uint64_t frac)
{
    return ((uint64_t)sign << (l->frac_bits + l->exp_bits)) | (exp << l->frac_bits) | frac;
}

static uint64_t to_ieee(struct fx_ctx *c, const struct ieee_layout *l, fx80 a)
{
    uint64_t exp_max = (1u << l->exp_bits) - 1;
    unsigned drop = 63 - l->frac_bits;
    uint64_t frac_mask = (1ull << l->frac_bits) - 1;
    c->rounded_up = false;
    if (fx_is_unsupported(a)) {
        c->flags |= FX_IE;
        a = FX_INDEFINITE;
    }
    if (fx_is_nan(a)) {
        if (fx_is_snan(a))
            c->flags |= FX_IE;
        /* The top fraction bits, made quiet (SDM vol. 1, 4.8.3.4). */
        return pack_ieee(l, fx_sign(a), exp_max, ((a.sig | FX_QUIET) >> drop) & frac_mask);
    }
    if (fx_exp(a) == FX_EXP_MAX)
        return pack_ieee(l, fx_sign(a), exp_max, 0);
    if (fx_exp(a) == 0 && a.sig == 0)
        return pack_ieee(l, fx_sign(a), 0, 0);
    /* A denormal source raises no DE here (SDM vol. 2, FST: #IA, #IS, #U, #O, #P). */
    struct fx_unpacked u = fx_unpack(a);
    struct fx_rounded r = fx_round(c, l->format, u.sign, u.exp, u.sig, 0);
    if (r.sig == 0)
        return pack_ieee(l, r.sign, 0, 0);
    if (r.exp > l->format->emax)
        return pack_ieee(l, r.sign, exp_max, 0);
    if (!(r.sig & FX_J))
        return pack_ieee(l, r.sign, 0, r.sig >> drop);
    return pack_ieee(l, r.sign, (uint64_t)(r.exp + l->bias), (r.sig >> drop) & frac_mask);
}

uint32_t fx_to_f32(struct fx_ctx *c, fx80 a) { return (uint32_t)to_ieee(c, &layout_f32, a); }
uint64_t fx_to_f64(struct fx_ctx *c, fx80 a) { return to_ieee(c, &layout_f64, a); }

/* ---- packed BCD: bytes 0-8 hold 18 digits, two per byte (low nibble first), byte 9's
 * top bit is the sign (SDM vol. 1, 4.7). ---- */

fx80 fx_from_bcd(const uint8_t bcd[10])
{
    /* Digits above 9 are undefined (SDM vol. 2, FBLD); they are taken at face value. */
    uint64_t v = 0;
    for (int i = 8; i >= 0; i--)
        v = v * 100 + (uint64_t)(bcd[i] >> 4) * 10 + (bcd[i] & 0xF);
    bool sign = (bcd[9] & 0x80) != 0;
    fx80 r = fx_from_int64((int64_t)v);
    return sign ? fx_make(true, fx_exp(r), r.sig) : r;
}

void fx_to_bcd(struct fx_ctx *c, fx80 a, uint8_t bcd[10])
{
    static const uint64_t limit = 999999999999999999ull;
    struct fx_ctx tmp = *c;
    tmp.flags = 0;
    int64_t v = 0;
    bool valid = !fx_is_unsupported(a) && !fx_is_nan(a) && fx_exp(a) != FX_EXP_MAX;
    if (valid) {
        v = fx_to_int(&tmp, a, 64);
        uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        valid = !(tmp.flags & FX_IE) && m <= limit;
    }
    if (!valid) {
        /* The packed BCD indefinite (SDM vol. 1, table 4-4). */
        static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
        for (int i = 0; i < 10; i++)
            bcd[i] = indefinite[i];
        c->flags |= FX_IE;
        c->rounded_up = false;
        return;
    }
    c->flags |= tmp.flags;
    c->rounded_up = tmp.rounded_up;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    for (int i = 0; i < 9; i++) {
        unsigned lo = (unsigned)(m % 10), hi = (unsigned)(m / 10 % 10);
        bcd[i] = (uint8_t)(hi << 4 | lo);
        m /= 100;
    }
    bcd[9] = fx_sign(a) ? 0x80 : 0;
}
