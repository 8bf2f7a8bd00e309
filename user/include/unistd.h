/* POSIX process, file-descriptor and directory calls, getopt. */
#ifndef _UNISTD_H
#define _UNISTD_H
#include <stddef.h>
#include <stos/types.h>
#include <stos/fcntl.h>

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

extern char **environ;
extern char *optarg;
extern int optind, opterr, optopt;

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
int close(int fd);
off_t lseek(int fd, off_t off, int whence);
int dup(int fd);
int dup2(int oldfd, int newfd);
int dup3(int oldfd, int newfd, int flags);
int pipe(int fds[2]);
int pipe2(int fds[2], int flags);
int access(const char *path, int mode);
int unlink(const char *path);
int rmdir(const char *path);
int link(const char *oldpath, const char *newpath);
ssize_t readlink(const char *restrict path, char *restrict buf, size_t n);
int chdir(const char *path);
int fchdir(int fd);
char *getcwd(char *buf, size_t size);
int truncate(const char *path, off_t len);
int ftruncate(int fd, off_t len);
int fsync(int fd);
int isatty(int fd);

pid_t fork(void);
pid_t vfork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
int execv(const char *path, char *const argv[]);
int execvp(const char *file, char *const argv[]);
int execvpe(const char *file, char *const argv[], char *const envp[]);
int execl(const char *path, const char *arg, ...);
int execlp(const char *file, const char *arg, ...);
_Noreturn void _exit(int status);
pid_t getpid(void);
pid_t getppid(void);
pid_t gettid(void);
pid_t getpgrp(void);
pid_t getpgid(pid_t pid);
int setpgid(pid_t pid, pid_t pgid);
pid_t setsid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
pid_t tcgetpgrp(int fd);
int tcsetpgrp(int fd, pid_t pgrp);

unsigned int sleep(unsigned int seconds);
unsigned int alarm(unsigned int seconds);
int usleep(unsigned long usec);
int pause(void);
void *sbrk(long increment);
int brk(void *addr);
int getpagesize(void);
int gethostname(char *name, size_t len);
long syscall(long number, ...);

int getopt(int argc, char *const argv[], const char *optstring);
#endif
