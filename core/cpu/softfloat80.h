/* Exact 80-bit extended-precision arithmetic in software, as the x87 does it (Intel SDM
 * vol. 1, chapters 4 and 8; the 80387 Programmer's Reference Manual, chapter 2). Only
 * integer arithmetic is used, so every host gives the same bits. The operations take a
 * context with the x87 control word's rounding, precision and masks, and report the six
 * exception flags and C1 (rounded up) in it. */
#ifndef VX86_SOFTFLOAT80_H
#define VX86_SOFTFLOAT80_H

#include <stdbool.h>
#include <stdint.h>

/* An extended real: a sign and 15-bit biased exponent, and a 64-bit significand whose
 * top bit is the explicit integer bit J. */
typedef struct {
    uint64_t sig;
    uint16_t se; /* sign << 15 | biased exponent */
} fx80;

/* Exception flags, in the status word's bit order (SDM vol. 1, 8.1.3). */
enum {
    FX_IE = 1 << 0, /* invalid operation */
    FX_DE = 1 << 1, /* denormal operand */
    FX_ZE = 1 << 2, /* zero divide */
    FX_OE = 1 << 3, /* overflow */
    FX_UE = 1 << 4, /* underflow */
    FX_PE = 1 << 5, /* precision (inexact) */
};
#define FX_ALL_EXCEPTIONS 0x3Fu

/* Rounding control, as encoded in control word bits 10-11. */
enum fx_rounding { FX_ROUND_NEAREST = 0, FX_ROUND_DOWN = 1, FX_ROUND_UP = 2, FX_ROUND_ZERO = 3 };
/* Precision control, control word bits 8-9 (1 is reserved and rounds as 64 here). */
enum fx_precision { FX_PREC_24 = 0, FX_PREC_53 = 2, FX_PREC_64 = 3 };

struct fx_ctx {
    uint8_t rounding;   /* enum fx_rounding */
    uint8_t precision;  /* enum fx_precision: applies to the arithmetic, not to stores */
    uint8_t masks;      /* exception masks, control word bits 0-5 */
    uint8_t flags;      /* exceptions raised by the operations (accumulates) */
    bool rounded_up;    /* the last rounded result's magnitude was increased (C1) */
};

/* A context from an x87 control word. */
struct fx_ctx fx_ctx_from_control(uint16_t control);

/* Classes (FXAM's view, SDM vol. 2, FXAM). */
enum fx_class {
    FX_CLASS_UNSUPPORTED, FX_CLASS_NAN, FX_CLASS_NORMAL, FX_CLASS_INFINITY, FX_CLASS_ZERO,
    FX_CLASS_DENORMAL, /* also pseudo-denormals (exponent 0, J set) */
};
enum fx_class fx_classify(fx80 a);
static inline bool fx_sign(fx80 a) { return (a.se >> 15) != 0; }
static inline unsigned fx_exp(fx80 a) { return a.se & 0x7FFF; }
bool fx_is_nan(fx80 a);
bool fx_is_snan(fx80 a);
static inline fx80 fx_make(bool sign, unsigned exp, uint64_t sig)
{
    return (fx80){ sig, (uint16_t)((sign ? 0x8000u : 0) | (exp & 0x7FFF)) };
}
static inline fx80 fx_neg(fx80 a) { return (fx80){ a.sig, (uint16_t)(a.se ^ 0x8000u) } ; }
static inline fx80 fx_abs(fx80 a) { return (fx80){ a.sig, (uint16_t)(a.se & 0x7FFFu) }; }

/* The x87's default NaN, the "real indefinite": negative, quiet, fraction 0. */
#define FX_INDEFINITE ((fx80){ 0xC000000000000000ull, 0xFFFF })
#define FX_ZERO ((fx80){ 0, 0 })
#define FX_ONE ((fx80){ 0x8000000000000000ull, 0x3FFF })

/* Arithmetic (SDM vol. 2, FADD FSUB FMUL FDIV FSQRT). Results are rounded to the context's
 * precision. When overflow or underflow is unmasked the result carries the exponent
 * adjusted by 24576 as the x87 delivers it to a register (SDM vol. 1, 8.5.4/8.5.5). */
fx80 fx_add(struct fx_ctx *c, fx80 a, fx80 b);
fx80 fx_sub(struct fx_ctx *c, fx80 a, fx80 b);
fx80 fx_mul(struct fx_ctx *c, fx80 a, fx80 b);
fx80 fx_div(struct fx_ctx *c, fx80 a, fx80 b);
fx80 fx_sqrt(struct fx_ctx *c, fx80 a);
/* FRNDINT: to an integer by the rounding control. */
fx80 fx_round_to_int(struct fx_ctx *c, fx80 a);
/* FSCALE: a * 2^trunc(b). */
fx80 fx_scale(struct fx_ctx *c, fx80 a, fx80 b);
/* FXTRACT: the significand (exponent 0) and the unbiased exponent as a real. */
void fx_extract(struct fx_ctx *c, fx80 a, fx80 *significand, fx80 *exponent);
/* FPREM (ieee false: the quotient truncated) and FPREM1 (ieee true: rounded to nearest).
 * quotient_bits gets the three low bits of the quotient; *partial is set when the
 * reduction is incomplete (C2). */
fx80 fx_remainder(struct fx_ctx *c, fx80 a, fx80 b, bool ieee, unsigned *quotient_bits, bool *partial);

/* Comparison: -1 less, 0 equal, 1 greater, 2 unordered. 'quiet' (FUCOM) raises invalid
 * only for signaling NaNs; otherwise (FCOM) for every NaN. Unsupported formats are
 * invalid for both. */
int fx_compare(struct fx_ctx *c, fx80 a, fx80 b, bool quiet);

/* Conversions (SDM vol. 1, 4.8 and 8.3). Loads are exact; an SNaN is quieted with IE
 * and a denormal source raises DE. */
fx80 fx_from_int64(int64_t v);
fx80 fx_from_f32(struct fx_ctx *c, uint32_t v);
fx80 fx_from_f64(struct fx_ctx *c, uint64_t v);
/* Loads of an 80-bit real are not checked (FLD m80 raises nothing). */
/* Stores round by the rounding control (not the precision control). Out of range, NaN
 * or infinity: IE and the integer indefinite (the most negative value). */
int64_t fx_to_int(struct fx_ctx *c, fx80 a, unsigned bits);
uint32_t fx_to_f32(struct fx_ctx *c, fx80 a);
uint64_t fx_to_f64(struct fx_ctx *c, fx80 a);
/* FBLD / FBSTP: 18 packed BCD digits and a sign byte, 10 bytes little-endian. */
fx80 fx_from_bcd(const uint8_t bcd[10]);
void fx_to_bcd(struct fx_ctx *c, fx80 a, uint8_t bcd[10]);

/* FST/FSTP to a register: an operand is only checked for being a signaling NaN. */

/* Transcendentals (softfloat80_trans.c), computed with 128-bit intermediate precision. */
fx80 fx_f2xm1(struct fx_ctx *c, fx80 a);
fx80 fx_yl2x(struct fx_ctx *c, fx80 x, fx80 y);     /* y * log2(x) */
fx80 fx_yl2xp1(struct fx_ctx *c, fx80 x, fx80 y);   /* y * log2(x + 1) */
fx80 fx_atan2(struct fx_ctx *c, fx80 y, fx80 x);    /* FPATAN: atan(y / x) with quadrant */
/* FSIN, FCOS, FSINCOS, FPTAN: false (C2 set, operand unchanged) when |a| >= 2^63.
 * fx_sincos computes what is asked for (either pointer may be NULL). */
bool fx_sincos(struct fx_ctx *c, fx80 a, fx80 *sin_out, fx80 *cos_out);
bool fx_tan(struct fx_ctx *c, fx80 a, fx80 *tan_out);

/* The loadable constants (FLDPI and friends), rounded by the rounding control as the
 * 387 and later do (SDM vol. 1, 8.3.8). */
enum fx_constant { FX_CONST_LOG2_10, FX_CONST_LOG2_E, FX_CONST_PI, FX_CONST_LOG10_2, FX_CONST_LN_2 };
fx80 fx_constant(const struct fx_ctx *c, enum fx_constant k);

#endif
