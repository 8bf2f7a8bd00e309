/* uio: moving data between a kernel buffer and a read/write caller's segments. */
#include <stos/errno.h>
#include "fs/uio.h"
#include "fslib.h"

void uio_init1(struct uio *u, struct iovec *iov, void *buf, size_t n, enum uio_seg seg)
{
	iov->iov_base = buf;
	iov->iov_len = n;
	u->uio_iov = iov;
	u->uio_iovcnt = 1;
	u->uio_resid = n;
	u->uio_seg = seg;
}

/* Shared walk: to_caller selects the direction. */
static long uio_move(void *kbuf, size_t n, struct uio *u, int to_caller)
{
	size_t done = 0;
	char *k = kbuf;

	while (done < n && u->uio_resid > 0 && u->uio_iovcnt > 0) {
		struct iovec *iov = u->uio_iov;
		size_t chunk = FS_MIN(iov->iov_len, n - done);
		if (chunk == 0) {
			u->uio_iov++;
			u->uio_iovcnt--;
			continue;
		}
		if (u->uio_seg == UIO_KERNEL) {
			if (to_caller)
				memcpy(iov->iov_base, k + done, chunk);
			else
				memcpy(k + done, iov->iov_base, chunk);
		} else {
			int r = to_caller ? copyout(iov->iov_base, k + done, chunk)
					  : copyin(k + done, iov->iov_base, chunk);
			if (r < 0)
				return done ? (long)done : -EFAULT;
		}
		iov->iov_base = (char *)iov->iov_base + chunk;
		iov->iov_len -= chunk;
		u->uio_resid -= chunk;
		done += chunk;
	}
	return (long)done;
}

long uio_copyout(const void *kbuf, size_t n, struct uio *u)
{
	return uio_move((void *)(uintptr_t)kbuf, n, u, 1);
}

long uio_copyin(void *kbuf, size_t n, struct uio *u)
{
	return uio_move(kbuf, n, u, 0);
}
