/* Basic system types: Linux x86-64 sizes, from the ABI header. */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H
#include <stos/types.h>
#endif
