/* usertests [scratch-dir]: exercises the kernel through the libc: fork/exec/wait, exit
 * statuses, pipes, files and directories, memory, time, signals and preemption.  Prints
 * "PASS name" or "FAIL name: why" per check and a summary line "usertests: N passed,
 * M failed"; exits 0 only if all passed.  Runs on Linux as well as on STOS. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;
static const char *dir = "/tmp";
static char self[256];

static void result(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void result(int ok, const char *name, const char *fmt, ...)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		va_list ap;
		failed++;
		printf("FAIL %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(" (errno %d %s)\n", errno, strerror(errno));
	}
	fflush(stdout);
}

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void path_in_dir(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/usertests-%d-%s", dir, getpid(), name);
}

/* ---- processes ---- */

static void test_fork_wait(void)
{
	int st = 0;
	pid_t pid = fork(), r;
	if (pid == 0)
		_exit(42);
	r = waitpid(pid, &st, 0);
	result(pid > 0 && r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42, "fork-exit-status",
	       "pid %d r %d status %#x", pid, r, st);
}

static void test_many_children(void)
{
	enum { N = 40 };
	pid_t pids[N];
	int ok = 1, seen = 0, st;
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(i);
		if (pids[i] < 0)
			ok = 0;
	}
	for (;;) {
		pid_t r = wait(&st);
		if (r < 0)
			break;
		for (int i = 0; i < N; i++)
			if (pids[i] == r) {
				if (!WIFEXITED(st) || WEXITSTATUS(st) != i)
					ok = 0;
				seen++;
			}
	}
	result(ok && seen == N && errno == ECHILD, "fork-40-wait-all", "reaped %d of %d", seen, N);
}

static void test_nested_fork(void)
{
	/* Grandchildren: the child forks, waits for its own child, passes the status up. */
	int st = 0;
	pid_t pid = fork();
	if (pid == 0) {
		int s2 = 0;
		pid_t g = fork();
		if (g == 0)
			_exit(7);
		if (waitpid(g, &s2, 0) != g)
			_exit(100);
		_exit(WEXITSTATUS(s2) + 1);
	}
	waitpid(pid, &st, 0);
	result(WIFEXITED(st) && WEXITSTATUS(st) == 8, "nested-fork", "status %#x", st);
}

static void test_wait_errors(void)
{
	int st;
	pid_t pid;
	errno = 0;
	result(waitpid(-1, &st, 0) < 0 && errno == ECHILD, "wait-no-children-ECHILD", "no ECHILD");
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	result(waitpid(pid, &st, WNOHANG) == 0, "waitpid-WNOHANG-running", "did not return 0");
	kill(pid, SIGKILL);
	result(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "kill-SIGKILL-status", "status %#x", st);
}

static void test_getppid(void)
{
	int fds[2], child_ppid = -1;
	pid_t me = getpid(), pid;
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		int p = getppid();
		write(fds[1], &p, sizeof(p));
		_exit(0);
	}
	read(fds[0], &child_ppid, sizeof(child_ppid));
	waitpid(pid, NULL, 0);
	close(fds[0]);
	close(fds[1]);
	result(child_ppid == me && pid != me, "getpid-getppid", "child saw ppid %d, parent %d", child_ppid, me);
}

/* exec our own binary in helper mode and check its output and status. */
static void test_exec(void)
{
	int fds[2], st = 0;
	char buf[64] = {0};
	ssize_t n;
	pid_t pid;
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {self, "--helper", "exec-arg", NULL};
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(self, argv);
		_exit(99);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	waitpid(pid, &st, 0);
	result(n > 0 && strcmp(buf, "helper exec-arg\n") == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5,
	       "exec-args-output-status", "got '%s' status %#x", buf, st);
}

static void test_exec_errors(void)
{
	char path[256];
	char *argv[] = {"x", NULL};
	int fd;
	errno = 0;
	result(execve("/nonexistent/prog", argv, environ) < 0 && errno == ENOENT, "exec-missing-ENOENT",
	       "expected ENOENT");
	path_in_dir(path, sizeof(path), "notelf");
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	if (fd >= 0) {
		write(fd, "this is not an ELF file\n", 24);
		close(fd);
	}
	errno = 0;
	result(execve(path, argv, environ) < 0 && (errno == ENOEXEC || errno == EACCES),
	       "exec-garbage-ENOEXEC", "expected ENOEXEC");
	unlink(path);
}

/* ---- pipes ---- */

static void test_pipe_basic(void)
{
	int fds[2];
	char buf[16];
	int ok = pipe(fds) == 0;
	ok = ok && write(fds[1], "ping", 4) == 4 && read(fds[0], buf, sizeof(buf)) == 4 &&
	     memcmp(buf, "ping", 4) == 0;
	close(fds[1]);
	ok = ok && read(fds[0], buf, sizeof(buf)) == 0;
	close(fds[0]);
	result(ok, "pipe-write-read-eof", "pipe misbehaved");
}

static void test_pipe_big(void)
{
	/* 1 MiB through a pipe between two processes, checked with a running sum. */
	enum { TOTAL = 1 << 20 };
	int fds[2], st = 0;
	unsigned long sum = 0, want = 0;
	long got = 0;
	pid_t pid;
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		static unsigned char b[3000];
		long sent = 0;
		close(fds[0]);
		while (sent < TOTAL) {
			long k = TOTAL - sent < (long)sizeof(b) ? TOTAL - sent : (long)sizeof(b);
			for (long i = 0; i < k; i++)
				b[i] = (unsigned char)((sent + i) * 7);
			if (write(fds[1], b, (size_t)k) != k)
				_exit(1);
			sent += k;
		}
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		static unsigned char b[4096];
		ssize_t n = read(fds[0], b, sizeof(b));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			sum += b[i] * (unsigned long)(got + i + 1);
		got += n;
	}
	close(fds[0]);
	waitpid(pid, &st, 0);
	for (long i = 0; i < TOTAL; i++)
		want += (unsigned char)(i * 7) * (unsigned long)(i + 1);
	result(got == TOTAL && sum == want && WIFEXITED(st) && WEXITSTATUS(st) == 0, "pipe-1MiB-between-processes",
	       "got %ld bytes", got);
}

static void test_pipe_epipe(void)
{
	int fds[2];
	ssize_t r;
	signal(SIGPIPE, SIG_IGN);
	pipe(fds);
	close(fds[0]);
	errno = 0;
	r = write(fds[1], "x", 1);
	result(r < 0 && errno == EPIPE, "pipe-no-reader-EPIPE", "write returned %ld", (long)r);
	close(fds[1]);
	signal(SIGPIPE, SIG_DFL);
}

static void test_pipe_sigpipe(void)
{
	/* Without SIG_IGN, writing to a pipe with no reader kills the writer with SIGPIPE. */
	int fds[2], st = 0;
	pid_t pid;
	pipe(fds);
	/* The read end is closed before the fork, so no process holds it when the child writes
	 * (closed after, the parent's copy could still be open then and the write succeed). */
	close(fds[0]);
	pid = fork();
	if (pid == 0) {
		/* Our own parent (a test harness) may have left SIGPIPE ignored. */
		signal(SIGPIPE, SIG_DFL);
		write(fds[1], "x", 1);
		_exit(0);
	}
	close(fds[1]);
	waitpid(pid, &st, 0);
	result(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "pipe-no-reader-SIGPIPE", "status %#x", st);
}

/* ---- files ---- */

static void test_files(void)
{
	char path[256], buf[64];
	struct stat st;
	int fd, fd2, ok;

	path_in_dir(path, sizeof(path), "file");
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	result(fd >= 0, "file-create", "open %s", path);
	if (fd < 0)
		return;
	ok = write(fd, "hello world", 11) == 11 && lseek(fd, 6, SEEK_SET) == 6 &&
	     read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0;
	result(ok, "file-write-seek-read", "mismatch");
	result(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode), "file-fstat", "size %ld",
	       (long)st.st_size);
	result(lseek(fd, 0, SEEK_END) == 11 && lseek(fd, 100, SEEK_SET) == 100 && write(fd, "!", 1) == 1 &&
		       fstat(fd, &st) == 0 && st.st_size == 101,
	       "file-seek-past-end-extends", "size %ld", (long)st.st_size);
	fd2 = dup(fd);
	ok = fd2 >= 0 && lseek(fd, 3, SEEK_SET) == 3 && lseek(fd2, 0, SEEK_CUR) == 3;
	result(ok, "dup-shares-offset", "offsets differ");
	close(fd2);
	close(fd);

	fd = open(path, O_WRONLY | O_APPEND);
	ok = fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "A", 1) == 1 && stat(path, &st) == 0 &&
	     st.st_size == 102;
	result(ok, "file-O_APPEND", "size %ld", (long)st.st_size);
	close(fd);
	errno = 0;
	result(open(path, O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 && errno == EEXIST, "file-O_EXCL-EEXIST",
	       "no EEXIST");
	fd = open(path, O_WRONLY | O_TRUNC);
	result(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "file-O_TRUNC", "size %ld", (long)st.st_size);
	close(fd);
	fd = open(path, O_RDONLY);
	errno = 0;
	result(fd >= 0 && write(fd, "x", 1) < 0 && errno == EBADF, "file-write-readonly-EBADF", "no EBADF");
	close(fd);
	result(unlink(path) == 0 && open(path, O_RDONLY) < 0 && errno == ENOENT, "file-unlink", "still there");
}

static void test_file_shared_with_child(void)
{
	/* A descriptor inherited across fork shares the file offset with the parent. */
	char path[256];
	int fd, st;
	pid_t pid;
	path_in_dir(path, sizeof(path), "shared");
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	pid = fork();
	if (pid == 0) {
		write(fd, "child ", 6);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	write(fd, "parent", 6);
	{
		char buf[32] = {0};
		lseek(fd, 0, SEEK_SET);
		read(fd, buf, sizeof(buf) - 1);
		result(strcmp(buf, "child parent") == 0, "fork-shares-file-offset", "got '%s'", buf);
	}
	close(fd);
	unlink(path);
}

static void test_dirs(void)
{
	char d[256], f[300];
	int found = 0, fd;
	DIR *dp;
	struct dirent *e;
	path_in_dir(d, sizeof(d), "dir");
	result(mkdir(d, 0755) == 0, "mkdir", "%s", d);
	for (int i = 0; i < 20; i++) {
		snprintf(f, sizeof(f), "%s/entry%02d", d, i);
		fd = open(f, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
	}
	dp = opendir(d);
	while (dp && (e = readdir(dp)) != NULL)
		if (strncmp(e->d_name, "entry", 5) == 0)
			found++;
	if (dp)
		closedir(dp);
	result(found == 20, "getdents-lists-20-files", "found %d", found);
	errno = 0;
	result(rmdir(d) < 0 && errno == ENOTEMPTY, "rmdir-nonempty-ENOTEMPTY", "no ENOTEMPTY");
	for (int i = 0; i < 20; i++) {
		snprintf(f, sizeof(f), "%s/entry%02d", d, i);
		unlink(f);
	}
	{
		char cwd[512], back[512];
		getcwd(back, sizeof(back));
		result(chdir(d) == 0 && getcwd(cwd, sizeof(cwd)) && strstr(cwd, "usertests-") &&
			       open("relative", O_CREAT | O_WRONLY, 0644) >= 0 && unlink("relative") == 0 &&
			       chdir(back) == 0,
		       "chdir-getcwd-relative-paths", "cwd '%s'", cwd);
	}
	result(rmdir(d) == 0, "rmdir", "%s", d);
}

/* ---- memory ---- */

static void test_memory(void)
{
	size_t n = 16 << 20;
	unsigned char *p = malloc(n), *m;
	int ok = p != NULL;
	for (size_t i = 0; ok && i < n; i += 4096)
		p[i] = (unsigned char)i;
	for (size_t i = 0; ok && i < n; i += 4096)
		if (p[i] != (unsigned char)i)
			ok = 0;
	free(p);
	result(ok, "malloc-16MiB-touch", "allocation failed");
	m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok = m != MAP_FAILED && m[0] == 0 && m[(1 << 20) - 1] == 0;
	if (ok) {
		m[12345] = 9;
		ok = m[12345] == 9 && munmap(m, 1 << 20) == 0;
	}
	result(ok, "mmap-anonymous-zeroed", "mmap failed");
	{
		/* Copy-on-write semantics: the child's writes do not reach the parent. */
		static int value = 1;
		int st;
		pid_t pid = fork();
		if (pid == 0) {
			value = 2;
			_exit(value);
		}
		waitpid(pid, &st, 0);
		result(value == 1 && WEXITSTATUS(st) == 2, "fork-private-memory", "parent sees %d", value);
	}
}

/* ---- time ---- */

static void test_time(void)
{
	long t0 = now_ns(), t1;
	struct timespec req = {0, 30 * 1000 * 1000};
	nanosleep(&req, NULL);
	t1 = now_ns();
	result(t1 - t0 >= 30 * 1000 * 1000 && t1 - t0 < 2000L * 1000 * 1000, "nanosleep-30ms",
	       "slept %ld ns", t1 - t0);
	result(time(NULL) > 0, "time", "time() failed");
}

/* ---- signals ---- */

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { got_usr1 = sig; }

static void test_signals(void)
{
	/* In a child, so a kernel that kills instead of calling the handler fails only this
	 * check: exit 0 means the handler ran. */
	int st = 0;
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		if (sigaction(SIGUSR1, &sa, NULL) < 0)
			_exit(2);
		kill(getpid(), SIGUSR1);
		_exit(got_usr1 == SIGUSR1 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	result(WIFEXITED(st) && WEXITSTATUS(st) == 0, "signal-handler-runs", "child status %#x", st);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		kill(getpid(), SIGTERM);
		_exit(3);
	}
	waitpid(pid, &st, 0);
	result(WIFEXITED(st) && WEXITSTATUS(st) == 3, "signal-SIG_IGN-ignores", "child status %#x", st);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	result(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "signal-default-terminates", "status %#x", st);
	errno = 0;
	result(kill(getpid(), 0) == 0 && kill(0x7ffffff0, 0) < 0 && errno == ESRCH, "kill-probe-ESRCH",
	       "no ESRCH");
}

/* ---- preemption ---- */

static void test_preemption(void)
{
	/* A child spins without system calls, reporting progress through a pipe.  If the
	 * scheduler did not preempt it, the parent's short sleep would never end; it must also
	 * see the child make progress while it slept, then kill it. */
	int fds[2], st = 0;
	char buf[256];
	long t0, t1, got = 0;
	struct timespec req = {0, 100 * 1000 * 1000};
	pid_t pid;
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		volatile unsigned long spin = 0;
		close(fds[0]);
		fcntl(fds[1], F_SETFL, O_NONBLOCK);
		for (;;) {
			if (++spin % (1 << 22) == 0)
				write(fds[1], "+", 1);
		}
	}
	close(fds[1]);
	t0 = now_ns();
	nanosleep(&req, NULL);
	t1 = now_ns();
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	for (int tries = 0; tries < 50 && got == 0; tries++) {
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n > 0)
			got += n;
		else
			nanosleep(&req, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fds[0]);
	result(t1 - t0 < 3000L * 1000 * 1000, "preempt-sleeper-wakes-beside-spinner", "slept %ld ns",
	       t1 - t0);
	result(got > 0, "preempt-spinner-makes-progress", "no progress seen");
	result(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "preempt-kill-spinner", "status %#x", st);
}

static void usage_helper(char **argv)
{
	/* Helper mode for exec tests: print the argument, exit 5. */
	printf("helper %s\n", argv[2]);
	fflush(stdout);
	exit(5);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--helper") == 0)
		usage_helper(argv);
	if (argc > 1)
		dir = argv[1];
	snprintf(self, sizeof(self), "%s", argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	test_fork_wait();
	test_many_children();
	test_nested_fork();
	test_wait_errors();
	test_getppid();
	test_exec();
	test_exec_errors();
	test_pipe_basic();
	test_pipe_big();
	test_pipe_epipe();
	test_pipe_sigpipe();
	test_files();
	test_file_shared_with_child();
	test_dirs();
	test_memory();
	test_time();
	test_signals();
	test_preemption();
	printf("usertests: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
