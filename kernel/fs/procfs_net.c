/* /proc/net: dev, route, arp, snmp, tcp, udp and raw, in Linux's formats (proc(5)), which
 * netstat, route and arp read.  The text comes from the network glue (knet_proc_text,
 * kernel/net/knet_proc.c) when a file is first read after open, as /proc/<pid>/stat's does;
 * a system without a network stack reads ENOENT from them. */
#include <stos/errno.h>
#include "ramfs.h"
#include "fslib.h"
#include "procfs.h"
#include "knet.h"

static const char *const net_files[] = { "dev", "route", "arp", "snmp", "tcp", "udp", "raw" };
#define NNET (sizeof(net_files) / sizeof(net_files[0]))

static long pnet_render(struct inode *ip, char *buf, size_t cap)
{
	if (ip->i_rdev >= NNET)
		return -ENOENT;
	return knet_proc_text(net_files[ip->i_rdev], buf, cap);
}

static long pnet_read(struct file *f, struct uio *u)
{
	return procfs_text_read(f, u, pnet_render, 4096);
}

static const struct fileops pnet_ops = {
	.read = pnet_read,
	.poll = procfs_text_poll,
	.close = procfs_text_close,
	.fstat = procfs_text_fstat,
	.lseek = procfs_text_lseek,
};

void procfs_net_init(struct inode *proc_dir)
{
	struct inode *nd = dir_lookup(proc_dir, "net", 3);
	if (!nd) {
		nd = inode_new(S_IFDIR | 0555);
		if (!nd)
			return;
		if (dir_link(proc_dir, "net", 3, nd) < 0) {
			inode_put(nd);
			return;
		}
		inode_put(nd);
	}
	if (!inode_isdir(nd))
		return;
	for (size_t i = 0; i < NNET; i++) {
		size_t len = strlen(net_files[i]);
		if (dir_lookup(nd, net_files[i], len))
			continue;
		struct inode *ip = inode_new(S_IFREG | 0444);
		if (!ip)
			return;
		ip->i_fops = &pnet_ops;
		ip->i_rdev = (dev_t)i;
		if (dir_link(nd, net_files[i], len, ip) < 0) {
			inode_put(ip);
			return;
		}
		inode_put(ip);
	}
}
