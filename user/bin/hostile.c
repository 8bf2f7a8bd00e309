/* hostile [scratch-dir]: passes kernel addresses, NULL, unmapped and misaligned pointers,
 * bad descriptors and huge lengths to system calls, and checks that each fails with the
 * error Linux gives (EFAULT, EINVAL, EBADF, ...) instead of crashing anything.  Misaligned
 * but valid pointers must work, as on Linux (x86 has no alignment rule for user memory).
 * Prints "PASS name" / "FAIL name: ..." per check and "hostile: N passed, M failed";
 * exits 0 only if all passed.  Runs on Linux as well as on STOS.  It never calls reboot
 * with valid magic numbers nor kill with a pid other than its own or an unused one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#define KADDR    ((long)0xffff800000000000UL)   /* start of the kernel half */
#define KTEXT    ((long)0xffffffff80000000UL)   /* where kernels usually live */
#define NONCANON 0x0000800000000000L   /* first non-canonical address */
#define UNMAPPED 0x0000000000100000L   /* below a static binary's 0x400000 load address */
#define NEARNULL 0x10L
#define HUGE     0x7fffffffffffffffL

static int passed, failed;

static void report(int ok, const char *name, long r, int err)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s: returned %ld errno %d (%s)\n", name, r, err, strerror(err));
	}
	fflush(stdout);
}

/* The call must fail with one of the listed errors (0-terminated). */
static void expect_err(const char *name, long r, ...)
{
	int err = errno, ok = 0, e;
	va_list ap;
	va_start(ap, r);
	while ((e = va_arg(ap, int)) != 0)
		if (r == -1 && err == e)
			ok = 1;
	va_end(ap);
	report(ok, name, r, r == -1 ? err : 0);
}

#define BAD(name, call, ...)                          \
	do {                                          \
		long r_;                              \
		errno = 0;                            \
		r_ = (long)(call);                    \
		expect_err(name, r_, __VA_ARGS__, 0); \
	} while (0)

/* Every argument goes through a long, so an int like -100 reaches the kernel sign-extended
 * (a variadic int would leave the register's upper half undefined). */
static long sc(long n, long a, long b, long c, long d, long e, long f)
{
	return syscall(n, a, b, c, d, e, f);
}
#define SYS(...) SYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
#define SYS_(n, a, b, c, d, e, f, ...) \
	sc((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static const long bad_ptrs[] = {KADDR, KTEXT, NONCANON, UNMAPPED, NEARNULL, 0, -4096L};
static const char *const bad_names[] = {"kernel", "kernel-text", "noncanonical", "unmapped",
					"near-null", "null", "top-page"};
#define NBAD (int)(sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))

static char name_buf[128];
static const char *nm(const char *call, int i)
{
	snprintf(name_buf, sizeof(name_buf), "%s-%s", call, bad_names[i]);
	return name_buf;
}

static int data_fd, dir_fd;
static char data_path[256];

static void pointer_checks(void)
{
	char buf[256];
	for (int i = 0; i < NBAD; i++) {
		long p = bad_ptrs[i];
		int fds[2];
		lseek(data_fd, 0, SEEK_SET);
		BAD(nm("read", i), SYS(SYS_read, data_fd, p, 64), EFAULT);
		BAD(nm("write", i), SYS(SYS_write, data_fd, p, 64), EFAULT);
		BAD(nm("pread", i), SYS(SYS_pread64, data_fd, p, 64, 0), EFAULT);
		BAD(nm("open", i), SYS(SYS_open, p, O_RDONLY), EFAULT);
		BAD(nm("openat", i), SYS(SYS_openat, AT_FDCWD, p, O_RDONLY), EFAULT);
		BAD(nm("stat-path", i), SYS(SYS_stat, p, buf), EFAULT);
		BAD(nm("stat-buf", i), SYS(SYS_stat, data_path, p), EFAULT);
		BAD(nm("lstat-buf", i), SYS(SYS_lstat, data_path, p), EFAULT);
		BAD(nm("fstat-buf", i), SYS(SYS_fstat, data_fd, p), EFAULT);
		BAD(nm("newfstatat-path", i), SYS(SYS_newfstatat, AT_FDCWD, p, buf, 0), EFAULT);
		BAD(nm("access", i), SYS(SYS_access, p, F_OK), EFAULT);
		BAD(nm("pipe", i), SYS(SYS_pipe, p), EFAULT);
		BAD(nm("pipe2", i), SYS(SYS_pipe2, p, 0), EFAULT);
		BAD(nm("getcwd", i), SYS(SYS_getcwd, p, 256), EFAULT);
		BAD(nm("chdir", i), SYS(SYS_chdir, p), EFAULT);
		BAD(nm("mkdir", i), SYS(SYS_mkdir, p, 0755), EFAULT);
		BAD(nm("rmdir", i), SYS(SYS_rmdir, p), EFAULT);
		BAD(nm("unlink", i), SYS(SYS_unlink, p), EFAULT);
		lseek(dir_fd, 0, SEEK_SET);
		BAD(nm("getdents64", i), SYS(SYS_getdents64, dir_fd, p, 4096), EFAULT);
		BAD(nm("execve-path", i), SYS(SYS_execve, p, 0, 0), EFAULT);
		BAD(nm("nanosleep", i), SYS(SYS_nanosleep, p, 0), EFAULT);
		BAD(nm("clock_gettime", i), SYS(SYS_clock_gettime, CLOCK_MONOTONIC, p), EFAULT);
		BAD(nm("uname", i), SYS(SYS_uname, p), EFAULT);
		BAD(nm("poll", i), SYS(SYS_poll, p, 1, 0), EFAULT);
		BAD(nm("readv-iov", i), SYS(SYS_readv, data_fd, p, 1), EFAULT);
		BAD(nm("writev-iov", i), SYS(SYS_writev, data_fd, p, 1), EFAULT);
		{
			struct iovec iov = {(void *)p, 16};
			lseek(data_fd, 0, SEEK_SET);
			BAD(nm("readv-base", i), SYS(SYS_readv, data_fd, &iov, 1), EFAULT);
			BAD(nm("writev-base", i), SYS(SYS_writev, data_fd, &iov, 1), EFAULT);
		}
		{
			fd_set r;
			struct timeval tv = {0, 0};
			FD_ZERO(&r);
			FD_SET(0, &r);
			BAD(nm("select-set", i), SYS(SYS_select, 1, p == 0 ? 8 : p, 0, 0, &tv), EFAULT);
			BAD(nm("select-timeout", i), SYS(SYS_select, 1, &r, 0, 0, p == 0 ? 8 : p), EFAULT);
		}
		BAD(nm("rt_sigaction-act", i),
		    SYS(SYS_rt_sigaction, SIGUSR1, p == 0 ? 8 : p, 0, sizeof(sigset_t)), EFAULT);
		BAD(nm("rt_sigaction-old", i),
		    SYS(SYS_rt_sigaction, SIGUSR1, 0, p == 0 ? 8 : p, sizeof(sigset_t)), EFAULT);
		BAD(nm("ioctl-arg", i), SYS(SYS_ioctl, data_fd, FIONREAD, p), EFAULT, ENOTTY, EINVAL);
		(void)fds;
	}
}

static void execve_vector_checks(void)
{
	/* Bad argv/envp vectors and bad strings inside them; /bin/true exists on both systems. */
	const char *path = "/bin/true";
	long bad_vec[] = {(long)"true", KADDR, 0};
	for (int i = 0; i < NBAD; i++) {
		if (bad_ptrs[i] == 0)
			continue;   /* argv == NULL is allowed by Linux */
		BAD(nm("execve-argv", i), SYS(SYS_execve, path, bad_ptrs[i], 0), EFAULT);
		BAD(nm("execve-envp", i), SYS(SYS_execve, path, 0, bad_ptrs[i]), EFAULT);
	}
	BAD("execve-argv-element-kernel", SYS(SYS_execve, path, bad_vec, 0), EFAULT);
	BAD("execve-envp-element-kernel", SYS(SYS_execve, path, 0, bad_vec), EFAULT);
}

static void length_checks(void)
{
	char buf[64];
	lseek(data_fd, 0, SEEK_SET);
	BAD("read-huge-length", SYS(SYS_read, data_fd, buf, HUGE), EFAULT, EINVAL);
	BAD("read-length-minus-1", SYS(SYS_read, data_fd, buf, -1L), EFAULT, EINVAL);
	BAD("write-huge-length", SYS(SYS_write, data_fd, buf, HUGE), EFAULT, EINVAL);
	BAD("write-length-minus-1", SYS(SYS_write, data_fd, buf, -1L), EFAULT, EINVAL);
	BAD("getdents64-huge-length", SYS(SYS_getdents64, dir_fd, buf, HUGE), EFAULT, EINVAL);
	BAD("getdents64-tiny-buffer", SYS(SYS_getdents64, dir_fd, buf, 1), EINVAL);
	BAD("getcwd-size-0", SYS(SYS_getcwd, buf, 0), ERANGE, EINVAL);
	BAD("getcwd-size-1", SYS(SYS_getcwd, buf, 1), ERANGE);
	BAD("getcwd-huge-size-kernel", SYS(SYS_getcwd, KADDR, HUGE), EFAULT, ERANGE, EINVAL);
	BAD("poll-huge-nfds", SYS(SYS_poll, buf, HUGE, 0), EINVAL, EFAULT);
	BAD("select-negative-n", SYS(SYS_select, -1, 0, 0, 0, 0), EINVAL);
	{
		struct iovec iov[2] = {{buf, 8}, {buf, HUGE}};
		BAD("writev-iovcnt-negative", SYS(SYS_writev, data_fd, iov, -1), EINVAL);
		BAD("writev-iovcnt-huge", SYS(SYS_writev, data_fd, iov, 100000), EINVAL);
		BAD("writev-total-overflows", SYS(SYS_writev, data_fd, iov, 2), EINVAL, EFAULT);
	}
	{
		char longpath[5000];
		memset(longpath, 'a', sizeof(longpath) - 1);
		longpath[sizeof(longpath) - 1] = 0;
		BAD("open-path-too-long", SYS(SYS_open, longpath, O_RDONLY), ENAMETOOLONG);
		BAD("mkdir-path-too-long", SYS(SYS_mkdir, longpath, 0755), ENAMETOOLONG);
	}
	BAD("mmap-length-0", SYS(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	BAD("mmap-huge", SYS(SYS_mmap, 0, 1L << 62, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	    ENOMEM, EINVAL);
	BAD("mmap-fixed-kernel", SYS(SYS_mmap, KADDR, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	    ENOMEM, EINVAL, EPERM);
	BAD("mmap-fixed-misaligned", SYS(SYS_mmap, UNMAPPED + 1, 4096, PROT_READ,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	    EINVAL);
	BAD("munmap-kernel", SYS(SYS_munmap, KADDR, 4096), EINVAL);
	BAD("munmap-misaligned", SYS(SYS_munmap, UNMAPPED + 1, 4096), EINVAL);
	{
		/* brk never fails on Linux; it must simply refuse to move into the kernel. */
		long cur = SYS(SYS_brk, 0), r = SYS(SYS_brk, KADDR);
		report(r != KADDR && r == cur, "brk-kernel-refused", r, errno);
	}
}

static void descriptor_checks(void)
{
	char buf[64];
	int fds[2], ro;
	struct stat st;
	BAD("read-fd-minus-1", SYS(SYS_read, -1, buf, 1), EBADF);
	BAD("read-fd-huge", SYS(SYS_read, 1 << 30, buf, 1), EBADF);
	BAD("write-fd-closed", SYS(SYS_write, 999, buf, 1), EBADF);
	BAD("close-minus-1", SYS(SYS_close, -1), EBADF);
	BAD("close-unopened", SYS(SYS_close, 999), EBADF);
	BAD("fstat-bad-fd", SYS(SYS_fstat, 999, &st), EBADF);
	BAD("lseek-bad-fd", SYS(SYS_lseek, 999, 0, SEEK_SET), EBADF);
	BAD("lseek-bad-whence", SYS(SYS_lseek, data_fd, 0, 99), EINVAL);
	BAD("lseek-negative", SYS(SYS_lseek, data_fd, -100, SEEK_SET), EINVAL);
	BAD("dup-bad", SYS(SYS_dup, 999), EBADF);
	BAD("dup2-bad-old", SYS(SYS_dup2, 999, 5), EBADF);
	BAD("dup2-negative-new", SYS(SYS_dup2, data_fd, -1), EBADF);
	BAD("dup2-huge-new", SYS(SYS_dup2, data_fd, 1 << 30), EBADF);
	BAD("dup3-same-fd", SYS(SYS_dup3, data_fd, data_fd, 0), EINVAL);
	BAD("fcntl-bad-fd", SYS(SYS_fcntl, 999, F_GETFL), EBADF);
	BAD("fcntl-bad-cmd", SYS(SYS_fcntl, data_fd, 99999), EINVAL);
	BAD("ioctl-bad-fd", SYS(SYS_ioctl, 999, FIONREAD, buf), EBADF);
	BAD("ioctl-not-tty", SYS(SYS_ioctl, data_fd, TCGETS, buf), ENOTTY);
	BAD("getdents64-on-file", SYS(SYS_getdents64, data_fd, buf, sizeof(buf)), ENOTDIR);
	BAD("getdents64-bad-fd", SYS(SYS_getdents64, 999, buf, sizeof(buf)), EBADF);
	BAD("openat-bad-dirfd", SYS(SYS_openat, 999, "relative", O_RDONLY), EBADF);
	BAD("chdir-to-file", SYS(SYS_chdir, data_path), ENOTDIR);
	BAD("open-empty-path", SYS(SYS_open, "", O_RDONLY), ENOENT);
	{
		struct pollfd p = {999, POLLIN, 0};
		long r = SYS(SYS_poll, &p, 1, 0);
		report(r == 1 && (p.revents & POLLNVAL), "poll-bad-fd-POLLNVAL", r, errno);
	}
	ro = open(data_path, O_RDONLY);
	BAD("write-readonly-fd", SYS(SYS_write, ro, "x", 1), EBADF);
	close(ro);
	if (pipe(fds) == 0) {
		BAD("lseek-pipe", SYS(SYS_lseek, fds[0], 0, SEEK_SET), ESPIPE);
		BAD("read-pipe-write-end", SYS(SYS_read, fds[1], buf, 1), EBADF);
		BAD("write-pipe-read-end", SYS(SYS_write, fds[0], "x", 1), EBADF);
		close(fds[0]);
		close(fds[1]);
	}
}

static void process_checks(void)
{
	int st;
	pid_t pid;
	struct timespec bad_ns = {0, 2000000000L}, neg = {-1, 0};
	BAD("wait4-no-children", SYS(SYS_wait4, -1, &st, 0, 0), ECHILD);
	BAD("wait4-bad-options", SYS(SYS_wait4, -1, &st, 0x100, 0), EINVAL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		/* Let the child become a zombie, then ask for its status into kernel memory. */
		struct timespec t = {0, 50 * 1000 * 1000};
		nanosleep(&t, NULL);
		BAD("wait4-status-kernel", SYS(SYS_wait4, pid, KADDR, 0, 0), EFAULT);
		waitpid(pid, NULL, 0);
	}
	BAD("kill-bad-signal", SYS(SYS_kill, getpid(), 1000), EINVAL);
	BAD("kill-negative-signal", SYS(SYS_kill, getpid(), -1), EINVAL);
	BAD("kill-no-such-pid", SYS(SYS_kill, 0x7ffffff0, 0), ESRCH);
	BAD("nanosleep-bad-nsec", SYS(SYS_nanosleep, &bad_ns, 0), EINVAL);
	BAD("nanosleep-negative", SYS(SYS_nanosleep, &neg, 0), EINVAL);
	BAD("clock_gettime-bad-clock", SYS(SYS_clock_gettime, 9999, &bad_ns), EINVAL);
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		BAD("rt_sigaction-SIGKILL", SYS(SYS_rt_sigaction, SIGKILL, &sa, 0, sizeof(sigset_t)), EINVAL);
		BAD("rt_sigaction-bad-signal", SYS(SYS_rt_sigaction, 1000, &sa, 0, sizeof(sigset_t)), EINVAL);
		BAD("rt_sigaction-bad-setsize", SYS(SYS_rt_sigaction, SIGUSR1, &sa, 0, 3), EINVAL);
	}
	/* Wrong magic: refused before anything happens (EPERM when not privileged). */
	BAD("reboot-bad-magic", SYS(SYS_reboot, 0x12345678, 0x12345678, LINUX_REBOOT_CMD_POWER_OFF, 0),
	    EINVAL, EPERM);
	BAD("unknown-syscall-ENOSYS", SYS(5000, 0, 0, 0), ENOSYS);
	BAD("negative-syscall-ENOSYS", SYS(-1L, 0, 0, 0), ENOSYS);
}

static void misaligned_checks(void)
{
	/* Valid but misaligned user pointers are fine on x86: these must succeed. */
	char raw[512] __attribute__((aligned(16)));
	struct timespec ts;
	long r;
	r = SYS(SYS_clock_gettime, CLOCK_MONOTONIC, raw + 1);
	memcpy(&ts, raw + 1, sizeof(ts));
	report(r == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L, "misaligned-clock_gettime-ok", r, errno);
	r = SYS(SYS_fstat, data_fd, raw + 3);
	report(r == 0, "misaligned-fstat-ok", r, errno);
	lseek(data_fd, 0, SEEK_SET);
	r = SYS(SYS_read, data_fd, raw + 5, 16);
	report(r == 16 && memcmp(raw + 5, "0123456789abcdef", 16) == 0, "misaligned-read-ok", r, errno);
	r = SYS(SYS_pipe, raw + 2);
	if (r == 0) {
		int fds[2];
		memcpy(fds, raw + 2, sizeof(fds));
		close(fds[0]);
		close(fds[1]);
	}
	report(r == 0, "misaligned-pipe-ok", r, errno);
	{
		/* A buffer that ends exactly at an unmapped page: the valid part works, the
		 * first byte beyond it faults. */
		char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pg != MAP_FAILED && munmap(pg + 4096, 4096) == 0) {
			lseek(data_fd, 0, SEEK_SET);
			r = SYS(SYS_read, data_fd, pg + 4096 - 8, 8);
			report(r == 8, "read-into-last-bytes-of-page-ok", r, errno);
			/* 11 bytes with the last 3 beyond the page, so that the copy's quadword
			 * part fits and its byte tail would not: a short count or EFAULT, as on
			 * Linux; never a crash.  (uaccess.c's range check refuses the buffer
			 * before copy_user_raw runs: its fault fixups are the second defence.) */
			lseek(data_fd, 0, SEEK_SET);
			r = SYS(SYS_read, data_fd, pg + 4096 - 8, 11);
			report(r == 8 || (r == -1 && errno == EFAULT), "read-tail-into-unmapped", r,
			    errno);
			r = SYS(SYS_write, data_fd, pg + 4096 - 8, 11);
			report(r == 8 || (r == -1 && errno == EFAULT), "write-tail-from-unmapped", r,
			    errno);
			/* 200 bytes with the last 64 beyond the page: the copy's 64-byte loop
			 * would meet the hole (copy_user.S).  The file holds fewer than 200. */
			lseek(data_fd, 0, SEEK_SET);
			r = SYS(SYS_read, data_fd, pg + 4096 - 136, 200);
			report((r > 0 && r <= 136) || (r == -1 && errno == EFAULT),
			    "read-loop-into-unmapped", r, errno);
			r = SYS(SYS_write, data_fd, pg + 4096 - 136, 200);
			report((r > 0 && r <= 136) || (r == -1 && errno == EFAULT),
			    "write-loop-from-unmapped", r, errno);
			r = SYS(SYS_clock_gettime, CLOCK_MONOTONIC, pg + 4096 - 8);
			errno = r < 0 ? errno : 0;
			expect_err("clock_gettime-straddles-unmapped", r, EFAULT, 0);
			/* "abc" with no NUL before the hole */
			memcpy(pg + 4096 - 3, "abc", 3);
			r = SYS(SYS_open, pg + 4096 - 3, O_RDONLY);
			expect_err("open-path-runs-into-unmapped", r, EFAULT, 0);
			munmap(pg, 4096);
		}
	}
}

/* sendmsg/recvmsg gather and scatter the same bytes with few iovec entries and with many
 * (STOS copies up to 8 into an array on the kernel stack, more into a kmalloc'ed one), and
 * a bad entry fails the call in either case.  On a UDP socket of its own sending to itself
 * over loopback. */
static void msg_scatter_checks(void)
{
	static const int pieces[][2] = {{3, 2}, {20, 12}, {8, 9}};
	char out[60], in[64], junk[64], name[48];
	struct iovec siov[20], riov[12];
	struct msghdr m;
	struct sockaddr_in self;
	socklen_t slen = sizeof(self);
	const struct sockaddr_in *sa = &self;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&self, 0, sizeof(self));
	self.sin_family = AF_INET;
	self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&self, sizeof(self)) != 0 ||
	    getsockname(s, (struct sockaddr *)&self, &slen) != 0) {
		printf("SKIP msg-scatter: no UDP socket on loopback: %s\n", strerror(errno));
		if (s >= 0)
			close(s);
		return;
	}
	for (int i = 0; i < 60; i++)
		out[i] = (char)('A' + i % 26 + (i / 26));
	for (unsigned c = 0; c < sizeof(pieces) / sizeof(pieces[0]); c++) {
		int ns = pieces[c][0], nr = pieces[c][1];
		while (recv(s, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
			;
		for (int k = 0; k < ns; k++) {
			siov[k].iov_base = out + k * 60 / ns;
			siov[k].iov_len = (size_t)((k + 1) * 60 / ns - k * 60 / ns);
		}
		memset(&m, 0, sizeof(m));
		m.msg_name = (void *)sa;
		m.msg_namelen = sizeof(*sa);
		m.msg_iov = siov;
		m.msg_iovlen = (size_t)ns;
		errno = 0;
		long r = sendmsg(s, &m, 0);
		snprintf(name, sizeof(name), "sendmsg-gather-%d-pieces", ns);
		report(r == 60, name, r, errno);
		struct pollfd p = {s, POLLIN, 0};
		poll(&p, 1, 1000);
		memset(in, 0, sizeof(in));
		for (int k = 0; k < nr; k++) {
			riov[k].iov_base = in + k * 60 / nr;
			riov[k].iov_len = (size_t)((k + 1) * 60 / nr - k * 60 / nr);
		}
		memset(&m, 0, sizeof(m));
		m.msg_iov = riov;
		m.msg_iovlen = (size_t)nr;
		errno = 0;
		r = recvmsg(s, &m, MSG_DONTWAIT);
		snprintf(name, sizeof(name), "recvmsg-scatter-%d-pieces", nr);
		report(r == 60 && memcmp(in, out, 60) == 0, name, r, errno);
	}
	/* a bad entry among the first 8 and past them */
	for (int bad = 2; bad <= 10; bad += 8) {
		for (int k = 0; k < 12; k++) {
			siov[k].iov_base = out + k;
			siov[k].iov_len = 1;
		}
		memset(&m, 0, sizeof(m));
		m.msg_name = (void *)sa;
		m.msg_namelen = sizeof(*sa);
		m.msg_iov = siov;
		m.msg_iovlen = 12;
		siov[bad].iov_base = (void *)KADDR;
		snprintf(name, sizeof(name), "sendmsg-12-pieces-kernel-base-at-%d", bad);
		BAD(name, SYS(SYS_sendmsg, s, &m, 0), EFAULT);
		siov[bad].iov_base = out;
		siov[bad].iov_len = (size_t)-1;
		snprintf(name, sizeof(name), "sendmsg-12-pieces-negative-len-at-%d", bad);
		BAD(name, SYS(SYS_sendmsg, s, &m, 0), EINVAL);
		snprintf(name, sizeof(name), "recvmsg-12-pieces-negative-len-at-%d", bad);
		BAD(name, SYS(SYS_recvmsg, s, &m, MSG_DONTWAIT), EINVAL);
	}
	close(s);
}

static void socket_checks(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), t;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char buf[64];
	int v = 0;

	if (s < 0) {
		printf("SKIP sockets: socket(AF_INET, SOCK_DGRAM) failed: %s\n", strerror(errno));
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < NBAD; i++) {
		long p = bad_ptrs[i];
		socklen_t l = sizeof(sa);
		BAD(nm("bind-addr", i), SYS(SYS_bind, s, p, sizeof(sa)), EFAULT);
		BAD(nm("connect-addr", i), SYS(SYS_connect, s, p, sizeof(sa)), EFAULT);
		/* A NULL destination means "none given": EDESTADDRREQ on an unconnected socket. */
		BAD(nm("sendto-addr", i), SYS(SYS_sendto, s, buf, 4, 0, p, sizeof(sa)), EFAULT,
		    p == 0 ? EDESTADDRREQ : EFAULT);
		BAD(nm("getsockname-addr", i), SYS(SYS_getsockname, s, p, &l), EFAULT);
		if (p != 0)   /* a NULL length pointer is EFAULT too, but Linux checks addr first */
			BAD(nm("getsockname-len", i), SYS(SYS_getsockname, s, &sa, p), EFAULT);
		BAD(nm("getsockopt-val", i), SYS(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, p, &l), EFAULT);
		BAD(nm("getsockopt-len", i), SYS(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &v, p), EFAULT);
		BAD(nm("setsockopt-val", i), SYS(SYS_setsockopt, s, SOL_SOCKET, SO_RCVBUF, p, 4), EFAULT);
		BAD(nm("sendmsg-msg", i), SYS(SYS_sendmsg, s, p, 0), EFAULT);
		BAD(nm("recvmsg-msg", i), SYS(SYS_recvmsg, s, p, MSG_DONTWAIT), EFAULT);
		BAD(nm("socketpair-sv", i), SYS(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, p), EFAULT, EAFNOSUPPORT);
	}
	BAD("bind-len-0", SYS(SYS_bind, s, &sa, 0), EINVAL);
	BAD("bind-len-huge", SYS(SYS_bind, s, &sa, 0x7fffffff), EINVAL);
	BAD("bind-wrong-family", (sa.sin_family = AF_PACKET + 100, SYS(SYS_bind, s, &sa, sizeof(sa))),
	    EAFNOSUPPORT, EINVAL);
	sa.sin_family = AF_INET;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 && getsockname(s, (struct sockaddr *)&sa, &len) == 0 &&
	    sendto(s, "self", 4, 0, (struct sockaddr *)&sa, sizeof(sa)) == 4) {
		struct pollfd p = {s, POLLIN, 0};
		poll(&p, 1, 1000);
		BAD("recvfrom-buf-kernel", SYS(SYS_recvfrom, s, KADDR, 4, MSG_DONTWAIT, 0, 0), EFAULT);
	}
	msg_scatter_checks();
	BAD("sendto-huge-length", SYS(SYS_sendto, s, buf, HUGE, 0, &sa, sizeof(sa)), EMSGSIZE, EFAULT, EINVAL);
	BAD("setsockopt-bad-level", SYS(SYS_setsockopt, s, 9999, 1, &v, sizeof(v)), ENOPROTOOPT, EOPNOTSUPP);
	BAD("setsockopt-short-optlen", SYS(SYS_setsockopt, s, SOL_SOCKET, SO_RCVBUF, &v, 1), EINVAL);
	BAD("setsockopt-negative-optlen", SYS(SYS_setsockopt, s, SOL_SOCKET, SO_RCVBUF, &v, -1), EINVAL);
	BAD("listen-on-udp", SYS(SYS_listen, s, 5), EOPNOTSUPP);
	BAD("shutdown-bad-how", SYS(SYS_shutdown, s, 99), EINVAL);
	BAD("accept-on-file", SYS(SYS_accept, data_fd, 0, 0), ENOTSOCK);
	BAD("sendto-on-file", SYS(SYS_sendto, data_fd, buf, 1, 0, 0, 0), ENOTSOCK);
	BAD("getsockopt-bad-fd", SYS(SYS_getsockopt, 999, SOL_SOCKET, SO_TYPE, &v, &len), EBADF);
	BAD("socket-bad-protocol", SYS(SYS_socket, AF_INET, SOCK_STREAM, 99), EPROTONOSUPPORT);
	BAD("socket-bad-type", SYS(SYS_socket, AF_INET, 77, 0), EINVAL, ESOCKTNOSUPPORT);
	{
		struct msghdr m;
		struct iovec iov = {buf, 4};
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 100000;
		BAD("sendmsg-iovlen-huge", SYS(SYS_sendmsg, s, &m, 0), EMSGSIZE, EINVAL);
		m.msg_iovlen = 1;
		m.msg_name = (void *)KADDR;
		m.msg_namelen = sizeof(sa);
		BAD("sendmsg-name-kernel", SYS(SYS_sendmsg, s, &m, 0), EFAULT);
		m.msg_name = NULL;
		m.msg_namelen = 0;
		iov.iov_base = (void *)KADDR;
		BAD("sendmsg-iov-base-kernel", SYS(SYS_sendmsg, s, &m, 0), EFAULT, EDESTADDRREQ);
	}
	t = socket(AF_INET, SOCK_STREAM, 0);
	if (t >= 0) {
		BAD("tcp-send-unconnected", SYS(SYS_sendto, t, buf, 1, MSG_NOSIGNAL, 0, 0), ENOTCONN, EPIPE);
		BAD("tcp-getpeername-unconnected", SYS(SYS_getpeername, t, &sa, &len), ENOTCONN);
		BAD("tcp-accept-not-listening", SYS(SYS_accept, t, 0, 0), EINVAL);
		/* TCP_MD5SIG (RFC 2385): Linux's struct and its errors. */
		struct tcp_md5sig k;
		memset(&k, 0, sizeof(k));
		struct sockaddr_in *ka = (struct sockaddr_in *)&k.tcpm_addr;
		ka->sin_family = AF_INET;
		ka->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		BAD("tcp-md5sig-delete-absent", SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG, &k,
		    sizeof(k)), ENOENT);
		k.tcpm_keylen = TCP_MD5SIG_MAXKEYLEN + 1;
		BAD("tcp-md5sig-key-too-long", SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG, &k,
		    sizeof(k)), EINVAL);
		k.tcpm_keylen = 6;
		memcpy(k.tcpm_key, "secret", 6);
		BAD("tcp-md5sig-short", SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG, &k,
		    sizeof(k) - 1), EINVAL);
		BAD("tcp-md5sig-val-kernel", SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG, KADDR,
		    sizeof(k)), EFAULT);
		long r = SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG, &k, sizeof(k));
		report(r == 0, "tcp-md5sig-set", r, r ? errno : 0);
		k.tcpm_keylen = 0;
		r = SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG, &k, sizeof(k));
		report(r == 0, "tcp-md5sig-delete", r, r ? errno : 0);
		/* TCP_MD5SIG_EXT: prefixes up to 32 bits; no interface but a VRF (none here). */
		k.tcpm_keylen = 6;
		k.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
		k.tcpm_prefixlen = 33;
		BAD("tcp-md5sig-ext-prefix-33", SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG_EXT,
		    &k, sizeof(k)), EINVAL);
		k.tcpm_prefixlen = 8;
		k.tcpm_flags |= TCP_MD5SIG_FLAG_IFINDEX;
		k.tcpm_ifindex = 1;
		BAD("tcp-md5sig-ext-ifindex-lo", SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG_EXT,
		    &k, sizeof(k)), EINVAL);
		k.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
		k.tcpm_ifindex = 0;
		r = SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG_EXT, &k, sizeof(k));
		report(r == 0, "tcp-md5sig-ext-set-prefix-8", r, r ? errno : 0);
		k.tcpm_keylen = 0;
		r = SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG_EXT, &k, sizeof(k));
		report(r == 0, "tcp-md5sig-ext-delete-prefix-8", r, r ? errno : 0);
		BAD("tcp-md5sig-ext-delete-again", SYS(SYS_setsockopt, t, IPPROTO_TCP, TCP_MD5SIG_EXT,
		    &k, sizeof(k)), ENOENT);
		close(t);
	}
	close(s);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(data_path, sizeof(data_path), "%s/hostile-%d", dir, getpid());
	data_fd = open(data_path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (data_fd < 0 || dir_fd < 0) {
		printf("hostile: cannot set up in %s: %s\n", dir, strerror(errno));
		return 2;
	}
	/* Reads of the data file must find bytes, so a bad buffer is actually written to. */
	write(data_fd, "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz", 72);

	pointer_checks();
	execve_vector_checks();
	length_checks();
	descriptor_checks();
	process_checks();
	misaligned_checks();
	socket_checks();

	close(data_fd);
	close(dir_fd);
	unlink(data_path);
	printf("hostile: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
