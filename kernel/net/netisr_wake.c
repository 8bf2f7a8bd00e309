/* The netisr thread's wakeup channel (knet.h): a flag under a spinlock, so a kick from an
 * interrupt handler between the thread's last check and its sleep is never lost (the
 * spinlock masks interrupts, and sleep_intr releases it atomically with going to sleep). */
#include "sync.h"
#include "knet.h"
#include <stos/errno.h>

static struct spinlock knet_lk = { 0, "netisr" };
static int knet_kicked;

void knet_kick(void)
{
	spin_lock(&knet_lk);
	knet_kicked = 1;
	wakeup(&knet_kicked);
	spin_unlock(&knet_lk);
}

void knet_wait(uint64_t deadline)
{
	spin_lock(&knet_lk);
	while (!knet_kicked) {
		if (sleep_intr(&knet_kicked, &knet_lk, deadline) == -ETIMEDOUT)
			break;
	}
	knet_kicked = 0;
	spin_unlock(&knet_lk);
}
