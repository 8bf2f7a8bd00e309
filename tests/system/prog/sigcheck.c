/* sigcheck: process groups and signals from the console's point of view.
 *   sigcheck pgrp   print "pgrp pid=P pgid=G" (the shell's job placement)
 *   sigcheck segv   write through NULL: the kernel must kill only this process (SIGSEGV)
 *   sigcheck ud     execute an invalid instruction (SIGILL)
 *   sigcheck kaddr  read a kernel address (SIGSEGV, no kernel data leaks)
 *   sigcheck nx     jump to code copied onto the stack (SIGSEGV when the CPU has NX)
 *   sigcheck text   write into its own code (SIGSEGV: text is mapped read-only)
 *   sigcheck flags  make system calls and sleep with the NT, AC and DF flags set (the kernel
 *                   must not run, switch threads or iretq with them); prints "flags ok"
 *   sigcheck nsleep  50 sleeps of 2 ms; prints "nsleep N ms" (sleeps end on time, not on the
 *                   next 10 ms tick)
 *   sigcheck alarm  alarm(5) then alarm(1) (which must report 5 s left), then pause():
 *                   SIGALRM ends the process after about a second
 *   sigcheck bigstack  use 6 MiB of stack (it grows on demand up to 8 MiB, as on Linux),
 *                   also passing a not-yet-touched stack buffer to read(); prints "bigstack ok"
 *   sigcheck deeprec   recurse without end: SIGSEGV when the stack reservation runs out
 *   sigcheck forkbomb  fork until the kernel says no (memory runs out), then kill and reap
 *                   every child; prints "forkbomb N children, then errno E" */
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long depth_sum(long n, long stop)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	pad[1023] = 1;
	if (n == stop)
		return pad[0];
	return depth_sum(n + 1, stop) + pad[1023];
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "pgrp") == 0) {
		printf("pgrp pid=%d pgid=%d\n", (int)getpid(), (int)getpgrp());
		return 0;
	}
	if (strcmp(argv[1], "segv") == 0)
		*(volatile int *)0 = 1;
	if (strcmp(argv[1], "ud") == 0)
		__asm__ volatile("ud2");
	if (strcmp(argv[1], "kaddr") == 0)
		printf("read %lx\n", *(volatile unsigned long *)0xffffffff80100000UL);
	if (strcmp(argv[1], "nx") == 0) {
		unsigned char code[16] = { 0xb8, 42, 0, 0, 0, 0xc3 };   /* mov $42, %eax; ret */
		int (*fn)(void) = (int (*)(void))(void *)code;
		printf("stack code returned %d\n", fn());
	}
	if (strcmp(argv[1], "flags") == 0) {
		for (int i = 0; i < 20; i++) {
			struct timespec ts = { 0, 5 * 1000 * 1000 };
			long r;
			__asm__ volatile("pushfq\n\torq $0x44400, (%%rsp)\n\tpopfq\n\t"
					 "syscall\n\t"
					 "pushfq\n\tandq $~0x44400, (%%rsp)\n\tpopfq"
					 : "=a"(r) : "a"(35L), "D"(&ts), "S"(0L) : "rcx", "r11", "memory", "cc");
			if (r != 0)
				return 4;
		}
		printf("flags ok\n");
		return 0;
	}
	if (strcmp(argv[1], "alarm") == 0) {
		alarm(5);
		unsigned left = alarm(1);
		printf("alarm left %u\n", left);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (strcmp(argv[1], "bigstack") == 0) {
		long r = depth_sum(0, 6 * 1024);   /* about 6 MiB of frames */
		char buf[200 * 1024];              /* below them all: untouched until read() */
		int fd = open("/bin/sh", O_RDONLY);
		long n = read(fd, buf + sizeof buf - 4096, 4096);
		close(fd);
		printf("bigstack %s\n", r > 0 && n == 4096 && buf[sizeof buf - 4096 + 1] == 'E' ? "ok" : "bad");
		return 0;
	}
	if (strcmp(argv[1], "deeprec") == 0)
		return (int)depth_sum(0, -1);
	if (strcmp(argv[1], "nsleep") == 0) {
		struct timespec a, b, d = { 0, 2 * 1000 * 1000 };
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < 50; i++)
			nanosleep(&d, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("nsleep %ld ms\n", (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
		return 0;
	}
	if (strcmp(argv[1], "forkbomb") == 0) {
		static pid_t kids[20000];
		int n = 0, err = 0;
		for (; n < 20000; n++) {
			pid_t pid = fork();
			if (pid == 0) {
				for (;;)
					pause();
			}
			if (pid < 0) {
				err = errno;
				break;
			}
			kids[n] = pid;
		}
		for (int i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		for (int i = 0; i < n; i++)
			waitpid(kids[i], NULL, 0);
		printf("forkbomb %d children, then errno %d\n", n, err);
		return 0;
	}
	if (strcmp(argv[1], "text") == 0)
		*(volatile unsigned char *)(void *)main = 0xcc;
	return 3;
}
