/* fix_segment_zero.c - segments prepared as written zeroes.
 *
 * A performance replacement, not a safety fix. raft 0.15 prepares each log
 * segment ahead of use with UvOsFallocate (posix_fallocate): on ext4 that
 * leaves the file's blocks allocated but "unwritten". The segment writer
 * then appends with direct I/O through kernel AIO flagged RWF_NOWAIT, and a
 * direct write into unwritten extents must convert them, which cannot be
 * done without blocking: the kernel answers -EAGAIN, and raft 0.15 falls
 * back to a blocking write in its thread pool for every single append
 * (docs/performance.md: 60-70% of the leader's CPU in the kernel, a thread
 * hop and wake-ups per log write).
 *
 * Writing the zeroes once, when the segment is prepared (in the thread
 * pool, ahead of need), leaves ordinary written blocks, which a direct AIO
 * write overwrites in place. The file's size and content are what
 * posix_fallocate gives (len bytes, all zero), so nothing else changes;
 * the cost is writing each segment twice (here with O_DSYNC, as the
 * segment file is opened).
 *
 * This definition takes the name UvOsFallocate; raft/patch-archive.sh
 * weakens the archive's, whose only caller is UvFsAllocateFile (uv_fs.o).
 * Return value as the original: 0, or a negative errno.
 */
#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include "raft/raft015.h"

#define ZERO_CHUNK (1u << 20) /* one O_DSYNC write per MiB */

static const char zero_chunk[ZERO_CHUNK];

int UvOsFallocate(int fd, off_t offset, off_t len)
{
	off_t pos = offset, end = offset + len;

	if (offset < 0 || len <= 0)
		return -EINVAL;
	while (pos < end) {
		size_t n = end - pos < (off_t)ZERO_CHUNK ? (size_t)(end - pos)
							  : ZERO_CHUNK;
		ssize_t w = pwrite(fd, zero_chunk, n, pos);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		pos += w;
	}
	return 0;
}
