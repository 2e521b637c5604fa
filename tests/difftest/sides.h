/* The two CPUs under comparison: vx86 (vx86_side.c) and Unicorn (unicorn_side.c). Both
 * present the same small interface: set up a mode, load state and memory, run one
 * instruction, read the state back. */
#ifndef VX86_DIFFTEST_SIDES_H
#define VX86_DIFFTEST_SIDES_H

#include "difftest.h"

struct vx_side;
struct uc_side;

struct vx_side *vx_create(enum mode mode, enum dt_level level, const uint8_t *image);
void vx_destroy(struct vx_side *s);
uint8_t *vx_memory(struct vx_side *s);
/* Tells the CPU that memory was written directly (it may have decoded the old code). */
void vx_code_changed(struct vx_side *s);
/* Sets registers, EIP and EFLAGS (and restores the mode's segments). */
void vx_set_state(struct vx_side *s, const struct cpu_state *st);
/* Sets the x87 state alone (after a step whose x87 effects were not compared). */
void vx_set_fpu(struct vx_side *s, const struct fpu_view *f);
/* Runs one instruction. On an exception the state returned is the one at the faulting
 * instruction, read back from the frame the CPU pushed (frame_lin/frame_len say where). */
void vx_step(struct vx_side *s, struct cpu_state *out);

struct uc_side *uc_create(enum mode mode, enum dt_level level, const uint8_t *image);
void uc_destroy(struct uc_side *s);
uint8_t *uc_memory(struct uc_side *s);
void uc_set_state(struct uc_side *s, const struct cpu_state *st);
void uc_get_state(struct uc_side *s, struct cpu_state *out);
/* Makes Unicorn forget translations of code written directly into its memory. */
void uc_code_changed(struct uc_side *s, uint32_t lo, uint32_t hi);
/* Runs one instruction (all iterations of a REP string). Returns false with a message
 * if Unicorn itself failed (unmapped access, invalid instruction). */
bool uc_step(struct uc_side *s, struct cpu_state *out, char *err, unsigned err_len);
/* Whether Unicorn aborted (a fault of its own) in the last step; the side is then
 * unusable and must be destroyed and created again. */
bool uc_aborted(const struct uc_side *s);

#endif
