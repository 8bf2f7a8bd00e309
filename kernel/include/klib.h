/* Kernel library: string and memory routines, formatted console output, panic, asserts.
 * The compiler may emit calls to memcpy/memset/memmove/memcmp itself, so these four keep
 * their standard names and semantics. */
#ifndef KERNEL_KLIB_H
#define KERNEL_KLIB_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates (size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* s as a decimal number of at most max into *out: false when s is empty, has anything but
 * digits, or is larger (command-line knobs). */
bool kparse_uint(const char *s, unsigned max, unsigned *out);

/* printf subset: %d %i %u %x %X %p %s %c %%, flags '-' '0', width, precision for %s,
 * length modifiers l ll z. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes bytes to the console (serial port) as they are; the tty does newline translation.
 * kprintf output gets "\r\n" line ends. */
void console_write(const char *buf, size_t n);

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(cond) \
	do { if (!(cond)) panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); } while (0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))

#endif
