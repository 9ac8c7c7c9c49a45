/* restore.c - seeding a new cluster from a backup (see restore.h).
 *
 * Why install a raft snapshot rather than replay the state as commands:
 * the state must come back at the backup's log index, not at index 1. Key
 * create/mod indexes, stored session results and fencing tokens are log
 * indexes; a cluster whose log started again at 1 would hand out tokens
 * below the old ones and break fencing. A snapshot at the backup's index
 * makes the first entry of the new cluster index + 1.
 *
 * The sequence, checked against libraft 0.15's sources: raft_init has run
 * io->init (metadata loaded, nothing written on an empty directory).
 * io->set_term writes the metadata with the backup's term, so the node's
 * term is never below its last log term. io->snapshot_put with trailing 0
 * is libraft's own "install" path (uv_snapshot.c UvSnapshotPut): a barrier
 * that sets the next append index to index + 1, which on an empty log runs
 * at once, then the snapshot and its .meta (configuration, configuration
 * index) are written and synced in the threadpool. raft_start's io->load
 * then finds the snapshot, calls fsm->restore with it and takes its
 * configuration; the log starts at index + 1. raft_bootstrap is not called:
 * the configuration lives in the snapshot.
 */
#include "raftd/restore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "raftd/raftd.h"
#include "snapshot/backup.h"

static struct {
	bool loaded;
	struct backup_header h;
	struct snap_info info;
	struct buf snap;  /* the snapshot, with the new members */
	const char *path;
} restore;

/* 0 when dir is absent or holds nothing; -1 after logging otherwise. */
static int restore_check_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rv = 0;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		rd_error("cannot restore: data directory %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		rd_error("refusing to restore: data directory %s is not empty "
			 "(it holds %s). --restore seeds a new cluster and "
			 "needs an empty directory on every node; a node that "
			 "was already restored restarts without --restore",
			 dir, e->d_name);
		rv = -1;
		break;
	}
	closedir(d);
	return rv;
}

/* Map the file read-only; *len 0 means an empty file (nothing mapped). */
static int restore_map(const char *path, void **p, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rd_error("cannot restore from %s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*len = (size_t)st.st_size;
	*p = NULL;
	if (*len > 0) {
		*p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (*p == MAP_FAILED) {
			rd_error("cannot restore from %s: mmap: %s", path,
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

static int restore_member_cmp(const void *a, const void *b)
{
	const struct fsm_member *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The new cluster's --member list as the snapshot's member table. */
static int restore_set_members(const struct rd_config *cfg)
{
	struct fsm_member ms[RD_MAX_MEMBERS];
	struct backup_err err;

	for (unsigned i = 0; i < cfg->n_members; i++) {
		const struct rd_member *m = &cfg->members[i];

		ms[i].id = m->id;
		ms[i].raft_addr = m->raft_addr;
		ms[i].raft_len = strlen(m->raft_addr);
		ms[i].client_addr = m->client_addr;
		ms[i].client_len = strlen(m->client_addr);
	}
	qsort(ms, cfg->n_members, sizeof ms[0], restore_member_cmp);
	if (backup_set_members(&restore.snap, ms, cfg->n_members, &err) != 0) {
		rd_error("cannot restore from %s: %s", cfg->restore, err.msg);
		return -1;
	}
	return 0;
}

static int restore_load(const char *path)
{
	struct backup_err err;
	void *p;
	size_t len;
	int rv;

	if (restore_map(path, &p, &len) != 0)
		return -1;
	rv = backup_decode(p, len, BACKUP_MAX_RAW_DEFAULT, &restore.h,
			   &restore.snap, &restore.info, &err);
	if (p != NULL)
		munmap(p, len);
	if (rv != 0) {
		rd_error("cannot restore from %s: %s; nothing was created", path,
			 err.msg);
		return -1;
	}
	if (restore.h.term == 0 || restore.h.index == 0) {
		rd_error("cannot restore from %s: term and index must be "
			 "positive (term %" PRIu64 ", index %" PRIu64 ")", path,
			 restore.h.term, restore.h.index);
		return -1;
	}
	return 0;
}

int rd_restore_prepare(const struct rd_config *cfg)
{
	buf_init(&restore.snap);
	restore.path = cfg->restore;
	rd_info("restoring from %s: checking the whole file", cfg->restore);
	if (restore_check_empty(cfg->data_dir) != 0 ||
	    restore_load(cfg->restore) != 0 || restore_set_members(cfg) != 0) {
		rd_restore_discard();
		return -1;
	}
	restore.loaded = true;
	rd_info("backup %s is valid: %" PRIu64 " keys, %" PRIu64 " sessions, "
		"%" PRIu64 " locks at index %" PRIu64 " (term %" PRIu64 ")",
		cfg->restore, restore.info.keys, restore.info.sessions,
		restore.info.locks, restore.h.index, restore.h.term);
	return 0;
}

void rd_restore_discard(void)
{
	buf_free(&restore.snap);
	restore.loaded = false;
}

struct restore_put {
	struct raft_io_snapshot_put req;
	bool done;
	int status;
};

static void restore_put_cb(struct raft_io_snapshot_put *req, int status)
{
	struct restore_put *put = req->data;

	put->status = status;
	put->done = true;
}

/* Write the snapshot with conf as raft's own and wait for it. */
static int restore_put(struct rd_node *n, struct raft_configuration *conf)
{
	struct raft_buffer data = {.base = restore.snap.data,
				   .len = restore.snap.len};
	struct raft_snapshot snap = {
		.index = restore.h.index,
		.term = restore.h.term,
		.configuration = *conf,
		.configuration_index = restore.h.index,
		.bufs = &data,
		.n_bufs = 1,
	};
	struct restore_put put = {.req = {.data = &put}};
	int rv;

	rv = n->io.snapshot_put(&n->io, 0, &put.req, &snap, restore_put_cb);
	if (rv != 0) {
		rd_error("restore: installing the snapshot failed: %s (%s)",
			 raft_strerror(rv), n->io.errmsg);
		return -1;
	}
	while (!put.done)
		uv_run(n->loop, UV_RUN_ONCE);
	if (put.status != 0) {
		rd_error("restore: writing the snapshot failed: %s (%s)",
			 raft_strerror(put.status), n->io.errmsg);
		return -1;
	}
	return 0;
}

static int restore_install(struct rd_node *n)
{
	struct raft_configuration conf;
	int rv = 0;

	raft_configuration_init(&conf);
	for (unsigned i = 0; i < n->cfg->n_members && rv == 0; i++)
		rv = raft_configuration_add(&conf, n->cfg->members[i].id,
					    n->cfg->members[i].raft_addr,
					    RAFT_VOTER);
	if (rv != 0) {
		rd_error("restore: cannot build the configuration: %s",
			 raft_strerror(rv));
		goto out;
	}
	rv = n->io.set_term(&n->io, restore.h.term);
	if (rv != 0) {
		rd_error("restore: cannot write term %" PRIu64 ": %s (%s)",
			 restore.h.term, raft_strerror(rv), n->io.errmsg);
		goto out;
	}
	rv = restore_put(n, &conf);
out:
	raft_configuration_close(&conf);
	return rv == 0 ? 0 : -1;
}

int rd_restore_install(struct rd_node *n)
{
	int rv;

	if (!restore.loaded) {
		rd_error("restore: no validated backup to install");
		return -1;
	}
	rv = restore_install(n);
	if (rv == 0)
		rd_info("restored a new cluster of %u members from %s: %" PRIu64
			" keys, %" PRIu64 " sessions, %" PRIu64 " locks at index "
			"%" PRIu64 " (term %" PRIu64 "); new entries start at "
			"index %" PRIu64, n->cfg->n_members, restore.path,
			restore.info.keys, restore.info.sessions,
			restore.info.locks, restore.h.index, restore.h.term,
			restore.h.index + 1);
	rd_restore_discard();
	return rv;
}
