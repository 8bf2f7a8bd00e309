/* Kernel threads and the scheduler: preemptive round robin on the LAPIC tick.
 *
 * Every thread has its own kernel stack.  A user process is a thread with a struct proc.
 * kthread_create starts fn(arg) in a new kernel thread (the netisr, for example). */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H
#include <stdint.h>

struct thread;
struct proc;

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg);
struct thread *curthread(void);
void yield(void);                 /* give up the CPU to the next runnable thread */

#endif
