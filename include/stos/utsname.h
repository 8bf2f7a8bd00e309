/* STOS user/kernel ABI: uname(2). */
#ifndef STOS_UTSNAME_H
#define STOS_UTSNAME_H
struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
#endif
