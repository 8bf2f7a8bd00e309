/* poweroff: flush and power the machine off (reboot(2) with LINUX_REBOOT_CMD_POWER_OFF;
 * STOS writes the ACPI PM1a control port, so QEMU exits with status 0). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	fflush(NULL);
	reboot(RB_POWER_OFF);
	fprintf(stderr, "poweroff: %s\n", strerror(errno));
	return 1;
}
