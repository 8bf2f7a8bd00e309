/* The file system calls, in the shape of K's syscall table: six long arguments (rdi, rsi,
 * rdx, r10, r8, r9), result or -errno.  Every user pointer goes through copyin/copyout/
 * copyinstr.  They act on curproc()'s fdt and cwd. */
#ifndef FS_SYSCALLS_H
#define FS_SYSCALLS_H

#define FS_SYSCALL(name) long sys_##name(long a0, long a1, long a2, long a3, long a4, long a5)

FS_SYSCALL(read);
FS_SYSCALL(write);
FS_SYSCALL(readv);
FS_SYSCALL(writev);
FS_SYSCALL(pread64);
FS_SYSCALL(pwrite64);
FS_SYSCALL(open);
FS_SYSCALL(openat);
FS_SYSCALL(creat);
FS_SYSCALL(close);
FS_SYSCALL(lseek);
FS_SYSCALL(dup);
FS_SYSCALL(dup2);
FS_SYSCALL(dup3);
FS_SYSCALL(pipe);
FS_SYSCALL(pipe2);
FS_SYSCALL(fstat);
FS_SYSCALL(stat);
FS_SYSCALL(lstat);
FS_SYSCALL(newfstatat);
FS_SYSCALL(getdents64);
FS_SYSCALL(unlink);
FS_SYSCALL(unlinkat);
FS_SYSCALL(mkdir);
FS_SYSCALL(mkdirat);
FS_SYSCALL(rmdir);
FS_SYSCALL(chdir);
FS_SYSCALL(fchdir);
FS_SYSCALL(getcwd);
FS_SYSCALL(fcntl);
FS_SYSCALL(ioctl);
FS_SYSCALL(access);
FS_SYSCALL(faccessat);
FS_SYSCALL(ftruncate);
FS_SYSCALL(poll);
FS_SYSCALL(ppoll);
FS_SYSCALL(select);
FS_SYSCALL(pselect6);
FS_SYSCALL(rename);
FS_SYSCALL(renameat);
FS_SYSCALL(renameat2);
FS_SYSCALL(chmod);
FS_SYSCALL(fchmod);
FS_SYSCALL(truncate);
FS_SYSCALL(fsync);
FS_SYSCALL(readlink);
FS_SYSCALL(link);
FS_SYSCALL(linkat);
#endif
