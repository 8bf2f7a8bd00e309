/* kmain: bring the machine up in order, then start init (pid 1).
 *
 * Kernel command line (QEMU -append): init=PATH runs PATH as pid 1 instead of /bin/init
 * (or /bin/sh when the initrd has no /bin/init);
 * words after "--" become its arguments; other NAME=value words (ip=..., forwarding=...) are
 * also put in init's environment, as Linux does; kpanic=pf makes the kernel fault on purpose once
 * booted and kpanic=stack overflows a kernel thread's stack (the boot test checks that both
 * panics are readable). */
#include "klib.h"
#include "kalloc.h"
#include "multiboot.h"
#include "initrd.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "fsglue.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/fpu.h"
#include "arch/memlayout.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "dev/serial.h"
#include "dev/power.h"
#include "dev/platform.h"
#include "dev/lapic.h"
#include "dev/pci.h"
#include "dev/clock.h"
#include "dev/random.h"
#include "knet.h"
#include <stos/errno.h>
#include <stos/fcntl.h>

void user_trampoline(void *tf);

static char cmdline[512];
#define INIT_MAX_ARGS 16
static char *init_argv[INIT_MAX_ARGS + 1];
static int init_argc;
static char *init_path = "/bin/init";
static int panic_test;
static int init_given;

/* kpanic=stack: unbounded recursion, to show that the guard page below every kernel stack
 * turns an overflow into a readable panic. */
static volatile int overflow_stop;

static uint64_t overflow_depth(uint64_t n)
{
	volatile char pad[256];
	pad[0] = (char)n;
	if (overflow_stop)
		return pad[0];
	return overflow_depth(n + 1) + pad[0];
}

static void overflow_thread(void *arg)
{
	(void)arg;
	kprintf("overflow: %lu\n", overflow_depth(0));
}

/* init's environment: the basics, then every NAME=value word of the command line (as Linux
 * passes the parameters it does not consume), so /etc/rc can read e.g. $ip. */
#define INIT_MAX_ENV 16
static char *init_envp[INIT_MAX_ENV + 1] = { "PATH=/bin", "HOME=/", "TERM=vt100" };
static int init_envc = 3;

static void parse_cmdline(void)
{
	char *s = cmdline;
	int after_dashes = 0;
	init_argv[init_argc++] = init_path;
	while (*s) {
		while (*s == ' ')
			*s++ = 0;
		if (!*s)
			break;
		char *w = s;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = 0;
		if (after_dashes) {
			if (init_argc < INIT_MAX_ARGS)
				init_argv[init_argc++] = w;
		} else if (strcmp(w, "--") == 0) {
			after_dashes = 1;
		} else if (strncmp(w, "init=", 5) == 0) {
			init_path = w + 5;
			init_given = 1;
			init_argv[0] = init_path;
		} else if (strchr(w, '=') && w[0] != '=' && init_envc < INIT_MAX_ENV &&
		    strncmp(w, "kpanic=", 7) != 0) {
			init_envp[init_envc++] = w;
		} else if (strcmp(w, "kpanic=pf") == 0) {
			panic_test = 1;
		} else if (strcmp(w, "kpanic=stack") == 0) {
			panic_test = 2;
		}
	}
	init_argv[init_argc] = NULL;
}

static void multiboot_info(uint32_t mbinfo_phys)
{
	struct mb_info *mb = P2V(mbinfo_phys);
	if (mb->flags & MB_INFO_CMDLINE)
		strlcpy(cmdline, P2V(mb->cmdline), sizeof cmdline);
	if ((mb->flags & MB_INFO_MODS) && mb->mods_count > 0) {
		struct mb_module *m = P2V(mb->mods_addr);
		if (m->mod_end > m->mod_start) {
			initrd_set(P2V(m->mod_start), m->mod_end - m->mod_start);
			kprintf("initrd: %u bytes at %x\n", m->mod_end - m->mod_start, m->mod_start);
		}
	}
	kprintf("cmdline: \"%s\"\n", cmdline);
}

static void init_main(void *arg)
{
	struct proc *p = arg;
	const void *rd;
	size_t rdlen;
	initrd_get(&rd, &rdlen);
	int fr = fs_init(rd, rdlen);
	if (fr < 0)
		kprintf("init: fs_init failed (%d)\n", fr);
	p->fdt = fdtable_new();
	struct file *con;
	if (p->fdt && tty_open_console(O_RDWR, &con) == 0) {
		fdtable_install(p->fdt, con, 0, 0);
		fdtable_install(p->fdt, file_hold(con), 1, 0);
		fdtable_install(p->fdt, file_hold(con), 2, 0);
	}
	/* Console input only now: the tty exists, and bytes that came earlier wait in the
	 * UART (QEMU holds them back while its FIFO is full). */
	serial_enable_irq();
	struct trapframe *tf = curthread()->tf;
	int envc = init_envc;
	long r = exec_load(p, init_path, init_argv, init_argc, init_envp, envc, tf);
	if (r == -ENOENT && !init_given) {
		/* No /bin/init in this initrd: a shell on the console is the next best thing. */
		init_path = init_argv[0] = "/bin/sh";
		r = exec_load(p, init_path, init_argv, init_argc, init_envp, envc, tf);
	}
	if (r < 0)
		panic("cannot run %s as init (error %ld)", init_path, -r);
	kprintf("init: running %s as pid %d\n", init_path, p->pid);
	user_trampoline(tf);
}

static void start_init(void)
{
	struct proc *p = proc_alloc();
	if (!p)
		panic("no memory for init");
	p->pgid = p->sid = p->pid;
	strlcpy(p->name, "init", sizeof p->name);
	struct thread *t = thread_alloc("init", init_main, p);
	if (!t)
		panic("no memory for init");
	t->proc = p;
	t->tf = (struct trapframe *)(t->kstack_top - sizeof(struct trapframe));
	p->thread = t;
	p->state = PROC_RUNNING;
	proc_set_init(p);
	push_cli();
	sched_make_runnable(t);
	pop_cli();
}

void kmain(uint32_t magic, uint32_t mbinfo_phys)
{
	serial_init();
	kprintf("\nSTOS x86-64 booting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("not started by a multiboot loader (eax %x)", magic);
	gdt_init();
	idt_init();
	vm_init();
	fpu_init();
	multiboot_info(mbinfo_phys);
	pmm_boot_init(mbinfo_phys);
	knet_set_cmdline(cmdline);   /* E: before parse_cmdline splits it */
	parse_cmdline();
	sched_init();
	platform_init();
	pic_disable();
	lapic_init(platform.lapic_addr);
	ioapic_init();
	pci_init();
	knet_early();                /* E: NIC receive enables, so QEMU's 1 s hold-off runs during boot */
	lapic_timer_start(HZ);
	clock_init();
	random_init();
	syscall_init();
	knet_start();                /* E: the stack, the NICs and the netisr thread */
	if (panic_test == 1) {
		kprintf("kpanic=pf: faulting on purpose\n");
		*(volatile uint64_t *)0xffff90000dead000ULL = 1;
	}
	if (panic_test == 2) {
		kprintf("kpanic=stack: overflowing a kernel thread's stack on purpose\n");
		kthread_create("overflow", overflow_thread, NULL);
	}
	start_init();
	kprintf("STOS ready\n");
	sched_start();
}
