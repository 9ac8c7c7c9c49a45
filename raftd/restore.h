/* restore.h - raftd --restore FILE: seed a new cluster from a backup
 * (snapshot/backup.h, docs/backup.md).
 *
 * Two steps around raft's start-up in node.c:
 *   1. rd_restore_prepare, before the data directory is created: refuse a
 *      data directory that is not empty, read and validate the whole file
 *      (checksum, frame, every field of the state), and put the new
 *      cluster's --member list in the snapshot's member table. Nothing is
 *      created on disk; on any error the message says why and the node
 *      must exit.
 *   2. rd_restore_install, after raft_init and instead of bootstrapping:
 *      write the backup's term and install the snapshot as raft's own
 *      (io->set_term, io->snapshot_put with trailing 0), with the new
 *      cluster's configuration at the backup's index. raft_start then loads
 *      it like any snapshot, so the state survives restarts and the log
 *      continues after the backup's index (fencing tokens keep growing).
 * Every node of the new cluster starts with the same file and the same
 * --member list, so all hold the same snapshot at the same index and term.
 *
 * The validated snapshot is held in this module between the two steps;
 * install and discard free it.
 */
#ifndef RD_RESTORE_H
#define RD_RESTORE_H

#include "raftd/config.h"

struct rd_node;

/* Step 1 for cfg->restore. Returns 0, or -1 after logging why. */
int rd_restore_prepare(const struct rd_config *cfg);

/* Step 2, on n after raft_init, before raft_start; runs n's loop until the
 * snapshot is on disk. Returns 0, or -1 after logging why. Frees what
 * step 1 held either way. */
int rd_restore_install(struct rd_node *n);

/* Free what step 1 held (error paths). Safe to call at any time. */
void rd_restore_discard(void);

#endif
