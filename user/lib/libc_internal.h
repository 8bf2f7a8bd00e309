/* Internal interfaces shared between libc files. */
#ifndef USER_LIB_LIBC_INTERNAL_H
#define USER_LIB_LIBC_INTERNAL_H
#include <stddef.h>
#include <stdarg.h>

extern unsigned long __auxv_pagesz;
void __stdio_init(void);
void __stdio_flush_all(void);

/* printf core: formats into a sink; returns the number of characters the full output has
 * (like snprintf), whatever the sink accepted. */
typedef void (*fmt_sink)(void *ctx, const char *s, size_t n);
int __vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* /etc/hosts and DNS helpers for netdb.c. */
int __hosts_lookup(const char *name, unsigned int *addr_be);
int __dns_lookup(const char *name, unsigned int *addrs_be, int max);
#endif
