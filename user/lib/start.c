/* C side of process start: find argc/argv/envp/auxv on the initial stack, run main, exit. */
#include <stdlib.h>
#include <unistd.h>
#include "libc_internal.h"

char **environ;
int errno;
unsigned long __auxv_pagesz = 4096;

int main(int argc, char **argv, char **envp);
_Noreturn void __libc_start(long *sp);

#define AT_NULL   0
#define AT_PAGESZ 6

_Noreturn void __libc_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **p = envp;
	unsigned long *aux;

	environ = envp;
	while (*p)
		p++;
	for (aux = (unsigned long *)(p + 1); aux[0] != AT_NULL; aux += 2)
		if (aux[0] == AT_PAGESZ && aux[1] != 0)
			__auxv_pagesz = aux[1];
	__stdio_init();
	exit(main(argc, argv, envp));
}
