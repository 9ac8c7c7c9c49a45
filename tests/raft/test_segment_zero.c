/* test_segment_zero.c - raftd's UvOsFallocate leaves written zeroes.
 *
 * Covers raft/fix_segment_zero.c. What libraft relies on is unchanged: after
 * UvOsFallocate(fd, offset, len) the file is at least offset + len bytes
 * long, the range reads as zeroes and what lies before it is untouched.
 * What the replacement is for: on a file system that reports extents
 * (ext4, xfs: FIEMAP), none of the range is left "unwritten", which is
 * what made every direct AIO append fall back to a blocking write. On a
 * file system without FIEMAP (tmpfs) that part is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "raft/raft015.h"

static int open_temp(char *path)
{
	int fd;

	strcpy(path, "/tmp/raftd-segzero.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	return fd;
}

/* Any extent of fd flagged unwritten? -1 when FIEMAP is not supported. */
static int has_unwritten(int fd)
{
	size_t sz = sizeof(struct fiemap) + 64 * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	int found = 0;

	assert_non_null(fm);
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = 64;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
		free(fm);
		return -1;
	}
	for (unsigned i = 0; i < fm->fm_mapped_extents; i++)
		if (fm->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN)
			found = 1;
	free(fm);
	return found;
}

static void check_range(off_t offset, off_t len)
{
	char path[64];
	int fd = open_temp(path);
	unsigned char *buf = malloc((size_t)(offset + len));
	struct stat st;

	assert_non_null(buf);
	if (offset > 0) /* something that must survive */
		assert_int_equal(pwrite(fd, "keep", 4, 0), 4);
	assert_int_equal(UvOsFallocate(fd, offset, len), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size >= offset + len);
	assert_int_equal(pread(fd, buf, (size_t)(offset + len), 0),
			 offset + len);
	if (offset > 0)
		assert_memory_equal(buf, "keep", 4);
	for (off_t i = offset; i < offset + len; i++)
		assert_int_equal(buf[i], 0);
	assert_int_not_equal(has_unwritten(fd), 1);
	free(buf);
	close(fd);
	unlink(path);
}

static void test_sizes(void **state)
{
	static const off_t lens[] = {1, 4095, 4096, 1 << 20, (1 << 20) + 1,
				     (3 << 20) + 123, 8 << 20};

	(void)state;
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		check_range(0, lens[i]);
		check_range(4096, lens[i]);
	}
}

/* The point of the replacement, shown against plain posix_fallocate on the
 * same file system: that one leaves unwritten extents (where FIEMAP says
 * so), raftd's does not. */
static void test_no_unwritten_extents(void **state)
{
	char path[64];
	int fd = open_temp(path);
	int before;

	(void)state;
	assert_int_equal(posix_fallocate(fd, 0, 1 << 20), 0);
	before = has_unwritten(fd);
	close(fd);
	unlink(path);
	if (before != 1)
		skip(); /* no FIEMAP, or no unwritten extents here anyway */
	fd = open_temp(path);
	assert_int_equal(UvOsFallocate(fd, 0, 1 << 20), 0);
	assert_int_equal(has_unwritten(fd), 0);
	close(fd);
	unlink(path);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(UvOsFallocate(-1, 0, 4096), -EBADF);
	assert_int_equal(UvOsFallocate(0, -1, 4096), -EINVAL);
	assert_int_equal(UvOsFallocate(0, 0, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_no_unwritten_extents),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
