/* The poll/select core: how a sleeping poller learns that one of many objects changed.
 *
 * Every pollable object embeds a struct pollhead and calls pollhead_wake(&obj->ph) whenever
 * its readiness may have changed (data arrived, space freed, peer closed, error).  A
 * fileops->poll implementation calls poll_register(pw, &obj->ph) BEFORE it reads the
 * object's state; registration after the check could miss a wakeup in between.
 * pollhead_wake may be called from any context, including interrupt handlers, and with the
 * object's own spinlock held (the poll lock nests inside object locks).
 *
 * A socket plugs in the same way: its file's private data embeds a pollhead that the
 * socket-event glue wakes; the file layer never knows what is behind a pollhead. */
#ifndef FS_POLLWAIT_H
#define FS_POLLWAIT_H
#include <stdint.h>

struct pollwait;

struct poll_entry {
	struct pollhead *pe_head;
	struct poll_entry *pe_next;   /* next entry registered on the same head */
	struct pollwait *pe_pw;
};

struct pollhead {
	struct poll_entry *ph_first;  /* protected by the poll lock */
};

#define POLLWAIT_INLINE 16

struct poll_chunk;

struct pollwait {
	int pw_triggered;     /* a registered head was woken since the last pollwait_arm */
	int pw_registering;   /* poll_register records entries only while set */
	int pw_nomem;         /* an entry could not be allocated: sleep in short slices */
	int pw_n;             /* entries used in pw_inline */
	struct poll_entry pw_inline[POLLWAIT_INLINE];
	struct poll_chunk *pw_chunks;
};

void pollhead_init(struct pollhead *ph);
void pollhead_wake(struct pollhead *ph);
void poll_register(struct pollwait *pw, struct pollhead *ph);

/* A poller's life: init; loop { arm; ask every file (fileops->poll with pw, which
 * registers on the first round only); stop if something is ready or the deadline passed;
 * pollwait_sleep }; done. */
void pollwait_init(struct pollwait *pw);
void pollwait_arm(struct pollwait *pw);
/* Sleep until a registered head is woken (0), a signal (-EINTR) or deadline_ns
 * (-ETIMEDOUT; 0 = no deadline).  Returns at once with 0 if already triggered. */
int pollwait_sleep(struct pollwait *pw, uint64_t deadline_ns);
void pollwait_done(struct pollwait *pw);           /* unregister everything, free chunks */
#endif
