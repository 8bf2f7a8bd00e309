/* The per-CPU block (one CPU for now), the trap frame, segment selectors.
 *
 * GS points at struct cpu in the kernel (swapgs on every entry from and exit to ring 3), so
 * the syscall entry finds its kernel stack at %gs:CPU_KSTACK_TOP without touching a user
 * register (AMD64 APM vol. 2 4.8.3, Intel SDM vol. 3A 5.8.8). */
#ifndef KERNEL_ARCH_CPU_H
#define KERNEL_ARCH_CPU_H

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b   /* 0x18 | RPL 3: sysret takes SS = STAR[63:48] + 8 */
#define SEL_UCODE 0x23   /* 0x20 | RPL 3: and CS = STAR[63:48] + 16 */
#define SEL_TSS   0x28

#define CPU_KSTACK_TOP 8
#define CPU_USER_RSP   16

#define T_SYSCALL_MARK 0x100  /* trapframe.vector for frames built by the syscall entry */
#define T_IRQ_BASE 32         /* GSI n -> vector 32 + n */
#define T_LAPIC_TIMER 0x40
#define T_SPURIOUS 0xff

#ifndef __ASSEMBLER__
#include <stdint.h>

struct thread;

struct cpu {
	struct cpu *self;
	uint64_t kstack_top;       /* CPU_KSTACK_TOP: the running thread's kernel stack top */
	uint64_t user_rsp;         /* CPU_USER_RSP: scratch for the syscall entry */
	struct thread *thread;     /* running thread */
	int ncli;                  /* depth of push_cli */
	int intena;                /* were interrupts enabled before the first push_cli? */
};

extern struct cpu cpu0;
static inline struct cpu *mycpu(void) { return &cpu0; }

struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;   /* the hardware frame (iretq) */
};

void gdt_init(void);
void idt_init(void);
void tss_set_rsp0(uint64_t rsp0);
void syscall_init(void);
void trap(struct trapframe *tf);
void push_cli(void);
void pop_cli(void);

/* Exception-table entry: a faulting instruction at `insn` resumes at `fixup` (copyin). */
struct extable_entry {
	uint64_t insn, fixup;
};

#endif
#endif
