/* reboot(): the libc form takes only the command; the magic numbers are added for you. */
#ifndef _SYS_REBOOT_H
#define _SYS_REBOOT_H
#include <stos/reboot.h>
#define RB_POWER_OFF LINUX_REBOOT_CMD_POWER_OFF
#define RB_AUTOBOOT  LINUX_REBOOT_CMD_RESTART
int reboot(int cmd);
#endif
