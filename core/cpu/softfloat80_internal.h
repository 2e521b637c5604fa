/* Shared by the softfloat80 files: a portable 128-bit unsigned integer, the unpacked
 * form of an operand, NaN propagation and the one rounding routine. */
#ifndef VX86_SOFTFLOAT80_INTERNAL_H
#define VX86_SOFTFLOAT80_INTERNAL_H

#include "softfloat80.h"

#define FX_BIAS 16383
#define FX_EXP_MAX 0x7FFF
#define FX_J 0x8000000000000000ull
#define FX_QUIET 0x4000000000000000ull

/* ---- 128-bit unsigned arithmetic, no compiler extension needed ---- */
typedef struct { uint64_t hi, lo; } u128;

static inline u128 u128_make(uint64_t hi, uint64_t lo) { return (u128){ hi, lo }; }
static inline bool u128_is_zero(u128 a) { return (a.hi | a.lo) == 0; }
static inline int u128_cmp(u128 a, u128 b)
{
    if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
    return 0;
}
static inline u128 u128_add(u128 a, u128 b)
{
    u128 r = { a.hi + b.hi, a.lo + b.lo };
    r.hi += r.lo < a.lo;
    return r;
}
static inline u128 u128_sub(u128 a, u128 b)
{
    u128 r = { a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo };
    return r;
}
static inline u128 u128_shl(u128 a, unsigned n)
{
    if (n == 0) return a;
    if (n >= 128) return (u128){ 0, 0 };
    if (n >= 64) return (u128){ a.lo << (n - 64), 0 };
    return (u128){ (a.hi << n) | (a.lo >> (64 - n)), a.lo << n };
}
static inline u128 u128_shr(u128 a, unsigned n)
{
    if (n == 0) return a;
    if (n >= 128) return (u128){ 0, 0 };
    if (n >= 64) return (u128){ 0, a.hi >> (n - 64) };
    return (u128){ a.hi >> n, (a.lo >> n) | (a.hi << (64 - n)) };
}
/* Shifts right, ORing every bit shifted out into bit 0 (the sticky bit). */
static inline u128 u128_shr_sticky(u128 a, unsigned n)
{
    u128 r = u128_shr(a, n);
    if (!u128_is_zero(u128_sub(a, u128_shl(r, n))) || (n >= 128 && !u128_is_zero(a)))
        r.lo |= 1;
    return r;
}
/* The full 128-bit product of two 64-bit numbers, from 32-bit halves. */
static inline u128 u128_mul64(uint64_t a, uint64_t b)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    u128 r;
    r.lo = (mid << 32) | (uint32_t)p00;
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return r;
}
static inline unsigned clz64(uint64_t v)
{
    unsigned n = 0;
    if (v == 0) return 64;
    while (!(v & FX_J)) { v <<= 1; n++; }
    return n;
}
static inline unsigned u128_clz(u128 a) { return a.hi ? clz64(a.hi) : 64 + clz64(a.lo); }

/* ---- unpacked operands ---- */
/* A finite nonzero value is sig * 2^(exp - 63) with sig's top bit set (normalized). */
struct fx_unpacked {
    bool sign;
    int32_t exp;    /* unbiased */
    uint64_t sig;
};

/* The exponent of a denormal or pseudo-denormal is that of the smallest normal, 1 - bias. */
static inline struct fx_unpacked fx_unpack(fx80 a)
{
    struct fx_unpacked u = { fx_sign(a), (int32_t)fx_exp(a) - FX_BIAS, a.sig };
    if (fx_exp(a) == 0)
        u.exp = 1 - FX_BIAS;
    if (u.sig) {
        unsigned n = clz64(u.sig);
        u.sig <<= n;
        u.exp -= (int32_t)n;
    }
    return u;
}

/* Checks the operands of an arithmetic operation, as the x87 does before computing
 * (SDM vol. 1, 4.9.1, table 4-7, and 8.5.1): an unsupported format or an SNaN is an
 * invalid operation with the default NaN (or the quieted NaN), a QNaN propagates; then a
 * denormal operand raises DE. True with *out set when the result is decided. */
bool fx_check_nan2(struct fx_ctx *c, fx80 a, fx80 b, fx80 *out);
bool fx_check_nan1(struct fx_ctx *c, fx80 a, fx80 *out);
bool fx_is_unsupported(fx80 a);
bool fx_is_denormal(fx80 a);
/* Raises DE if either operand is denormal. */
void fx_note_denormals(struct fx_ctx *c, fx80 a, fx80 b);
fx80 fx_invalid(struct fx_ctx *c);

/* Rounding: the format of a result. */
struct fx_format {
    unsigned bits;      /* significand bits kept, J included: 24, 53 or 64 */
    int32_t emin, emax; /* unbiased exponent range of normal numbers */
    bool bias_adjust;   /* a register destination: unmasked OE/UE deliver the adjusted result */
};
extern const struct fx_format fx_format_f32, fx_format_f64;
/* The extended format at the context's precision control. */
struct fx_format fx_format_ext(const struct fx_ctx *c);

/* A rounded result: sig has J at bit 63 when normal; a denormal has exp == emin and J
 * clear; zero has sig 0. Infinity: exp = emax + 1, sig = J. */
struct fx_rounded { bool sign; int32_t exp; uint64_t sig; };
/* Rounds sig:extra * 2^(exp - 63) (sig normalized, or 0) to the format, raising OE, UE
 * and PE and setting rounded_up. */
struct fx_rounded fx_round(struct fx_ctx *c, const struct fx_format *f, bool sign, int32_t exp, uint64_t sig,
                           uint64_t extra);
/* Normalizes a 128-bit significand first: the value is m * 2^(exp - 127). */
struct fx_rounded fx_round128(struct fx_ctx *c, const struct fx_format *f, bool sign, int32_t exp, u128 m);
fx80 fx_pack_ext(struct fx_rounded r);
/* Rounds to the extended format at the context's precision and packs. */
fx80 fx_round_pack(struct fx_ctx *c, bool sign, int32_t exp, uint64_t sig, uint64_t extra);
/* A signed zero for an exact zero result of a sum: +0, or -0 when rounding down. */
fx80 fx_exact_zero(const struct fx_ctx *c);

#endif
