/* 80-bit extended arithmetic: classification, NaN rules, the rounding routine, and the
 * basic operations. References: Intel SDM vol. 1, 4.8 (real numbers and their
 * encodings), 4.9 (exceptions), 8.5 (x87 exception conditions); IEEE 754-1985. */
#include "softfloat80_internal.h"

struct fx_ctx fx_ctx_from_control(uint16_t control)
{
    struct fx_ctx c = { 0 };
    c.rounding = (control >> 10) & 3;
    c.precision = (control >> 8) & 3;
    c.masks = control & FX_ALL_EXCEPTIONS;
    return c;
}

/* ---- classes ---- */

/* An exponent other than zero with J clear: unnormals, pseudo-infinities, pseudo-NaNs.
 * The 387 and later reject them as operands (SDM vol. 1, 8.2.2). */
bool fx_is_unsupported(fx80 a) { return fx_exp(a) != 0 && !(a.sig & FX_J); }
bool fx_is_nan(fx80 a) { return fx_exp(a) == FX_EXP_MAX && (a.sig & FX_J) && (a.sig << 1) != 0; }
bool fx_is_snan(fx80 a) { return fx_is_nan(a) && !(a.sig & FX_QUIET); }
bool fx_is_denormal(fx80 a) { return fx_exp(a) == 0 && a.sig != 0; }
static bool fx_is_inf(fx80 a) { return fx_exp(a) == FX_EXP_MAX && a.sig == FX_J; }
static bool fx_is_zero(fx80 a) { return fx_exp(a) == 0 && a.sig == 0; }

enum fx_class fx_classify(fx80 a)
{
    if (fx_is_unsupported(a)) return FX_CLASS_UNSUPPORTED;
    if (fx_is_nan(a)) return FX_CLASS_NAN;
    if (fx_is_inf(a)) return FX_CLASS_INFINITY;
    if (fx_is_zero(a)) return FX_CLASS_ZERO;
    if (fx_is_denormal(a)) return FX_CLASS_DENORMAL;
    return FX_CLASS_NORMAL;
}

/* ---- NaNs and operand checks ---- */

fx80 fx_invalid(struct fx_ctx *c)
{
    c->flags |= FX_IE;
    return FX_INDEFINITE;
}

static fx80 quieted(fx80 a) { return (fx80){ a.sig | FX_QUIET, a.se }; }

/* Of two NaNs the x87 delivers the one with the larger significand (SDM vol. 1, table
 * 4-7), a QNaN over an SNaN; with equal significands, the positive one. */
static fx80 pick_nan(fx80 a, fx80 b)
{
    if (!fx_is_nan(a)) return b;
    if (!fx_is_nan(b)) return a;
    if (fx_is_snan(a) != fx_is_snan(b))
        return fx_is_snan(a) ? b : a;
    uint64_t ma = a.sig << 1, mb = b.sig << 1;
    if (ma != mb) return ma > mb ? a : b;
    return a.se < b.se ? a : b;
}

bool fx_check_nan2(struct fx_ctx *c, fx80 a, fx80 b, fx80 *out)
{
    if (fx_is_unsupported(a) || fx_is_unsupported(b)) {
        *out = fx_invalid(c);
        return true;
    }
    if (!fx_is_nan(a) && !fx_is_nan(b))
        return false;
    if (fx_is_snan(a) || fx_is_snan(b))
        c->flags |= FX_IE;
    *out = quieted(pick_nan(a, b));
    return true;
}

bool fx_check_nan1(struct fx_ctx *c, fx80 a, fx80 *out)
{
    if (fx_is_unsupported(a)) {
        *out = fx_invalid(c);
        return true;
    }
    if (!fx_is_nan(a))
        return false;
    if (fx_is_snan(a))
        c->flags |= FX_IE;
    *out = quieted(a);
    return true;
}

void fx_note_denormals(struct fx_ctx *c, fx80 a, fx80 b)
{
    if (fx_is_denormal(a) || fx_is_denormal(b))
        c->flags |= FX_DE;
}

/* ---- rounding ---- */

const struct fx_format fx_format_f32 = { 24, -126, 127, false };
const struct fx_format fx_format_f64 = { 53, -1022, 1023, false };

struct fx_format fx_format_ext(const struct fx_ctx *c)
{
    static const unsigned bits[4] = { 24, 64, 53, 64 };
    return (struct fx_format){ bits[c->precision & 3], 1 - FX_BIAS, FX_BIAS, true };
}

/* The exponent adjustment of an unmasked overflow or underflow delivered to a register
 * (SDM vol. 1, 8.5.4 and 8.5.5). */
#define FX_WRAP_ADJUST 24576

/* Whether rounding away the low bits increments, by the rounding mode (IEEE 754, 4.1).
 * 'round' holds the dropped bits left-aligned with 'sticky' for anything below them. */
static bool round_increments(const struct fx_ctx *c, bool sign, bool lsb, uint64_t round, bool sticky)
{
    bool inexact = round != 0 || sticky;
    switch (c->rounding) {
    case FX_ROUND_NEAREST:
        return (round & FX_J) && ((round << 1) != 0 || sticky || lsb);
    case FX_ROUND_UP: return inexact && !sign;
    case FX_ROUND_DOWN: return inexact && sign;
    default: return false;
    }
}

/* Rounds sig:extra to 'bits' significant bits of sig. Returns the kept part (shifted
 * back in place), sets *carry if it overflowed 64 bits, *inexact and *up. */
static uint64_t round_bits(const struct fx_ctx *c, bool sign, unsigned bits, uint64_t sig, uint64_t extra,
                           bool *carry, bool *inexact, bool *up)
{
    unsigned drop = 64 - bits;
    uint64_t round, kept;
    bool sticky, lsb;
    if (drop == 0) {
        round = extra;
        sticky = false;
        kept = sig;
        lsb = sig & 1;
    } else {
        round = sig << bits;
        sticky = extra != 0;
        kept = sig >> drop;
        lsb = kept & 1;
    }
    *inexact = round != 0 || sticky;
    *up = round_increments(c, sign, lsb, round, sticky);
    kept += *up;
    *carry = drop == 0 ? (*up && kept == 0) : (kept >> bits) != 0;
    if (*carry)
        return FX_J;
    return drop == 0 ? kept : kept << drop;
}

static struct fx_rounded overflow_result(struct fx_ctx *c, const struct fx_format *f, bool sign)
{
    bool to_infinity = c->rounding == FX_ROUND_NEAREST || (c->rounding == FX_ROUND_UP && !sign) ||
                       (c->rounding == FX_ROUND_DOWN && sign);
    c->flags |= FX_OE | FX_PE;
    c->rounded_up = to_infinity;
    if (to_infinity)
        return (struct fx_rounded){ sign, f->emax + 1, FX_J };
    return (struct fx_rounded){ sign, f->emax, ~0ull << (64 - f->bits) };
}

struct fx_rounded fx_round(struct fx_ctx *c, const struct fx_format *f, bool sign, int32_t exp, uint64_t sig,
                           uint64_t extra)
{
    bool carry, inexact, up;
    c->rounded_up = false;
    if (sig == 0 && extra == 0)
        return (struct fx_rounded){ sign, f->emin, 0 };
    if (exp < f->emin) {
        /* x86 detects tininess after rounding: the result rounded as if the exponent
         * had no lower bound is below the smallest normal. */
        round_bits(c, sign, f->bits, sig, extra, &carry, &inexact, &up);
        bool tiny = !(carry && exp + 1 == f->emin);
        bool ue_unmasked = !(c->masks & FX_UE);
        /* The adjusted exponent must land in range; far beyond it (FSCALE) the silicon
         * delivers a zero. */
        if (ue_unmasked && tiny && f->bias_adjust && exp + FX_WRAP_ADJUST < f->emin) {
            c->flags |= FX_UE | FX_PE;
            return (struct fx_rounded){ sign, f->emin, 0 };
        }
        if (ue_unmasked && tiny && f->bias_adjust) {
            uint64_t r = round_bits(c, sign, f->bits, sig, extra, &carry, &inexact, &up);
            c->flags |= FX_UE | (inexact ? FX_PE : 0);
            c->rounded_up = up;
            return (struct fx_rounded){ sign, exp + carry + FX_WRAP_ADJUST, r };
        }
        if (ue_unmasked && tiny && !f->bias_adjust) {
            /* A memory destination: nothing is stored, only UE is reported. */
            c->flags |= FX_UE;
            return (struct fx_rounded){ sign, f->emin, 0 };
        }
        u128 m = u128_shr_sticky(u128_make(sig, extra), (unsigned)(f->emin - exp > 200 ? 200 : f->emin - exp));
        uint64_t r = round_bits(c, sign, f->bits, m.hi, m.lo, &carry, &inexact, &up);
        if (inexact) c->flags |= FX_PE;
        if (tiny && (inexact || ue_unmasked)) c->flags |= FX_UE;
        c->rounded_up = up;
        /* A carry out of a denormal makes the smallest normal; J then marks it. */
        return (struct fx_rounded){ sign, f->emin, r };
    }
    uint64_t r = round_bits(c, sign, f->bits, sig, extra, &carry, &inexact, &up);
    exp += carry;
    if (exp > f->emax) {
        if (!(c->masks & FX_OE) && f->bias_adjust && exp - FX_WRAP_ADJUST > f->emax) {
            c->flags |= FX_OE | FX_PE; /* beyond the adjustment: an infinity */
            c->rounded_up = true;
            return (struct fx_rounded){ sign, f->emax + 1, FX_J };
        }
        if (!(c->masks & FX_OE) && f->bias_adjust) {
            c->flags |= FX_OE | (inexact ? FX_PE : 0);
            c->rounded_up = up;
            return (struct fx_rounded){ sign, exp - FX_WRAP_ADJUST, r };
        }
        if (!(c->masks & FX_OE) && !f->bias_adjust) {
            c->flags |= FX_OE; /* a memory destination: nothing stored, only OE */
            return (struct fx_rounded){ sign, f->emax + 1, FX_J };
        }
        return overflow_result(c, f, sign);
    }
    if (inexact) c->flags |= FX_PE;
    c->rounded_up = up;
    return (struct fx_rounded){ sign, exp, r };
}

struct fx_rounded fx_round128(struct fx_ctx *c, const struct fx_format *f, bool sign, int32_t exp, u128 m)
{
    if (u128_is_zero(m))
        return fx_round(c, f, sign, exp, 0, 0);
    unsigned n = u128_clz(m);
    m = u128_shl(m, n);
    return fx_round(c, f, sign, exp - (int32_t)n, m.hi, m.lo);
}

fx80 fx_pack_ext(struct fx_rounded r)
{
    if (r.sig == 0)
        return fx_make(r.sign, 0, 0);
    if (!(r.sig & FX_J))
        return fx_make(r.sign, 0, r.sig);
    return fx_make(r.sign, (unsigned)(r.exp + FX_BIAS), r.sig);
}

fx80 fx_round_pack(struct fx_ctx *c, bool sign, int32_t exp, uint64_t sig, uint64_t extra)
{
    struct fx_format f = fx_format_ext(c);
    return fx_pack_ext(fx_round(c, &f, sign, exp, sig, extra));
}

fx80 fx_exact_zero(const struct fx_ctx *c) { return fx_make(c->rounding == FX_ROUND_DOWN, 0, 0); }

/* ---- addition and subtraction ---- */

/* The sum of two finite nonzero values (b's sign already negated for a subtraction):
 * the sign is that of the larger magnitude. */
static fx80 add_magnitudes(struct fx_ctx *c, struct fx_unpacked a, struct fx_unpacked b, bool subtract)
{
    if (a.exp < b.exp || (a.exp == b.exp && a.sig < b.sig)) {
        struct fx_unpacked t = a;
        a = b;
        b = t;
    }
    uint32_t d = (uint32_t)(a.exp - b.exp);
    u128 ma = u128_make(a.sig, 0);
    u128 mb = u128_shr_sticky(u128_make(b.sig, 0), d > 200 ? 200 : d);
    struct fx_format f = fx_format_ext(c);
    /* Both as 128-bit significands: the value is m * 2^(a.exp - 127). */
    if (!subtract) {
        u128 s = u128_add(ma, mb);
        if (u128_cmp(s, ma) < 0) { /* carried out of bit 127: one bit right, sticky kept */
            u128 t = u128_shr(s, 1);
            t.hi |= FX_J;
            t.lo |= s.lo & 1;
            return fx_pack_ext(fx_round128(c, &f, a.sign, a.exp + 1, t));
        }
        return fx_pack_ext(fx_round128(c, &f, a.sign, a.exp, s));
    }
    u128 s = u128_sub(ma, mb);
    if (u128_is_zero(s))
        return fx_exact_zero(c);
    return fx_pack_ext(fx_round128(c, &f, a.sign, a.exp, s));
}

static fx80 add_signed(struct fx_ctx *c, fx80 a, fx80 b, bool negate_b)
{
    fx80 r;
    if (fx_check_nan2(c, a, b, &r))
        return r;
    bool sb = fx_sign(b) ^ negate_b;
    fx_note_denormals(c, a, b);
    if (fx_is_inf(a) || fx_is_inf(b)) {
        if (fx_is_inf(a) && fx_is_inf(b) && fx_sign(a) != sb)
            return fx_invalid(c);
        return fx_is_inf(a) ? a : fx_make(sb, FX_EXP_MAX, FX_J);
    }
    if (fx_is_zero(a) && fx_is_zero(b))
        return fx_sign(a) == sb ? a : fx_exact_zero(c);
    struct fx_unpacked ua = fx_unpack(a), ub = fx_unpack(b);
    ub.sign = sb;
    if (fx_is_zero(b))
        return fx_round_pack(c, ua.sign, ua.exp, ua.sig, 0);
    if (fx_is_zero(a))
        return fx_round_pack(c, ub.sign, ub.exp, ub.sig, 0);
    return add_magnitudes(c, ua, ub, ua.sign != ub.sign);
}

fx80 fx_add(struct fx_ctx *c, fx80 a, fx80 b) { return add_signed(c, a, b, false); }
fx80 fx_sub(struct fx_ctx *c, fx80 a, fx80 b) { return add_signed(c, a, b, true); }

/* ---- multiplication and division ---- */

fx80 fx_mul(struct fx_ctx *c, fx80 a, fx80 b)
{
    fx80 r;
    if (fx_check_nan2(c, a, b, &r))
        return r;
    bool sign = fx_sign(a) ^ fx_sign(b);
    fx_note_denormals(c, a, b);
    if (fx_is_inf(a) || fx_is_inf(b)) {
        if (fx_is_zero(a) || fx_is_zero(b))
            return fx_invalid(c);
        return fx_make(sign, FX_EXP_MAX, FX_J);
    }
    if (fx_is_zero(a) || fx_is_zero(b))
        return fx_make(sign, 0, 0);
    struct fx_unpacked ua = fx_unpack(a), ub = fx_unpack(b);
    struct fx_format f = fx_format_ext(c);
    /* sig_a * sig_b * 2^(ea + eb - 126): as a 128-bit significand, exponent ea + eb + 1. */
    return fx_pack_ext(fx_round128(c, &f, sign, ua.exp + ub.exp + 1, u128_mul64(ua.sig, ub.sig)));
}

fx80 fx_div(struct fx_ctx *c, fx80 a, fx80 b)
{
    fx80 r;
    if (fx_check_nan2(c, a, b, &r))
        return r;
    bool sign = fx_sign(a) ^ fx_sign(b);
    /* A zero divisor is reported before a denormal dividend (host silicon). */
    if (fx_is_zero(b)) {
        if (fx_is_zero(a))
            return fx_invalid(c);
        if (fx_is_inf(a))
            return fx_make(sign, FX_EXP_MAX, FX_J);
        c->flags |= FX_ZE;
        return fx_make(sign, FX_EXP_MAX, FX_J);
    }
    fx_note_denormals(c, a, b);
    if (fx_is_inf(a)) {
        if (fx_is_inf(b))
            return fx_invalid(c);
        return fx_make(sign, FX_EXP_MAX, FX_J);
    }
    if (fx_is_inf(b))
        return fx_make(sign, 0, 0);
    if (fx_is_zero(a))
        return fx_make(sign, 0, 0);
    struct fx_unpacked ua = fx_unpack(a), ub = fx_unpack(b);
    /* Long division: 68 quotient bits, floor(sig_a * 2^67 / sig_b), and a sticky bit. The
     * quotient has at least 67 bits, so the sticky bit lies below the rounding bit. */
    u128 rem = u128_make(0, ua.sig), divisor = u128_make(0, ub.sig), q = { 0, 0 };
    for (int i = 0; i < 68; i++) {
        q = u128_shl(q, 1);
        if (u128_cmp(rem, divisor) >= 0) {
            rem = u128_sub(rem, divisor);
            q.lo |= 1;
        }
        rem = u128_shl(rem, 1);
    }
    if (!u128_is_zero(rem))
        q.lo |= 1;
    struct fx_format f = fx_format_ext(c);
    return fx_pack_ext(fx_round128(c, &f, sign, ua.exp - ub.exp + 60, q));
}

/* ---- square root ---- */

fx80 fx_sqrt(struct fx_ctx *c, fx80 a)
{
    fx80 r;
    if (fx_check_nan1(c, a, &r))
        return r;
    if (fx_is_zero(a))
        return a;
    if (fx_sign(a))
        return fx_invalid(c); /* invalid before denormal (SDM vol. 1, 8.7) */
    fx_note_denormals(c, a, a);
    if (fx_is_inf(a))
        return a;
    struct fx_unpacked ua = fx_unpack(a);
    /* value = s * 2^e2 with e2 even; the root is sqrt(s) * 2^(e2 / 2). s fills a 66-bit
     * frame read two bits at a time, then 35 pairs of zeros give 67-68 root bits. */
    int32_t e2 = ua.exp - 63;
    u128 s = u128_make(0, ua.sig);
    if (e2 & 1) {
        s = u128_shl(s, 1);
        e2 -= 1;
    }
    u128 rem = { 0, 0 }, root = { 0, 0 };
    for (int g = 0; g < 33 + 35; g++) {
        unsigned pair = g < 33 ? (unsigned)(u128_shr(s, (unsigned)(64 - 2 * g)).lo & 3) : 0;
        rem = u128_add(u128_shl(rem, 2), u128_make(0, pair));
        u128 trial = u128_add(u128_shl(root, 2), u128_make(0, 1));
        root = u128_shl(root, 1);
        if (u128_cmp(rem, trial) >= 0) {
            rem = u128_sub(rem, trial);
            root.lo |= 1;
        }
    }
    if (!u128_is_zero(rem))
        root.lo |= 1;
    struct fx_format f = fx_format_ext(c);
    return fx_pack_ext(fx_round128(c, &f, false, e2 / 2 + 92, root));
}

/* ---- integers ---- */

fx80 fx_from_int64(int64_t v)
{
    if (v == 0)
        return FX_ZERO;
    bool sign = v < 0;
    uint64_t m = sign ? 0 - (uint64_t)v : (uint64_t)v;
    unsigned n = clz64(m);
    return fx_make(sign, (unsigned)(FX_BIAS + 63 - (int)n), m << n);
}

/* The integer nearest a finite value by the rounding mode: its magnitude, with *fits
 * false if it needs more than 64 bits. */
static uint64_t integer_magnitude(struct fx_ctx *c, struct fx_unpacked u, bool *inexact, bool *up, bool *fits)
{
    *inexact = *up = false;
    *fits = true;
    if (u.sig == 0)
        return 0;
    if (u.exp >= 64) {
        *fits = false;
        return 0;
    }
    if (u.exp == 63)
        return u.sig;
    unsigned shift = (unsigned)(63 - u.exp);
    u128 m = u128_shr_sticky(u128_make(u.sig, 0), shift > 100 ? 100 : shift);
    uint64_t whole = m.hi;
    *inexact = m.lo != 0;
    *up = round_increments(c, u.sign, whole & 1, m.lo, false);
    return whole + *up; /* whole < 2^63: no overflow */
}

fx80 fx_round_to_int(struct fx_ctx *c, fx80 a)
{
    fx80 r;
    if (fx_check_nan1(c, a, &r))
        return r;
    fx_note_denormals(c, a, a);
    c->rounded_up = false;
    if (fx_is_inf(a) || fx_is_zero(a))
        return a;
    struct fx_unpacked u = fx_unpack(a);
    if (u.exp >= 63)
        return a;
    bool inexact, up, fits;
    uint64_t m = integer_magnitude(c, u, &inexact, &up, &fits);
    if (inexact)
        c->flags |= FX_PE;
    c->rounded_up = up;
    if (m == 0)
        return fx_make(u.sign, 0, 0);
    unsigned n = clz64(m);
    return fx_make(u.sign, (unsigned)(FX_BIAS + 63 - (int)n), m << n);
}

int64_t fx_to_int(struct fx_ctx *c, fx80 a, unsigned bits)
{
    const uint64_t indefinite = 1ull << (bits - 1);
    c->rounded_up = false;
    if (fx_is_unsupported(a) || fx_is_nan(a) || fx_is_inf(a)) {
        c->flags |= FX_IE;
        return (int64_t)(0 - indefinite);
    }
    /* Stores do not report denormal operands (SDM vol. 2, FIST: #IA, #IS, #P only). */
    bool inexact, up, fits;
    struct fx_unpacked u = fx_unpack(a);
    uint64_t m = integer_magnitude(c, u, &inexact, &up, &fits);
    if (!fits || m > indefinite || (m == indefinite && !u.sign)) {
        c->flags |= FX_IE;
        return (int64_t)(0 - indefinite);
    }
    if (inexact)
        c->flags |= FX_PE;
    c->rounded_up = up;
    return u.sign ? (int64_t)(0 - m) : (int64_t)m;
}

/* ---- scale, extract, remainder ---- */

fx80 fx_scale(struct fx_ctx *c, fx80 a, fx80 b)
{
    fx80 r;
    if (fx_check_nan2(c, a, b, &r))
        return r;
    fx_note_denormals(c, a, b);
    if (fx_is_inf(b)) {
        if (!fx_sign(b))
            return fx_is_zero(a) ? fx_invalid(c) : fx_is_inf(a) ? a : fx_make(fx_sign(a), FX_EXP_MAX, FX_J);
        return fx_is_inf(a) ? fx_invalid(c) : fx_make(fx_sign(a), 0, 0);
    }
    if (fx_is_inf(a) || fx_is_zero(a))
        return a;
    struct fx_unpacked ua = fx_unpack(a), ub = fx_unpack(b);
    int32_t n = 0;
    if (!fx_is_zero(b) && ub.exp >= 0) {
        /* Beyond 2^16 every scale overflows or underflows: clamp so the sum stays an int. */
        int32_t mag = ub.exp >= 17 ? 0x20000 : (int32_t)(ub.sig >> (63 - ub.exp));
        n = ub.sign ? -mag : mag;
    }
    /* The precision control does not apply (host silicon): only the range rounds. */
    struct fx_format f = { 64, 1 - FX_BIAS, FX_BIAS, true };
    return fx_pack_ext(fx_round(c, &f, ua.sign, ua.exp + n, ua.sig, 0));
}

void fx_extract(struct fx_ctx *c, fx80 a, fx80 *significand, fx80 *exponent)
{
    fx80 r;
    if (fx_check_nan1(c, a, &r)) {
        *significand = *exponent = r;
        return;
    }
    if (fx_is_zero(a)) {
        c->flags |= FX_ZE;
        *significand = a;
        *exponent = fx_make(true, FX_EXP_MAX, FX_J);
        return;
    }
    if (fx_is_inf(a)) {
        *significand = a;
        *exponent = fx_make(false, FX_EXP_MAX, FX_J);
        return;
    }
    fx_note_denormals(c, a, a);
    struct fx_unpacked u = fx_unpack(a);
    *significand = fx_make(u.sign, FX_BIAS, u.sig);
    *exponent = fx_from_int64(u.exp);
}

/* The partial remainder's step when the exponents differ by 64 or more: the 387 and
 * later reduce the exponent difference to a number from 32 to 63 per execution (SDM
 * vol. 2, FPREM: "N is an implementation-dependent number between 32 and 63"). */
/* a as FPREM delivers it when it is the result: a pseudo-denormal becomes the normal
 * with the same value, a denormal stays. */
static fx80 canonical(struct fx_ctx *c, fx80 a)
{
    static const struct fx_format exact = { 64, 1 - FX_BIAS, FX_BIAS, true };
    if (fx_is_zero(a))
        return a;
    struct fx_unpacked u = fx_unpack(a);
    return fx_pack_ext(fx_round(c, &exact, u.sign, u.exp, u.sig, 0));
}

static unsigned partial_target(uint32_t d) { return 32 + (d & 31); }

fx80 fx_remainder(struct fx_ctx *c, fx80 a, fx80 b, bool ieee, unsigned *quotient_bits, bool *partial)
{
    fx80 r;
    *quotient_bits = 0;
    *partial = false;
    if (fx_check_nan2(c, a, b, &r))
        return r;
    if (fx_is_inf(a) || fx_is_zero(b))
        return fx_invalid(c);
    fx_note_denormals(c, a, b);
    if (fx_is_zero(a) || fx_is_inf(b))
        return canonical(c, a);
    struct fx_unpacked ua = fx_unpack(a), ub = fx_unpack(b);
    struct fx_format exact = { 64, 1 - FX_BIAS, FX_BIAS, true };
    int32_t d = ua.exp - ub.exp;
    if (d < 0) {
        /* |a| < |b|: FPREM leaves a; FPREM1 subtracts b once when |a| > |b| / 2. */
        if (ieee && d == -1 && ua.sig > ub.sig) {
            *quotient_bits = 1;
            u128 m = u128_sub(u128_make(0, ub.sig), u128_make(0, ua.sig >> 1));
            m = u128_sub(u128_shl(m, 1), u128_make(0, ua.sig & 1)); /* 2 sig_b - sig_a */
            return fx_pack_ext(fx_round128(c, &exact, !ua.sign, ub.exp - 1 + 64, m));
        }
        return canonical(c, a);
    }
    uint32_t steps = (uint32_t)d;
    int32_t result_exp = ub.exp;
    if (d >= 64) {
        *partial = true;
        steps = partial_target((uint32_t)d);
        result_exp = ub.exp + (int32_t)((uint32_t)d - steps);
    }
    /* sig_a * 2^steps = q * sig_b + rem, bit by bit (rem < 2 sig_b fits 65 bits). */
    u128 rem = u128_make(0, ua.sig), divisor = u128_make(0, ub.sig);
    uint64_t q = 0;
    for (uint32_t i = 0;; i++) {
        q <<= 1;
        if (u128_cmp(rem, divisor) >= 0) {
            rem = u128_sub(rem, divisor);
            q |= 1;
        }
        if (i == steps)
            break;
        rem = u128_shl(rem, 1);
    }
    bool sign = ua.sign;
    if (ieee && !*partial) {
        int cmp = u128_cmp(u128_shl(rem, 1), divisor);
        if (cmp > 0 || (cmp == 0 && (q & 1))) {
            rem = u128_sub(divisor, rem);
            sign = !sign;
            q++;
        }
    }
    if (!*partial)
        *quotient_bits = (unsigned)(q & 7);
    if (u128_is_zero(rem))
        return fx_make(ua.sign, 0, 0);
    return fx_pack_ext(fx_round128(c, &exact, sign, result_exp + 64, rem));
}

/* ---- comparison ---- */

int fx_compare(struct fx_ctx *c, fx80 a, fx80 b, bool quiet)
{
    if (fx_is_unsupported(a) || fx_is_unsupported(b)) {
        c->flags |= FX_IE;
        return 2;
    }
    if (fx_is_nan(a) || fx_is_nan(b)) {
        if (!quiet || fx_is_snan(a) || fx_is_snan(b))
            c->flags |= FX_IE;
        return 2;
    }
    fx_note_denormals(c, a, b);
    if (fx_is_zero(a) && fx_is_zero(b))
        return 0;
    if (fx_sign(a) != fx_sign(b))
        return fx_sign(a) ? -1 : 1;
    int mag; /* |a| against |b| */
    if (fx_is_inf(a) || fx_is_inf(b)) {
        mag = fx_is_inf(a) && fx_is_inf(b) ? 0 : fx_is_inf(a) ? 1 : -1;
    } else if (fx_is_zero(a) || fx_is_zero(b)) {
        mag = fx_is_zero(a) ? -1 : 1;
    } else {
        struct fx_unpacked ua = fx_unpack(a), ub = fx_unpack(b);
        mag = ua.exp != ub.exp ? (ua.exp < ub.exp ? -1 : 1) : ua.sig != ub.sig ? (ua.sig < ub.sig ? -1 : 1) : 0;
    }
    return fx_sign(a) ? -mag : mag;
}

/* ---- constants ---- */

/* The constants to 128 bits (the x87 holds them with more than 64 bits and rounds them
 * by the rounding control, SDM vol. 1, 8.3.8); the exponent is that of the 64-bit value. */
fx80 fx_constant(const struct fx_ctx *c, enum fx_constant k)
{
    static const struct { uint16_t se; uint64_t hi, lo; } table[] = {
        [FX_CONST_LOG2_10] = { 0x4000, 0xD49A784BCD1B8AFEull, 0x492BF6FF4DAFDB4Dull },
        [FX_CONST_LOG2_E] = { 0x3FFF, 0xB8AA3B295C17F0BBull, 0xBE87FED0691D3E89ull },
        [FX_CONST_PI] = { 0x4000, 0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull },
        [FX_CONST_LOG10_2] = { 0x3FFD, 0x9A209A84FBCFF798ull, 0x8F8959AC0B7C9178ull },
        [FX_CONST_LN_2] = { 0x3FFE, 0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull },
    };
    struct fx_ctx tmp = *c;
    struct fx_format f = { 64, 1 - FX_BIAS, FX_BIAS, true };
    struct fx_rounded r = fx_round(&tmp, &f, false, (int32_t)table[k].se - FX_BIAS, table[k].hi, table[k].lo);
    return fx_pack_ext(r);
}
