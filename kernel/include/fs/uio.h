/* A uio describes the caller's side of one read or write: a list of segments in user or
 * kernel memory and how much of it remains.  fileops read/write implementations move data
 * with uio_copyout (kernel -> caller, for read) and uio_copyin (caller -> kernel, for write),
 * so one implementation serves read, readv, kernel-internal reads and the unit tests alike.
 * User segments go through copyin/copyout, never a direct dereference. */
#ifndef FS_UIO_H
#define FS_UIO_H
#include <stddef.h>
#include <stos/types.h>
#include <stos/socket.h> /* struct iovec */

enum uio_seg { UIO_USER, UIO_KERNEL };

struct uio {
	struct iovec *uio_iov; /* kernel copy of the segment list; advanced as data moves */
	int uio_iovcnt;
	size_t uio_resid;      /* bytes still to move, the sum of the remaining segments */
	enum uio_seg uio_seg;
};

/* One-segment uio over buf; iov is the storage for the segment. */
void uio_init1(struct uio *u, struct iovec *iov, void *buf, size_t n, enum uio_seg seg);

/* Move up to n bytes from kbuf into the caller's segments.  Returns the number moved:
 * min(n, resid), or fewer when a bad user segment stopped the move (the uio stays at that
 * segment), or -EFAULT when the very first segment touched is bad. */
long uio_copyout(const void *kbuf, size_t n, struct uio *u);

/* Move up to n bytes from the caller's segments into kbuf.  Same results. */
long uio_copyin(void *kbuf, size_t n, struct uio *u);
#endif
