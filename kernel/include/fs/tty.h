/* The console tty: a line discipline between the serial port and the processes.
 *
 * Input: K's serial interrupt handler calls tty_input_char(c) for every received byte
 * (interrupt context; it only queues the byte, signals the foreground process group on
 * VINTR/VQUIT, and wakes readers).  Line editing and echo happen when a process reads, so
 * type-ahead (for example a script piped into QEMU) is echoed in order with the programs'
 * output, as an interactive transcript, instead of all at once when it arrives.
 *
 * Output: through K's console_write(buf, n), which must write the bytes as they are (the tty
 * does the "\n" -> "\r\n" translation itself when OPOST|ONLCR are set, as Linux does).
 *
 * ioctl: TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGPGRP, TIOCSPGRP, TIOCGWINSZ, TIOCSWINSZ,
 * FIONREAD.  The foreground process group starts as the process group of the first process
 * that opens the console (normally init); Ctrl-C sends SIGINT to it through kill_pgrp. */
#ifndef FS_TTY_H
#define FS_TTY_H
#include <stddef.h>

struct file;

void tty_input_char(int c);                 /* interrupt context */
void tty_init(void);                         /* called by fs_init */
/* Open the console: a new file with one reference, or -ENOMEM.  flags: open(2) flags;
 * without O_NOCTTY, the caller's process group becomes the foreground group if none is. */
int tty_open_console(int flags, struct file **out);
/* Counters: bytes dropped because the input queue was full. */
unsigned long tty_input_dropped(void);
#endif
