/* /proc: what ps reads.  /proc/<pid>/stat holds the first fields of Linux's proc(5)
 * "stat" line: "pid (comm) state ppid pgrp session tty_nr tpgid ...".  /proc/net is
 * procfs_net.c's.
 *
 * The entries are ordinary ramfs directories and files, brought in step with the process
 * table each time a path walk or a getdents goes through /proc; a stat file's text is made
 * when it is first read, from the process as it is then (-ESRCH once it is gone, as Linux). */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/poll.h>
#include "ramfs.h"
#include "fslib.h"
#include "procfs.h"

/* K's process table iteration (kernel/proc/proc.c): list head, with proc_lock held. */
struct proc *proc_first(void);
int proc_count(void);

#define PROCFS_MAX 1024   /* processes listed at most */

static struct inode *proc_dir; /* held: /proc stays valid even if someone removes it */

struct pinfo {
	int pid, ppid, pgid, sid;
	char state;
	char name[16];
};

static void fill(struct pinfo *pi, struct proc *p)
{
	pi->pid = p->pid;
	pi->ppid = p->parent ? p->parent->pid : 0;
	pi->pgid = p->pgid;
	pi->sid = p->sid;
	pi->state = p->state == PROC_ZOMBIE ? 'Z' : 'R';
	memcpy(pi->name, p->name, sizeof(pi->name));
	pi->name[sizeof(pi->name) - 1] = 0;
}

static long stat_text(int pid, char *buf, size_t cap)
{
	struct pinfo pi;
	struct proc *p;
	int found = 0;
	spin_lock(&proc_lock);
	p = proc_find(pid);
	if (p && p->state != PROC_EMBRYO) {
		fill(&pi, p);
		found = 1;
	}
	spin_unlock(&proc_lock);
	if (!found)
		return -ESRCH;
	return ksnprintf(buf, cap,
			 "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n",
			 pi.pid, pi.name, pi.state, pi.ppid, pi.pgid, pi.sid);
}

/* The snapshot an open text file keeps (f_data). */
struct ptext {
	long len;
	char text[];
};

long procfs_text_read(struct file *f, struct uio *u, procfs_render_fn render, size_t first_cap)
{
	struct ptext *pt = f->f_data;
	long r, pos;
	if (!pt) {
		size_t cap = first_cap;
		for (;;) {
			pt = kmalloc(sizeof(*pt) + cap);
			if (!pt)
				return -ENOMEM;
			pt->len = render(f->f_inode, pt->text, cap);
			if (pt->len < 0) {
				r = pt->len;
				kfree(pt);
				return r;
			}
			if (pt->len < (long)cap - 1 || cap >= PROCFS_TEXT_MAX)
				break;
			kfree(pt);  /* maybe truncated: render again into a larger buffer */
			cap *= 2;
		}
		if (pt->len >= (long)cap)
			pt->len = (long)cap - 1;
		f->f_data = pt;
	}
	pos = f->f_pos;
	if (pos >= pt->len)
		return 0;
	r = uio_copyout(pt->text + pos, (size_t)(pt->len - pos), u);
	if (r > 0)
		f->f_pos += r;
	return r;
}

long procfs_text_lseek(struct file *f, long off, int whence)
{
	if (whence == SEEK_CUR)
		off += f->f_pos;
	else if (whence != SEEK_SET)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	f->f_pos = off;
	return off;
}

int procfs_text_poll(struct file *f, int events, struct pollwait *pw)
{
	(void)f;
	(void)pw;
	return events & (POLLIN | POLLRDNORM);
}

int procfs_text_fstat(struct file *f, struct stat *st)
{
	fs_lock();
	inode_stat(f->f_inode, st);
	fs_unlock();
	return 0;
}

void procfs_text_close(struct file *f)
{
	kfree(f->f_data);
}

static long pstat_render(struct inode *ip, char *buf, size_t cap)
{
	return stat_text((int)ip->i_rdev, buf, cap);
}

static long pstat_read(struct file *f, struct uio *u)
{
	return procfs_text_read(f, u, pstat_render, 128);
}

static const struct fileops pstat_ops = {
	.read = pstat_read,
	.poll = procfs_text_poll,
	.close = procfs_text_close,
	.fstat = procfs_text_fstat,
	.lseek = procfs_text_lseek,
};

/* "123" -> 123; anything else -> -1. */
static int parse_pid(const char *s, size_t len)
{
	int v = 0;
	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Remove entry d of /proc (and what it holds).  dir_unlink reads the name before it frees
 * the entry, so the entry's own name can be passed. */
static void remove_entry(struct inode *dir, struct dirent_node *d)
{
	struct inode *pd = d->ip;
	if (inode_isdir(pd))
		while (pd->i_dhead) /* its "stat" (and anything else put there) */
			remove_entry(pd, pd->i_dhead);
	dir_unlink(dir, d->name, d->namelen);
}

static void add_pid_dir(int pid)
{
	char name[16];
	int len = ksnprintf(name, sizeof(name), "%d", pid);
	struct inode *pd = inode_new(S_IFDIR | 0555), *st;
	if (!pd)
		return;
	if (dir_link(proc_dir, name, (size_t)len, pd) < 0) {
		inode_put(pd);
		return;
	}
	inode_put(pd);
	st = inode_new(S_IFREG | 0444);
	if (!st)
		return;
	st->i_fops = &pstat_ops;
	st->i_rdev = (dev_t)pid;
	if (dir_link(pd, "stat", 4, st) < 0) {
		inode_put(st);
		return;
	}
	inode_put(st);
}

void procfs_sync(struct inode *dp)
{
	struct pinfo *snap;
	int n = 0, cap;

	if (!proc_dir || dp != proc_dir)
		return;
	cap = proc_count() + 16;
	if (cap > PROCFS_MAX)
		cap = PROCFS_MAX;
	snap = kmalloc((size_t)cap * sizeof(*snap));
	if (!snap)
		return; /* stale listing rather than none */
	spin_lock(&proc_lock);
	for (struct proc *p = proc_first(); p && n < cap; p = p->next)
		if (p->state != PROC_EMBRYO)
			fill(&snap[n++], p);
	spin_unlock(&proc_lock);
	/* Drop the directories of processes that are gone. */
	for (struct dirent_node *d = proc_dir->i_dhead, *next; d; d = next) {
		int pid = parse_pid(d->name, d->namelen), live = 0;
		next = d->next;
		if (pid < 0 || !inode_isdir(d->ip))
			continue;
		for (int i = 0; i < n && !live; i++)
			live = snap[i].pid == pid;
		if (!live)
			remove_entry(proc_dir, d);
	}
	/* Add the new ones (the table lists the newest first; /proc lists oldest first). */
	for (int i = n - 1; i >= 0; i--) {
		char name[16];
		int len = ksnprintf(name, sizeof(name), "%d", snap[i].pid);
		if (!dir_lookup(proc_dir, name, (size_t)len))
			add_pid_dir(snap[i].pid);
	}
	kfree(snap);
}

int procfs_init(void)
{
	int r = fs_mkdir_at(NULL, "/proc", 0555);
	if (r < 0 && r != -EEXIST)
		return r;
	fs_lock();
	if (!proc_dir && namei(NULL, "/proc", &proc_dir) == 0 && !inode_isdir(proc_dir)) {
		inode_put(proc_dir);
		proc_dir = NULL;
	}
	if (proc_dir)
		procfs_net_init(proc_dir);
	fs_unlock();
	return 0;
}

void procfs_shutdown(void)
{
	fs_lock();
	if (proc_dir) {
		struct inode *ip = proc_dir;
		proc_dir = NULL;
		while (ip->i_dhead)
			remove_entry(ip, ip->i_dhead);
		inode_put(ip);
	}
	fs_unlock();
}
