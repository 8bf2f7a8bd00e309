/* Kernel random source (dev/random.c). */
#ifndef KERNEL_DEV_RANDOM_H
#define KERNEL_DEV_RANDOM_H
#include <stddef.h>
#include <stdint.h>
void random_init(void);
void random_stir(uint64_t v);   /* from the timer tick */
void random_bytes(void *buf, size_t n);
#endif
