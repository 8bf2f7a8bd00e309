/* sigcheck: process groups and signals from the console's point of view.
 *   sigcheck pgrp   print "pgrp pid=P pgid=G" (the shell's job placement)
 *   sigcheck segv   write through NULL: the kernel must kill only this process (SIGSEGV)
 *   sigcheck ud     execute an invalid instruction (SIGILL)
 *   sigcheck kaddr  read a kernel address (SIGSEGV, no kernel data leaks) */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	return 3;
}
