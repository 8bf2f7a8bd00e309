/* uname [-a|-s|-n|-r|-v|-m]: print system information (default: the system name). */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;
	const char *o = argc > 1 ? argv[1] : "-s";
	if (uname(&u) < 0) {
		perror("uname");
		return 1;
	}
	if (strcmp(o, "-a") == 0)
		printf("%s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
	else if (strcmp(o, "-n") == 0)
		printf("%s\n", u.nodename);
	else if (strcmp(o, "-r") == 0)
		printf("%s\n", u.release);
	else if (strcmp(o, "-v") == 0)
		printf("%s\n", u.version);
	else if (strcmp(o, "-m") == 0)
		printf("%s\n", u.machine);
	else if (strcmp(o, "-s") == 0)
		printf("%s\n", u.sysname);
	else {
		fprintf(stderr, "usage: uname [-a|-s|-n|-r|-v|-m]\n");
		return 1;
	}
	return 0;
}
