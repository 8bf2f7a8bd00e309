/* The console tty and its line discipline (POSIX.1-2017 11 "General Terminal Interface").
 *
 * Three queues under one spinlock (the interrupt handler shares them):
 *   raw   bytes as they arrived from the serial port (tty_input_char, interrupt context);
 *   line  the canonical-mode line being edited;
 *   rq    input ready for read(2): complete lines in canonical mode, bytes otherwise.
 *         Entries are 16 bits: a byte, plus RQ_EOL on the byte that ends a line, or the
 *         lone RQ_EOF marker that VEOF leaves (a read stops there; alone, it reads as 0).
 * Only VINTR/VQUIT are acted on at arrival (a signal cannot wait for a reader).  All other
 * processing, echo included, runs when a process reads: in canonical mode one raw line at
 * a time, only when rq is empty.  So echo of type-ahead comes out exactly where an
 * interactive user's typing would have, between the prompt and the command's output. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/ioctl.h>
#include <stos/poll.h>
#include <stos/signal.h>
#include "fs/tty.h"
#include "fs/pollwait.h"
#include "ramfs.h"
#include "fslib.h"

#define TTY_RAWQ 16384
#define TTY_LINE 4095          /* a line plus its terminator fits rq */
#define TTY_READQ 4096
#define RQ_EOL 0x100
#define RQ_EOF 0x200

struct tty {
	struct spinlock lock;
	unsigned char raw[TTY_RAWQ];
	size_t raw_head, raw_count;
	unsigned char line[TTY_LINE];
	size_t line_len;
	uint16_t rq[TTY_READQ];
	size_t rq_head, rq_count;
	struct termios tio;
	struct winsize ws;
	int fg_pgrp;
	unsigned column;        /* output column, as Linux's n_tty tracks it (tab erase) */
	unsigned canon_column;  /* the column where the line being edited started */
	unsigned long dropped;
	uint64_t last_input_ns; /* arrival of the last byte, for the VTIME inter-byte timer */
	int rchan;
	struct pollhead ph;
	int ready;
};

static struct tty console;

unsigned long tty_input_dropped(void) { return console.dropped; }

/* Linux's defaults (termios(3), drivers/tty/tty_io.c tty_std_termios). */
void tty_init(void)
{
	struct tty *t = &console;
	if (t->ready)
		return;
	spin_init(&t->lock, "tty");
	pollhead_init(&t->ph);
	t->tio.c_iflag = ICRNL | IXON;
	t->tio.c_oflag = OPOST | ONLCR;
	t->tio.c_cflag = B38400 | CS8 | CREAD;
	t->tio.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	t->tio.c_cc[VINTR] = 3;
	t->tio.c_cc[VQUIT] = 28;
	t->tio.c_cc[VERASE] = 127;
	t->tio.c_cc[VKILL] = 21;
	t->tio.c_cc[VEOF] = 4;
	t->tio.c_cc[VTIME] = 0;
	t->tio.c_cc[VMIN] = 1;
	t->tio.c_cc[VWERASE] = 23;
	t->ws.ws_row = 24;
	t->ws.ws_col = 80;
	t->ready = 1;
}

/* --- output ------------------------------------------------------------------------- */

/* Write with output processing (OPOST|ONLCR: "\n" -> "\r\n"), keeping the output column
 * up to date as Linux's do_output_char does.  Lock held. */
static void tty_out(struct tty *t, const char *s, size_t n)
{
	char buf[128];
	size_t o = 0;
	int opost = (t->tio.c_oflag & OPOST) != 0;
	int onlcr = opost && (t->tio.c_oflag & ONLCR);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o + 2 > sizeof(buf)) {
			console_write(buf, o);
			o = 0;
		}
		if (c == '\n' && onlcr)
			buf[o++] = '\r';
		buf[o++] = (char)c;
		if (!opost)
			continue;
		if (c == '\r' || (c == '\n' && onlcr))
			t->column = 0;
		else if (c == '\t')
			t->column = (t->column | 7) + 1;
		else if (c == '\b')
			t->column -= t->column > 0;
		else if (c >= 32 && c != 127)
			t->column++;
	}
	if (o)
		console_write(buf, o);
}

static int is_ctl(unsigned char c)
{
	return c < 32 || c == 127;
}

static void echo_char(struct tty *t, unsigned char c)
{
	if (is_ctl(c) && c != '\n' && c != '\t' && (t->tio.c_lflag & ECHOCTL)) {
		char s[2] = { '^', (char)(c == 127 ? '?' : c + 64) };
		tty_out(t, s, 2);
	} else {
		tty_out(t, (const char *)&c, 1);
	}
}

/* --- queues --------------------------------------------------------------------------- */

static void rq_put(struct tty *t, uint16_t v)
{
	if (t->rq_count == TTY_READQ) {
		t->dropped++;
		return;
	}
	t->rq[(t->rq_head + t->rq_count++) % TTY_READQ] = v;
}

static uint16_t rq_take(struct tty *t)
{
	uint16_t v = t->rq[t->rq_head];
	t->rq_head = (t->rq_head + 1) % TTY_READQ;
	t->rq_count--;
	return v;
}

static void flush_input(struct tty *t)
{
	t->raw_count = 0;
	t->line_len = 0;
	t->rq_count = 0;
}

/* Move the edited line to rq, the last byte marked as the end of the line (or, with
 * eof set, followed by the EOF marker). */
static void push_line(struct tty *t, int eof)
{
	for (size_t i = 0; i < t->line_len; i++)
		rq_put(t, t->line[i] | (!eof && i + 1 == t->line_len ? RQ_EOL : 0));
	if (eof)
		rq_put(t, RQ_EOF);
	t->line_len = 0;
}

/* --- the line discipline --------------------------------------------------------------- */

static int cc_is(struct tty *t, int idx, unsigned char c)
{
	return t->tio.c_cc[idx] != 0 && t->tio.c_cc[idx] == c; /* 0 is _POSIX_VDISABLE */
}

/* Remove the last character of the line; visual says to wipe it from the screen (ECHOE,
 * or a kill with ECHOKE), otherwise the erase character is echoed. */
static void erase_one(struct tty *t, int visual)
{
	tcflag_t lf = t->tio.c_lflag;
	unsigned char c;
	if (t->line_len == 0)
		return;
	c = t->line[--t->line_len];
	if (!(lf & ECHO))
		return;
	if (!visual) {
		echo_char(t, t->tio.c_cc[VERASE]);
	} else if (c == '\t') {
		/* Linux n_tty eraser: the tab spanned from the column reached by what precedes
		 * it (since the line start or the previous tab) to the next multiple of 8; back
		 * up over that many columns. */
		unsigned cols = 0, bs;
		int after_tab = 0;
		for (size_t i = t->line_len; i-- > 0;) {
			unsigned char p = t->line[i];
			if (p == '\t') {
				after_tab = 1;
				break;
			}
			cols += is_ctl(p) ? ((lf & ECHOCTL) ? 2 : 0) : 1;
		}
		if (!after_tab)
			cols += t->canon_column;
		bs = 8 - (cols & 7);
		if (bs > t->column)
			bs = t->column;
		while (bs--)
			tty_out(t, "\b", 1);
	} else {
		int width = (is_ctl(c) && (lf & ECHOCTL)) ? 2 : 1;
		while (width--)
			tty_out(t, "\b \b", 3);
	}
}

static void ldisc_char(struct tty *t, unsigned char c)
{
	tcflag_t lf = t->tio.c_lflag, inf = t->tio.c_iflag;

	if (c == '\r') {
		if (inf & IGNCR)
			return;
		if (inf & ICRNL)
			c = '\n';
	} else if (c == '\n' && (inf & INLCR)) {
		c = '\r';
	}
	if (!(lf & ICANON)) {
		rq_put(t, c);
		if (lf & ECHO)
			echo_char(t, c);
		return;
	}
	if (cc_is(t, VERASE, c) || c == '\b') {
		erase_one(t, (lf & ECHOE) != 0);
	} else if ((lf & IEXTEN) && cc_is(t, VWERASE, c)) {
		while (t->line_len && t->line[t->line_len - 1] == ' ')
			erase_one(t, (lf & ECHOE) != 0);
		while (t->line_len && t->line[t->line_len - 1] != ' ')
			erase_one(t, (lf & ECHOE) != 0);
	} else if (cc_is(t, VKILL, c)) {
		/* Linux n_tty: with ECHOK, ECHOKE and ECHOE the line is wiped character by
		 * character; otherwise the kill character is echoed (and a newline, ECHOK). */
		if ((lf & (ECHOK | ECHOKE | ECHOE)) == (ECHOK | ECHOKE | ECHOE)) {
			while (t->line_len)
				erase_one(t, 1);
		} else if (lf & ECHO) {
			echo_char(t, c);
			if (lf & ECHOK)
				tty_out(t, "\n", 1);
		}
		t->line_len = 0;
	} else if (cc_is(t, VEOF, c)) {
		push_line(t, 1);
	} else if (c == '\n' || cc_is(t, VEOL, c) || cc_is(t, VEOL2, c)) {
		t->line[t->line_len++] = c;
		if ((lf & ECHO) || (c == '\n' && (lf & ECHONL)))
			echo_char(t, c);
		push_line(t, 0);
	} else if (t->line_len < TTY_LINE - 1) {
		if (t->line_len == 0)
			t->canon_column = t->column;
		t->line[t->line_len++] = c;
		if (lf & ECHO)
			echo_char(t, c);
	} else {
		t->dropped++; /* line full: only a terminator or an edit is accepted */
	}
}

/* Run raw input through the discipline: in canonical mode only while no complete line is
 * waiting, so echo keeps pace with what is read.  Lock held. */
static void tty_process(struct tty *t)
{
	while (t->raw_count > 0) {
		unsigned char c;
		if ((t->tio.c_lflag & ICANON) ? t->rq_count > 0 : t->rq_count == TTY_READQ)
			break;
		c = t->raw[t->raw_head];
		t->raw_head = (t->raw_head + 1) % TTY_RAWQ;
		t->raw_count--;
		ldisc_char(t, c);
	}
}

void tty_input_char(int ch)
{
	struct tty *t = &console;
	unsigned char c = (unsigned char)ch;
	int sig = 0, pgrp = 0;

	if (!t->ready)
		tty_init(); /* input before fs_init: keep it (idempotent, uniprocessor) */
	spin_lock(&t->lock);
	if ((t->tio.c_lflag & ISIG) && (cc_is(t, VINTR, c) || cc_is(t, VQUIT, c))) {
		sig = cc_is(t, VINTR, c) ? SIGINT : SIGQUIT;
		if (!(t->tio.c_lflag & NOFLSH))
			flush_input(t);
		/* Linux echoes "^C"; the line is ended too, so the next prompt starts on a
		 * fresh line even under a shell that does not print a newline itself. */
		if (t->tio.c_lflag & ECHO) {
			echo_char(t, c);
			tty_out(t, "\n", 1);
		}
		pgrp = t->fg_pgrp;
	} else if (t->raw_count < TTY_RAWQ) {
		t->raw[(t->raw_head + t->raw_count++) % TTY_RAWQ] = c;
		t->last_input_ns = clock_ns();
	} else {
		t->dropped++;
	}
	wakeup(&t->rchan);
	pollhead_wake(&t->ph);
	spin_unlock(&t->lock);
	if (sig && pgrp > 0)
		kill_pgrp(pgrp, sig);
}

/* --- file operations ------------------------------------------------------------------- */

/* Could a read return without sleeping?  In canonical mode: a line is waiting in rq, or
 * raw input holds a line terminator or VEOF that will complete one. */
static int readable(struct tty *t)
{
	if (!(t->tio.c_lflag & ICANON))
		return t->rq_count > 0 || t->raw_count > 0;
	if (t->rq_count > 0)
		return 1;
	for (size_t i = 0; i < t->raw_count; i++) {
		unsigned char c = t->raw[(t->raw_head + i) % TTY_RAWQ];
		if (c == '\n' || (c == '\r' && (t->tio.c_iflag & ICRNL)) || cc_is(t, VEOF, c) ||
		    cc_is(t, VEOL, c) || cc_is(t, VEOL2, c))
			return 1;
	}
	return 0;
}

static long tty_read(struct file *f, struct uio *u)
{
	struct tty *t = f->f_data;
	unsigned char tmp[256];
	long done = 0;
	uint64_t deadline = 0, gap = 0;
	size_t need = 1;
	int canon;

	if (u->uio_resid == 0)
		return 0;
	spin_lock(&t->lock);
	canon = (t->tio.c_lflag & ICANON) != 0;
	if (!canon) {
		/* POSIX 11.1.7.1 MIN and TIME: MIN 0 makes TIME a read timer; MIN > 0 with
		 * TIME > 0 makes TIME an inter-byte timer that starts with the first byte. */
		cc_t vmin = t->tio.c_cc[VMIN], vtime = t->tio.c_cc[VTIME];
		need = vmin == 0 ? 0 : FS_MIN((size_t)vmin, u->uio_resid);
		if (vmin == 0 && vtime)
			deadline = clock_ns() + (uint64_t)vtime * 100000000ull;
		if (vmin > 0 && vtime)
			gap = (uint64_t)vtime * 100000000ull;
	}
	for (;;) {
		int r;
		tty_process(t);
		if (t->rq_count > 0 && (canon || t->rq_count >= need))
			break;
		if (!canon && gap) {
			/* no timer before the first byte; then at most TIME between bytes */
			deadline = t->rq_count > 0 ? t->last_input_ns + gap : 0;
			if (deadline && clock_ns() >= deadline)
				break;
		}
		if (!canon && need == 0 && (!deadline || clock_ns() >= deadline)) {
			spin_unlock(&t->lock);
			return 0;
		}
		if (f->f_flags & O_NONBLOCK) {
			spin_unlock(&t->lock);
			return -EAGAIN;
		}
		r = sleep_intr(&t->rchan, &t->lock, deadline);
		if (r == -EINTR) {
			spin_unlock(&t->lock);
			return -EINTR;
		}
	}
	for (;;) {
		size_t n = 0;
		int end = 0;
		long r;
		while (n < sizeof(tmp) && n < u->uio_resid && t->rq_count > 0) {
			uint16_t v = rq_take(t);
			if (v == RQ_EOF) {
				end = canon;
				break;
			}
			tmp[n++] = (unsigned char)v;
			if ((v & RQ_EOL) && canon) {
				end = 1;
				break;
			}
		}
		if (!canon)
			tty_process(t); /* room was made: let more raw input in */
		spin_unlock(&t->lock);
		r = n ? uio_copyout(tmp, n, u) : 0;
		if (r != (long)n)
			return done ? done : -EFAULT;
		done += r;
		if (end || u->uio_resid == 0)
			return done;
		spin_lock(&t->lock);
		if (t->rq_count == 0)
			break;
	}
	spin_unlock(&t->lock);
	return done;
}

static long tty_write(struct file *f, struct uio *u)
{
	struct tty *t = f->f_data;
	char tmp[256];
	long done = 0;
	while (u->uio_resid > 0) {
		long r = uio_copyin(tmp, FS_MIN(sizeof(tmp), u->uio_resid), u);
		if (r <= 0)
			return done ? done : -EFAULT;
		spin_lock(&t->lock);
		tty_out(t, tmp, (size_t)r);
		spin_unlock(&t->lock);
		done += r;
	}
	return done;
}

static int tty_poll(struct file *f, int events, struct pollwait *pw)
{
	struct tty *t = f->f_data;
	int mask = POLLOUT | POLLWRNORM;
	poll_register(pw, &t->ph);
	spin_lock(&t->lock);
	if (readable(t))
		mask |= POLLIN | POLLRDNORM;
	spin_unlock(&t->lock);
	return mask & events;
}

/* K's process table iteration (kernel/proc/proc.c), proc_lock held. */
struct proc *proc_first(void);

static int pgrp_exists(int pgrp)
{
	int found = 0;
	spin_lock(&proc_lock);
	for (struct proc *p = proc_first(); p && !found; p = p->next)
		found = p->pgid == pgrp && p->state != PROC_ZOMBIE;
	spin_unlock(&proc_lock);
	return found;
}

static long tty_ioctl(struct file *f, unsigned long req, uintptr_t uarg)
{
	struct tty *t = f->f_data;
	void *up = (void *)uarg;
	struct termios tio;
	struct winsize ws;
	int v, r;

	switch (req) {
	case TCGETS:
		spin_lock(&t->lock);
		tio = t->tio;
		spin_unlock(&t->lock);
		return copyout(up, &tio, sizeof(tio));
	case TCSETS: case TCSETSW: case TCSETSF:
		if ((r = copyin(&tio, up, sizeof(tio))) < 0)
			return r;
		spin_lock(&t->lock);
		if (req == TCSETSF)
			flush_input(t);
		if ((t->tio.c_lflag & ICANON) && !(tio.c_lflag & ICANON) && t->line_len)
			for (size_t i = 0; i < t->line_len; i++) /* the partial line becomes input */
				rq_put(t, t->line[i]);
		if ((t->tio.c_lflag & ICANON) && !(tio.c_lflag & ICANON))
			t->line_len = 0;
		t->tio = tio;
		wakeup(&t->rchan);
		pollhead_wake(&t->ph);
		spin_unlock(&t->lock);
		return 0;
	case TIOCGPGRP:
		spin_lock(&t->lock);
		v = t->fg_pgrp;
		spin_unlock(&t->lock);
		return copyout(up, &v, sizeof(v));
	case TIOCSPGRP:
		if ((r = copyin(&v, up, sizeof(v))) < 0)
			return r;
		if (v < 0)
			return -EINVAL;
		if (!pgrp_exists(v))
			return -ESRCH; /* Linux tiocspgrp: the group must exist */
		spin_lock(&t->lock);
		t->fg_pgrp = v;
		spin_unlock(&t->lock);
		return 0;
	case TIOCGWINSZ:
		spin_lock(&t->lock);
		ws = t->ws;
		spin_unlock(&t->lock);
		return copyout(up, &ws, sizeof(ws));
	case TIOCSWINSZ:
		if ((r = copyin(&ws, up, sizeof(ws))) < 0)
			return r;
		spin_lock(&t->lock);
		t->ws = ws;
		spin_unlock(&t->lock);
		return 0;
	case FIONREAD:
		spin_lock(&t->lock);
		v = (int)t->rq_count;
		spin_unlock(&t->lock);
		return copyout(up, &v, sizeof(v));
	default:
		return -ENOTTY;
	}
}

static int tty_fstat(struct file *f, struct stat *st)
{
	if (f->f_inode) {
		fs_lock();
		inode_stat(f->f_inode, st);
		fs_unlock();
		return 0;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0620;
	st->st_rdev = DEV_MKDEV(5, 1);
	st->st_nlink = 1;
	st->st_blksize = 1024;
	return 0;
}

static const struct fileops tty_ops = {
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
	.fstat = tty_fstat,
};

int tty_open_console(int flags, struct file **out)
{
	struct tty *t = &console;
	struct file *f;
	tty_init();
	f = file_alloc(&tty_ops, t, (unsigned int)flags);
	if (!f)
		return -ENOMEM;
	if (!(flags & O_NOCTTY) && curproc()) {
		/* A simplified controlling-terminal rule: the first opener's process group
		 * becomes the foreground group. */
		spin_lock(&t->lock);
		if (t->fg_pgrp == 0)
			t->fg_pgrp = curproc()->pgid;
		spin_unlock(&t->lock);
	}
	*out = f;
	return 0;
}

/* Tests only: back to the boot state. */
void tty_reset(void)
{
	console.ready = 0;
	console.raw_count = console.line_len = console.rq_count = 0;
	console.raw_head = console.rq_head = 0;
	console.fg_pgrp = 0;
	console.dropped = 0;
	tty_init();
}
