/* Opening a Linux TAP device (libc side only: no net/ headers here, see tap.h).
 *
 * The device must already exist (`ip tuntap add dev NAME mode tap`): TUNSETIFF would
 * otherwise create a fresh one silently, which hides a typo in the name.  Errors are turned
 * into sentences a user can act on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
/* <linux/if.h>, not <net/if.h>: host code is built with -I. and net/if.h is the stack's. */
#include <linux/if.h>
#include <linux/if_tun.h>
#include "host/tap.h"

int tap_dev_open(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd;

	if (!name || !*name || strlen(name) >= IFNAMSIZ || strchr(name, '/')) {
		snprintf(err, errlen, "invalid TAP device name '%s'", name ? name : "");
		return -1;
	}
	char path[64];
	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	if (access(path, F_OK) != 0) {
		snprintf(err, errlen, "no network device named '%s' (create it with: ip tuntap add "
		    "dev %s mode tap)", name, name);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open /dev/net/tun: %s%s", strerror(errno),
		    errno == EACCES || errno == EPERM ? " (permission denied: run as root or with "
		    "CAP_NET_ADMIN)" : "");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "cannot attach to TAP device '%s': permission denied "
			    "(run as root, with CAP_NET_ADMIN, or make the device yours with "
			    "'ip tuntap add dev %s mode tap user $USER')", name, name);
		else if (e == EINVAL || e == EBUSY)
			snprintf(err, errlen, "'%s' is not a TAP device, or it is in use by another "
			    "process (%s)", name, strerror(e));
		else
			snprintf(err, errlen, "cannot attach to TAP device '%s': %s", name, strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}
