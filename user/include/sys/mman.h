/* mmap()/munmap()/mprotect(); values from the ABI header. */
#ifndef _SYS_MMAN_H
#define _SYS_MMAN_H
#include <stos/types.h>
#include <stos/mman.h>
#ifndef MAP_ANON
#define MAP_ANON MAP_ANONYMOUS
#endif
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
#endif
