/* Pipes: a ring buffer of PIPE_PAGES pages shared by a read end and a write end.
 *
 * Semantics (POSIX, Linux): a read blocks while the pipe is empty and a writer exists,
 * returns 0 (end of file) once every writer has closed; a write of at most PIPE_BUF bytes
 * is atomic (never interleaved with other writers); a write with no reader left raises
 * SIGPIPE in the writer and fails with EPIPE.  O_NONBLOCK gives EAGAIN instead of sleeping. */
#ifndef FS_PIPE_H
#define FS_PIPE_H
#define PIPE_BUF 4096
#define PIPE_PAGES 4
#define PIPE_SIZE (PIPE_PAGES * 4096) /* ring capacity; must be >= PIPE_BUF */

struct file;
/* Create a pipe: out[0] the read end, out[1] the write end (each one reference).
 * flags: O_NONBLOCK applies to both ends.  0 or -ENOMEM. */
int pipe_create(struct file *out[2], int flags);
#endif
