/* x87/SSE register state per thread (arch/x86_64/fpu.c). */
#ifndef KERNEL_ARCH_FPU_H
#define KERNEL_ARCH_FPU_H
#include <stdint.h>

struct fpu_state {
	uint8_t data[512];
} __attribute__((aligned(16)));

void fpu_init(void);
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);
void fpu_init_state(struct fpu_state *s);   /* the state a new program starts with */
#endif
