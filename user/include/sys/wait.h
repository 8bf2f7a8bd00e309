/* wait() family; status encoding from the ABI header. */
#ifndef _SYS_WAIT_H
#define _SYS_WAIT_H
#include <stos/types.h>
#include <stos/signal.h>
#ifndef WUNTRACED
#define WUNTRACED 2
#endif
#define WIFSTOPPED(s) (((s) & 0xff) == 0x7f)
struct rusage;
pid_t wait(int *status);
pid_t waitpid(pid_t pid, int *status, int options);
pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru);
#endif
