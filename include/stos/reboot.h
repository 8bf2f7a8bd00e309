/* STOS user/kernel ABI: reboot(2) magic numbers (Linux's). */
#ifndef STOS_REBOOT_H
#define STOS_REBOOT_H
#define LINUX_REBOOT_MAGIC1        0xfee1dead
#define LINUX_REBOOT_MAGIC2        672274793
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321FEDC
#define LINUX_REBOOT_CMD_RESTART   0x01234567
#endif
