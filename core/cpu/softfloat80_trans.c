/* The x87 transcendental functions (SDM vol. 2: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS,
 * FSINCOS, FPTAN), computed in a 128-bit-significand intermediate format and rounded once
 * to the destination by the rounding and precision controls. The trigonometric argument
 * reduction uses the 66-bit pi of the x87 (SDM vol. 1, 8.3.10: "the FPU uses a 66-bit
 * approximation of pi"), exactly, so large arguments reduce as on the silicon. */
#include "softfloat80_internal.h"

/* ---- a wide format: m * 2^(exp - 127), m normalized (bit 127 set) or zero ---- */
struct wf { bool sign; int32_t exp; u128 m; };

static struct wf wf_norm(struct wf a)
{
    if (u128_is_zero(a.m))
        return (struct wf){ a.sign, 0, a.m };
    unsigned n = u128_clz(a.m);
    a.m = u128_shl(a.m, n);
    a.exp -= (int32_t)n;
    return a;
}
static bool wf_zero(struct wf a) { return u128_is_zero(a.m); }
static struct wf wf_from_fx(fx80 x)
{
    struct fx_unpacked u = fx_unpack(x);
    return wf_norm((struct wf){ u.sign, u.exp, u128_make(u.sig, 0) });
}
static struct wf wf_const(uint64_t hi, uint64_t lo, int32_t exp) { return (struct wf){ false, exp, u128_make(hi, lo) }; }
static struct wf wf_int(int64_t v)
{
    bool s = v < 0;
    return wf_norm((struct wf){ s, 127, u128_make(0, s ? 0 - (uint64_t)v : (uint64_t)v) });
}
static struct wf wf_neg(struct wf a) { a.sign = !a.sign; return a; }
static struct wf wf_scale(struct wf a, int32_t n) { if (!wf_zero(a)) a.exp += n; return a; }

static struct wf wf_add(struct wf a, struct wf b)
{
    if (wf_zero(a)) return b;
    if (wf_zero(b)) return a;
    if (a.exp < b.exp || (a.exp == b.exp && u128_cmp(a.m, b.m) < 0)) {
        struct wf t = a; a = b; b = t;
    }
    uint32_t d = (uint32_t)(a.exp - b.exp);
    /* Truncated: the error stays far below the 64 bits the result keeps, and a tail
     * that mattered would have been a term of its own. */
    u128 mb = u128_shr(b.m, d > 130 ? 130 : d);
    if (a.sign == b.sign) {
        u128 s = u128_add(a.m, mb);
        if (u128_cmp(s, a.m) < 0) {
            s = u128_shr(s, 1);
            s.hi |= FX_J;
            return (struct wf){ a.sign, a.exp + 1, s };
        }
        return (struct wf){ a.sign, a.exp, s };
    }
    return wf_norm((struct wf){ a.sign, a.exp, u128_sub(a.m, mb) });
}
static struct wf wf_sub(struct wf a, struct wf b) { return wf_add(a, wf_neg(b)); }

/* The top 128 bits of the 256-bit product. */
static struct wf wf_mul(struct wf a, struct wf b)
{
    if (wf_zero(a) || wf_zero(b))
        return (struct wf){ a.sign ^ b.sign, 0, { 0, 0 } };
    u128 hh = u128_mul64(a.m.hi, b.m.hi), hl = u128_mul64(a.m.hi, b.m.lo);
    u128 lh = u128_mul64(a.m.lo, b.m.hi), ll = u128_mul64(a.m.lo, b.m.lo);
    /* product >> 128 = hh + ((hl + lh + (ll >> 64)) >> 64) */
    u128 low = u128_add(u128_add(u128_make(0, hl.lo), u128_make(0, lh.lo)), u128_make(0, ll.hi));
    u128 mid = u128_add(u128_add(u128_make(0, hl.hi), u128_make(0, lh.hi)), u128_make(0, low.hi));
    u128 r = u128_add(hh, mid);
    return wf_norm((struct wf){ a.sign ^ b.sign, a.exp + b.exp + 1, r });
}

static struct wf wf_div(struct wf a, struct wf b)
{
    if (wf_zero(a))
        return a;
    /* 129 quotient bits of a.m / b.m by shift and subtract; the remainder stays below
     * 2 * b.m, kept as 128 bits and a carry. */
    u128 rem = a.m, q = { 0, 0 };
    bool carry = false;
    for (int i = 0; i < 128; i++) {
        q = u128_shl(q, 1);
        if (carry || u128_cmp(rem, b.m) >= 0) {
            rem = u128_sub(rem, b.m);
            q.lo |= 1;
        }
        carry = (rem.hi & FX_J) != 0;
        rem = u128_shl(rem, 1);
    }
    return wf_norm((struct wf){ a.sign ^ b.sign, a.exp - b.exp, q });
}

static struct wf wf_sqrt(struct wf a)
{
    /* Newton's iteration from the 64-bit root: each step doubles the correct bits. */
    struct fx_ctx c = fx_ctx_from_control(0x037F);
    struct wf x = wf_from_fx(fx_sqrt(&c, fx_make(false, (unsigned)(a.exp + FX_BIAS), a.m.hi)));
    for (int i = 0; i < 2; i++)
        x = wf_scale(wf_add(x, wf_div(a, x)), -1);
    return x;
}

/* The precision control applies only to the basic arithmetic (SDM vol. 1, 8.1.5.2): the
 * transcendentals always round to 64 bits. */
static fx80 wf_round(struct fx_ctx *c, struct wf a)
{
    static const struct fx_format f = { 64, 1 - FX_BIAS, FX_BIAS, true };
    if (wf_zero(a))
        return fx_make(a.sign, 0, 0);
    return fx_pack_ext(fx_round128(c, &f, a.sign, a.exp, a.m));
}

/* A series term that falls wholly below the sum's 128 bits is not added; instead the
 * sign of the first such term (the sign of the whole tail, the terms decreasing) marks
 * the sum as a little above or below its bits, so that the rounding sees an inexact
 * value on the right side: cos(x) of a tiny x is just below 1, not 1. */
static bool negligible(struct wf term, struct wf sum) { return wf_zero(term) || term.exp < sum.exp - 127; }
static struct wf with_tail(struct wf sum, struct wf term)
{
    if (wf_zero(term) || wf_zero(sum))
        return sum;
    if (term.sign == sum.sign) {
        sum.m.lo |= 1;
        return sum;
    }
    sum.m = u128_sub(sum.m, u128_make(0, 1));
    return wf_norm(sum);
}

#define WF_LN2 wf_const(0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull, -1)
#define WF_PI wf_const(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 1)
#define WF_ONE wf_const(FX_J, 0, 0)
#define WF_LOG2E wf_const(0xB8AA3B295C17F0BBull, 0xBE87FED0691D3E89ull, 0)

/* e^t - 1 by its Taylor series (|t| < 1). */
static struct wf wf_expm1(struct wf t)
{
    struct wf sum = t, term = t;
    for (int k = 2; k < 60; k++) {
        term = wf_div(wf_mul(term, t), wf_int(k));
        if (negligible(term, sum)) {
            sum = with_tail(sum, term);
            break;
        }
        sum = wf_add(sum, term);
    }
    return sum;
}

/* 2 atanh(s) = ln((1 + s) / (1 - s)) by its series (|s| < 0.2). */
static struct wf wf_2atanh(struct wf s)
{
    struct wf s2 = wf_mul(s, s), power = s, sum = s;
    for (int k = 3; k < 200; k += 2) {
        power = wf_mul(power, s2);
        struct wf term = wf_div(power, wf_int(k));
        if (negligible(term, sum)) {
            sum = with_tail(sum, term);
            break;
        }
        sum = wf_add(sum, term);
    }
    return wf_scale(sum, 1);
}

/* log2(x) for x > 0: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log2(x) = e +
 * 2 atanh((m - 1) / (m + 1)) * log2(e); exact for powers of two. */
static struct wf wf_log2(struct wf x)
{
    int32_t e = x.exp;
    struct wf m = x;
    m.exp = 0;
    /* 0xB504F333...: sqrt(2) with the same exponent as m */
    if (u128_cmp(m.m, u128_make(0xB504F333F9DE6484ull, 0)) > 0) {
        m.exp = -1;
        e += 1;
    }
    struct wf s = wf_div(wf_sub(m, WF_ONE), wf_add(m, WF_ONE));
    return wf_add(wf_int(e), wf_mul(wf_2atanh(s), WF_LOG2E));
}

/* atan(r) for 0 <= r <= 1: two halvings atan(r) = 2 atan(r / (1 + sqrt(1 + r^2))) bring r
 * below 0.2, then the series. */
static struct wf wf_atan01(struct wf r)
{
    int halvings = 0;
    for (; halvings < 3 && !wf_zero(r) && r.exp >= -3; halvings++)
        r = wf_div(r, wf_add(WF_ONE, wf_sqrt(wf_add(WF_ONE, wf_mul(r, r)))));
    struct wf r2 = wf_mul(r, r), power = r, sum = r;
    for (int k = 3; k < 200; k += 2) {
        power = wf_neg(wf_mul(power, r2));
        struct wf term = wf_div(power, wf_int(k));
        if (negligible(term, sum)) {
            sum = with_tail(sum, term);
            break;
        }
        sum = wf_add(sum, term);
    }
    return wf_scale(sum, halvings);
}

/* sin and cos of |r| <= pi/4 by their series. */
static void wf_sincos_small(struct wf r, struct wf *s, struct wf *c)
{
    struct wf r2 = wf_mul(r, r), term = r, sum = r;
    for (int k = 2; k < 60; k += 2) {
        term = wf_neg(wf_div(wf_mul(term, r2), wf_int((int64_t)k * (k + 1))));
        if (negligible(term, sum)) {
            sum = with_tail(sum, term);
            break;
        }
        sum = wf_add(sum, term);
    }
    *s = sum;
    term = WF_ONE;
    sum = WF_ONE;
    for (int k = 1; k < 60; k += 2) {
        term = wf_neg(wf_div(wf_mul(term, r2), wf_int((int64_t)k * (k + 1))));
        if (negligible(term, sum)) {
            sum = with_tail(sum, term);
            break;
        }
        sum = wf_add(sum, term);
    }
    *c = sum;
}

/* ---- special operands ---- */

static bool is_inf(fx80 a) { return fx_exp(a) == FX_EXP_MAX && a.sig == FX_J; }
static bool is_zero(fx80 a) { return fx_exp(a) == 0 && a.sig == 0; }
static fx80 infinity(bool sign) { return fx_make(sign, FX_EXP_MAX, FX_J); }
static bool magnitude_is_one(fx80 a) { return fx_exp(a) == FX_BIAS && a.sig == FX_J; }

/* ---- F2XM1 ---- */

fx80 fx_f2xm1(struct fx_ctx *c, fx80 a)
{
    fx80 r;
    if (fx_check_nan1(c, a, &r))
        return r;
    fx_note_denormals(c, a, a);
    if (is_zero(a))
        return a;
    if (is_inf(a))
        return fx_sign(a) ? fx_make(true, FX_BIAS, FX_J) : a;
    struct wf x = wf_from_fx(a);
    if (x.exp >= 0 && !(x.exp == 0 && x.m.hi == FX_J && x.m.lo == 0)) {
        /* Outside [-1, 1] the result is undefined (SDM vol. 2, F2XM1); the silicon
         * returns the operand, reporting it inexact. */
        c->flags |= FX_PE;
        c->rounded_up = false;
        return a;
    }
    return wf_round(c, wf_expm1(wf_mul(x, WF_LN2)));
}

/* ---- FYL2X, FYL2XP1 ---- */

fx80 fx_yl2x(struct fx_ctx *c, fx80 x, fx80 y)
{
    fx80 r;
    if (fx_check_nan2(c, x, y, &r))
        return r;
    bool one = magnitude_is_one(x) && !fx_sign(x);
    if (fx_sign(x) && !is_zero(x))
        return fx_invalid(c); /* before the denormal check, as on the silicon */
    fx_note_denormals(c, x, y);
    if (is_zero(x)) {
        if (is_zero(y))
            return fx_invalid(c);
        if (!is_inf(y))
            c->flags |= FX_ZE;
        return infinity(!fx_sign(y));
    }
    if (is_inf(x)) {
        if (is_zero(y))
            return fx_invalid(c);
        return infinity(fx_sign(y));
    }
    if (one) {
        if (is_inf(y))
            return fx_invalid(c);
        return fx_make(fx_sign(y), 0, 0);
    }
    struct wf lx = wf_log2(wf_from_fx(x));
    if (is_inf(y))
        return infinity(fx_sign(y) ^ lx.sign);
    if (is_zero(y))
        return fx_make(fx_sign(y) ^ lx.sign, 0, 0);
    return wf_round(c, wf_mul(wf_from_fx(y), lx));
}

fx80 fx_yl2xp1(struct fx_ctx *c, fx80 x, fx80 y)
{
    fx80 r;
    if (fx_check_nan2(c, x, y, &r))
        return r;
    fx_note_denormals(c, x, y);
    if (is_inf(x)) {
        if (fx_sign(x) || is_zero(y))
            return fx_invalid(c);
        return infinity(fx_sign(y));
    }
    /* log2(1 + x) has the sign of x. */
    if (is_zero(y) && !is_zero(x))
        return fx_make(fx_sign(x) ^ fx_sign(y), 0, 0);
    if (is_inf(y) && !is_zero(x))
        return infinity(fx_sign(x) ^ fx_sign(y));
    if (fx_sign(x) && fx_exp(x) >= FX_BIAS && !is_inf(y)) {
        /* x <= -1, outside the documented range: the silicon returns x, inexact. */
        c->flags |= FX_PE;
        c->rounded_up = false;
        return x;
    }
    if (is_zero(x)) {
        if (is_inf(y))
            return fx_invalid(c);
        return fx_make(fx_sign(x) ^ fx_sign(y), 0, 0);
    }
    struct wf wx = wf_from_fx(x);
    /* Inside the documented range (|x| < 1 - sqrt(2)/2) 2 atanh(x / (2 + x)) keeps the
     * relative precision of a small x; beyond it, log2 of the sum. */
    struct wf l = wx.exp < -2 ? wf_mul(wf_2atanh(wf_div(wx, wf_add(wf_int(2), wx))), WF_LOG2E)
                              : wf_log2(wf_add(WF_ONE, wx));
    if (is_inf(y))
        return infinity(fx_sign(y) ^ l.sign);
    if (is_zero(y))
        return fx_make(fx_sign(y) ^ l.sign, 0, 0);
    return wf_round(c, wf_mul(wf_from_fx(y), l));
}

/* ---- FPATAN ---- */

fx80 fx_atan2(struct fx_ctx *c, fx80 y, fx80 x)
{
    fx80 r;
    if (fx_check_nan2(c, x, y, &r))
        return r;
    fx_note_denormals(c, x, y);
    bool sy = fx_sign(y), sx = fx_sign(x);
    struct wf pi = WF_PI, half_pi = wf_scale(WF_PI, -1), quarter_pi = wf_scale(WF_PI, -2);
    struct wf angle;
    /* SDM vol. 2, FPATAN table 3-29. */
    if (is_inf(y) && is_inf(x))
        angle = sx ? wf_add(half_pi, quarter_pi) : quarter_pi;
    else if (is_inf(y) || (is_zero(x) && !is_zero(y)))
        angle = half_pi;
    else if (is_inf(x) || is_zero(y))
        angle = sx ? pi : (struct wf){ false, 0, { 0, 0 } };
    else {
        struct wf wy = wf_from_fx(fx_abs(y)), wx = wf_from_fx(fx_abs(x));
        bool swap = wy.exp > wx.exp || (wy.exp == wx.exp && u128_cmp(wy.m, wx.m) > 0);
        struct wf a = swap ? wf_atan01(wf_div(wx, wy)) : wf_atan01(wf_div(wy, wx));
        angle = swap ? wf_sub(half_pi, a) : a;
        if (sx)
            angle = wf_sub(pi, angle);
    }
    angle.sign = sy;
    if (wf_zero(angle))
        return fx_make(sy, 0, 0);
    return wf_round(c, angle);
}

/* ---- FSIN, FCOS, FSINCOS, FPTAN ---- */

/* A 256-bit unsigned integer, least significant word first. */
typedef struct { uint64_t w[4]; } u256;

static u256 u256_shl(u256 a, unsigned n)
{
    u256 r = { { 0, 0, 0, 0 } };
    for (int i = 3; i >= 0; i--) {
        int src = i - (int)(n / 64);
        unsigned b = n % 64;
        if (src >= 0) {
            r.w[i] = a.w[src] << b;
            if (b && src >= 1)
                r.w[i] |= a.w[src - 1] >> (64 - b);
        }
    }
    return r;
}
static int u256_cmp(u256 a, u256 b)
{
    for (int i = 3; i >= 0; i--)
        if (a.w[i] != b.w[i])
            return a.w[i] < b.w[i] ? -1 : 1;
    return 0;
}
static u256 u256_sub(u256 a, u256 b)
{
    u256 r;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t d = a.w[i] - b.w[i] - borrow;
        borrow = (a.w[i] < b.w[i]) || (a.w[i] - b.w[i] < borrow);
        r.w[i] = d;
    }
    return r;
}

/* Fixed point with 130 fraction bits: x and the 66-bit pi/2 are exact integers there, so
 * x - k * pi66/2 is exact. pi66 = C90FDAA22168C234 followed by the bits 11. */
#define REDUCE_FRACTION_BITS 130

/* Reduces |x| (exponent below 63) to r in [-pi/4, pi/4] and the quadrant k mod 4. */
static struct wf reduce(fx80 x, unsigned *quadrant)
{
    struct fx_unpacked u = fx_unpack(x);
    *quadrant = 0;
    struct wf w = wf_from_fx(fx_abs(x));
    /* Below pi/4 (about 0.785) there is nothing to reduce. */
    if (u.exp < -1 || (u.exp == -1 && u.sig < 0xC90FDAA22168C234ull))
        return w;
    /* X = |x| * 2^130 = sig << (exp - 63 + 130). pi66 = I * 2^-64 with I the 66-bit
     * integer, so P = pi66/2 * 2^130 = I << 65. X < P * 2^64: k has at most 64 bits. */
    u256 X = u256_shl((u256){ { u.sig, 0, 0, 0 } }, (unsigned)(u.exp - 63 + REDUCE_FRACTION_BITS));
    u256 P = u256_shl((u256){ { 0xC90FDAA22168C234ull << 2 | 3, 0xC90FDAA22168C234ull >> 62, 0, 0 } }, 65);
    uint64_t k = 0;
    for (int shift = 63; shift >= 0; shift--) {
        u256 t = u256_shl(P, (unsigned)shift);
        if (u256_cmp(t, X) <= 0) {
            X = u256_sub(X, t);
            k |= 1ull << shift;
        }
    }
    /* Round to the nearest multiple: a remainder above P / 2 goes to the next one. */
    bool negative = false;
    if (u256_cmp(u256_shl(X, 1), P) > 0) {
        X = u256_sub(P, X);
        negative = true;
        k++;
    }
    *quadrant = (unsigned)(k & 3);
    /* X < 2^130: as a wide value, X * 2^-130. */
    unsigned top = X.w[2] ? 128 + (64 - clz64(X.w[2])) : X.w[1] ? 64 + (64 - clz64(X.w[1])) : 64 - clz64(X.w[0]);
    if (top == 0)
        return (struct wf){ negative, 0, { 0, 0 } };
    u256 n = u256_shl(X, 256 - top);
    struct wf r = { negative, (int32_t)top - 1 - REDUCE_FRACTION_BITS, u128_make(n.w[3], n.w[2]) };
    return r;
}

/* sin and cos of a finite x with |x| < 2^63, in the wide format. */
static void wide_sincos(fx80 x, struct wf *s, struct wf *co)
{
    unsigned q;
    struct wf r = reduce(x, &q), rs, rc;
    wf_sincos_small(r, &rs, &rc);
    /* sin(r + q pi/2) and cos(r + q pi/2) by quadrant; then the sign of x for sin. */
    struct wf sv[4] = { rs, rc, wf_neg(rs), wf_neg(rc) };
    struct wf cv[4] = { rc, wf_neg(rs), wf_neg(rc), rs };
    *s = sv[q];
    *co = cv[q];
    if (fx_sign(x))
        s->sign = !s->sign;
}

/* The checks shared by the four: false when out of range (C2). */
static bool trig_special(struct fx_ctx *c, fx80 a, bool *done, fx80 *nan)
{
    *done = false;
    if (fx_check_nan1(c, a, nan)) {
        *done = true;
        return true;
    }
    if (is_inf(a)) {
        *nan = fx_invalid(c);
        *done = true;
        return true;
    }
    if (fx_exp(a) >= FX_BIAS + 63)
        return false;
    fx_note_denormals(c, a, a);
    return true;
}

bool fx_sincos(struct fx_ctx *c, fx80 a, fx80 *sin_out, fx80 *cos_out)
{
    bool done;
    fx80 special;
    if (!trig_special(c, a, &done, &special))
        return false;
    if (done || is_zero(a)) {
        if (sin_out) *sin_out = special;
        if (cos_out) *cos_out = done ? special : FX_ONE;
        if (is_zero(a) && sin_out) *sin_out = a;
        return true;
    }
    struct wf s, co;
    wide_sincos(a, &s, &co);
    /* The flags of both roundings combine; C1 is the sine's when both are asked for
     * (FSINCOS, host silicon), else the one result's. */
    if (cos_out)
        *cos_out = wf_round(c, co);
    if (sin_out)
        *sin_out = wf_round(c, s);
    return true;
}

bool fx_tan(struct fx_ctx *c, fx80 a, fx80 *tan_out)
{
    bool done;
    if (!trig_special(c, a, &done, tan_out))
        return false;
    if (done)
        return true;
    if (is_zero(a)) {
        *tan_out = a;
        return true;
    }
    struct wf s, co;
    wide_sincos(a, &s, &co);
    *tan_out = wf_round(c, wf_div(s, co));
    return true;
}
