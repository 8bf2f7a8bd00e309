/* The kernel's network glue (kernel/net/): the port layer for net/, the netisr kernel thread,
 * interface bring-up from the command line, and the driver poll hooks.
 *
 * Boot: kmain calls knet_set_cmdline(cmdline) while the command line is still whole, and
 * knet_start() once the scheduler, PCI, interrupts, the clock and the random source are up,
 * before the first process.  knet_start builds the stack instance, attaches the e1000 NICs,
 * applies ip=... and starts the "netisr" kernel thread, which loops: driver work, the input
 * queues, the timers.
 *
 * Drivers: knet_add_driver registers a poll function the netisr runs when kicked (an
 * interrupt handler calls knet_kick) and once per tick.  The poll does the receive and
 * transmit work the interrupt deferred and returns true when it stopped at its budget with
 * more to do.
 *
 * Command line: ip=A.B.C.D/P[,gw=A.B.C.D] configures eth0 (the first NIC); ip=none or no ip=
 * leaves it unconfigured (a user dhcpc handles ip=dhcp); forwarding=1 turns IPv4 forwarding on;
 * e1000=off leaves the NICs alone; offload=off keeps every checksum in software; tcp_ecn=0|1|2
 * sets TCP's ECN choice (0 never, 1 ask and accept, 2 accept only: the default). */
#ifndef KERNEL_KNET_H
#define KERNEL_KNET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netstack;

void knet_set_cmdline(const char *cmdline);
/* Right after pci_init: the NICs' receive-control writes that start QEMU's one-second receive
 * hold-off, so it runs while the rest of the kernel boots (e1000_rctl_early). */
void knet_early(void);
void knet_start(void);
/* The kernel's stack instance (NULL before knet_start, or when it failed). */
struct netstack *knet_stack(void);

struct knet_driver {
	struct knet_driver *next;
	bool (*poll)(void *arg);    /* thread context, no lock held */
	void (*tick)(void *arg);    /* about once a second: statistics, link state */
	/* Net lock held: fold the device's clear-on-read statistics into the counters, so a
	 * reader of /proc/net/dev or /proc/net/snmp sees them as of now (NULL: none). */
	void (*stats)(void *arg);
	void *arg;
};
void knet_add_driver(struct knet_driver *d);
/* Net lock held: every driver's stats hook (before /proc/net renders counters). */
void knet_drivers_stats(void);
/* The value of "key=" on the kernel command line, copied into out (up to a space); false
 * when the key is absent.  Valid from knet_set_cmdline on. */
bool knet_cmdline_get(const char *key, char *out, size_t n);
/* Wakes the netisr thread; safe from interrupt handlers (kernel/net/netisr_wake.c). */
void knet_kick(void);
/* The netisr thread's sleep: until a kick or deadline (absolute clock_ns, 0 = none). */
void knet_wait(uint64_t deadline);

/* The text of /proc/net/<name> for name = dev, route, arp, snmp, tcp, udp, raw (Linux formats), rendered
 * into buf (NUL-terminated, truncated to cap).  Returns its length, or -ENOENT (unknown
 * name, or no stack).  For the file layer's procfs (kernel/net/knet_proc.c). */
long knet_proc_text(const char *name, char *buf, size_t cap);

/* kernel/dev/e1000.c: probes PCI and attaches every 8254x found as eth0, eth1, ...; returns
 * how many were attached. */
int e1000_attach_all(struct netstack *ns);
/* kernel/dev/e1000.c: RCTL written early on QEMU's e1000s (see knet_early). */
void e1000_rctl_early(void);

#endif
