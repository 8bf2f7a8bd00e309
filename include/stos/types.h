/* STOS user/kernel ABI: basic types (Linux x86-64 sizes).  Freestanding. */
#ifndef STOS_TYPES_H
#define STOS_TYPES_H
#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef long off_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef unsigned long dev_t;
typedef unsigned long ino_t;
typedef unsigned long nlink_t;
typedef long blksize_t;
typedef long blkcnt_t;
typedef long time_t;
typedef long suseconds_t;
typedef int clockid_t;
typedef unsigned int socklen_t;
typedef unsigned short sa_family_t;
typedef unsigned long nfds_t;

#endif
