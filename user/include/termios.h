/* Terminal attributes (kernel layout from the ABI header). */
#ifndef _TERMIOS_H
#define _TERMIOS_H
#include <stos/types.h>
#include <stos/ioctl.h>
#define TCSANOW   0
#define TCSADRAIN 1
#define TCSAFLUSH 2
int tcgetattr(int fd, struct termios *t);
int tcsetattr(int fd, int act, const struct termios *t);
#endif
