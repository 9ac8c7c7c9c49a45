/* harness_int.h - declarations shared by the harness's own files
 * (harness.c, check.c, test_fsm.c, taps.c); tests include harness.h. */
#ifndef RAFTD_TESTS_RAFT_HARNESS_INT_H
#define RAFTD_TESTS_RAFT_HARNESS_INT_H

#include "tests/raft/harness.h"

/* check.c: run every invariant check; called after each fixture step. */
void rt_check_step(struct rt_cluster *c);

/* check.c: node i applied text at index; compare with the other nodes. */
void rt_check_apply(struct rt_cluster *c, unsigned i, raft_index index,
		    const char *text);

/* check.c: record a violation (deduplicated, printed when first seen). */
void rt_violation(struct rt_cluster *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* check.c: free the checker's records. */
void rt_check_close(struct rt_cluster *c);

/* test_fsm.c: set up node's FSM (version 1: apply, snapshot, restore). */
void rt_fsm_init(struct rt_node *node);

/* test_fsm.c: free what node's FSM recorded. */
void rt_fsm_close(struct rt_node *node);

/* taps.c: route node i's io->append and io->send through the taps. */
void rt_taps_install(struct rt_cluster *c, unsigned i);

#endif /* RAFTD_TESTS_RAFT_HARNESS_INT_H */
