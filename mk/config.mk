# Compilers and flags shared by every fragment.
BUILD    ?= build
CC       ?= gcc
ifeq ($(origin CC),default)
CC       := gcc
endif
CLANG    ?= clang
CWARN    := -Wall -Wextra -Werror
CSTD     := -std=c11
# Freestanding code (kernel, net/ in the kernel, user programs).
FREESTANDING_CFLAGS := $(CSTD) $(CWARN) -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -fno-stack-protector -fno-pie \
	-fno-omit-frame-pointer -O2 -g
# Hosted code (net/ in the hosted build, host/, unit tests).
HOST_CFLAGS := $(CSTD) $(CWARN) -D_GNU_SOURCE -O2 -g -fno-omit-frame-pointer
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
