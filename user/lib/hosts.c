/* /etc/hosts lookups for the resolver (one address per line, then names; '#' comments). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libc_internal.h"

static const char *hosts_path(void)
{
	const char *p = getenv("HOSTS_FILE");   /* tests point this at a temporary file */
	return p ? p : "/etc/hosts";
}

/* Returns 1 and the address (network order) if name is listed with an IPv4 address. */
int __hosts_lookup(const char *name, unsigned int *addr_be)
{
	FILE *f = fopen(hosts_path(), "re");
	char line[512];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save, *addr, *tok;
		struct in_addr a;
		line[strcspn(line, "#\n")] = 0;
		addr = strtok_r(line, " \t", &save);
		if (!addr || inet_pton(AF_INET, addr, &a) != 1)
			continue;
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
			if (strcasecmp(tok, name) == 0) {
				*addr_be = a.s_addr;
				found = 1;
				break;
			}
	}
	fclose(f);
	return found;
}

/* Reverse: the first name listed for addr_be, into name. */
int __hosts_reverse(unsigned int addr_be, char *name, size_t len);
int __hosts_reverse(unsigned int addr_be, char *name, size_t len)
{
	FILE *f = fopen(hosts_path(), "re");
	char line[512];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save, *addr, *tok;
		struct in_addr a;
		line[strcspn(line, "#\n")] = 0;
		addr = strtok_r(line, " \t", &save);
		if (!addr || inet_pton(AF_INET, addr, &a) != 1 || a.s_addr != addr_be)
			continue;
		tok = strtok_r(NULL, " \t", &save);
		if (tok && strlen(tok) < len) {
			strcpy(name, tok);
			found = 1;
		}
	}
	fclose(f);
	return found;
}
