/* getopt() lives in <unistd.h>; this header exists for programs that include it. */
#ifndef _GETOPT_H
#define _GETOPT_H
#include <unistd.h>
#endif
