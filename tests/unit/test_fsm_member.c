/* test_fsm_member.c - the member table: MEMBER_SET and MEMBER_DEL through
 * the log (insert, replace, delete, invalid commands changing nothing), and
 * in snapshots (round trip, version 2 snapshots loading with no members,
 * every field of the members section checked, on snapshots written by hand
 * behind a correct checksum).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "fsm/fsm.h"
#include "fsm/state.h"
#include "snapshot/snap.h"
#include "test_fsm_util.h"
#include "test_snap_util.h"

#define MSET(id, raft, client) \
	KV(FSM_OP_MEMBER_SET, (id), S(raft), S(client))
#define MDEL(id) NOARGS(FSM_OP_MEMBER_DEL, (id))

static void assert_member(const fsm *f, uint64_t id, const char *raft,
			  const char *client)
{
	struct fsm_member m;

	assert_int_equal(fsm_member_get(f, id, &m), 1);
	assert_int_equal(m.id, id);
	assert_string_equal(m.raft_addr, raft);
	assert_int_equal(m.raft_len, strlen(raft));
	assert_string_equal(m.client_addr, client);
	assert_int_equal(m.client_len, strlen(client));
}

struct collect {
	uint64_t ids[8];
	size_t n;
};

static int collect_cb(void *arg, const struct fsm_member *m)
{
	struct collect *c = arg;

	c->ids[c->n++] = m->id;
	return 0;
}

/* Members come in any order, are listed by id, and a second SET of an id
 * replaces its addresses. */
static void test_set_replace_list(void **state)
{
	fsm *f = fsm_new();
	struct collect c = {0};
	struct fsm_result r;

	(void)state;
	r = run(f, 1, 0, MSET(3, "h:7003", "h:6003"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 1);
	run(f, 2, 0, MSET(1, "h:7001", "h:6001"));
	run(f, 3, 0, MSET(2, "h:7002", "h:6002"));
	r = run(f, 4, 0, MSET(3, "other:7003", "other:6003"));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(fsm_member_count(f), 3);
	assert_member(f, 1, "h:7001", "h:6001");
	assert_member(f, 3, "other:7003", "other:6003");
	assert_int_equal(fsm_member_addr_bytes(f),
			 4 * strlen("h:7001") + 2 * strlen("other:7003"));
	fsm_members_visit(f, collect_cb, &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], 1);
	assert_int_equal(c.ids[1], 2);
	assert_int_equal(c.ids[2], 3);
	fsm_free(f);
}

static void test_del(void **state)
{
	fsm *f = fsm_new();
	struct fsm_member m;
	struct fsm_result r;

	(void)state;
	run(f, 1, 0, MSET(1, "a", "b"));
	run(f, 2, 0, MSET(2, "c", "d"));
	r = run(f, 3, 0, MDEL(1));
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 1);
	assert_int_equal(fsm_member_get(f, 1, &m), 0);
	assert_member(f, 2, "c", "d");
	r = run(f, 4, 0, MDEL(1)); /* again: known to be gone */
	assert_int_equal(r.status, FSM_OK);
	assert_int_equal(r.num, 0);
	assert_int_equal(fsm_member_count(f), 1);
	assert_int_equal(fsm_member_addr_bytes(f), 2);
	fsm_free(f);
}

/* An id of 0 or below, or an empty address, is refused on apply; an
 * address over FSM_MAX_ADDR or the wrong arity already by the encoder. */
static void test_invalid(void **state)
{
	char big[FSM_MAX_ADDR + 1];
	struct fsm_slice a[2] = {{big, sizeof(big)}, {"c", 1}};
	struct fsm_cmd c = {.op = FSM_OP_MEMBER_SET, .num = 1, .nargs = 2,
			    .args = a};
	fsm *f = fsm_new();
	struct buf b;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(run(f, 1, 0, MSET(0, "a", "b")).status,
			 FSM_BAD_COMMAND);
	assert_int_equal(run(f, 2, 0, MSET(-4, "a", "b")).status,
			 FSM_BAD_COMMAND);
	assert_int_equal(run(f, 3, 0, MSET(1, "", "b")).status,
			 FSM_BAD_COMMAND);
	assert_int_equal(run(f, 4, 0, MSET(1, "a", "")).status,
			 FSM_BAD_COMMAND);
	assert_int_equal(run(f, 5, 0, MDEL(0)).status, FSM_BAD_COMMAND);
	assert_int_equal(fsm_member_count(f), 0);
	buf_init(&b);
	batch_begin(&b, 0);
	assert_int_equal(fsm_batch_add(&b, &c), -2);
	a[0].len = FSM_MAX_ADDR; /* the largest allowed */
	assert_int_equal(fsm_batch_add(&b, &c), 0);
	c.nargs = 1;
	assert_int_equal(fsm_batch_add(&b, &c), -2);
	c.op = FSM_OP_MEMBER_DEL;
	assert_int_equal(fsm_batch_add(&b, &c), -2);
	c.flags = FSM_F_SESSION; /* never sequenced */
	c.nargs = 0;
	assert_int_equal(fsm_batch_add(&b, &c), -2);
	buf_free(&b);
	fsm_free(f);
}

/* A snapshot carries the table; the copy behaves like the original. */
static void test_snapshot_roundtrip(void **state)
{
	fsm *f = fsm_new(), *g;
	struct snap_info info;
	struct buf b, again;
	const char *err;

	(void)state;
	run(f, 1, 0, MSET(5, "h:7005", "h:6005"));
	run(f, 2, 0, MSET(2, "h:7002", "h:6002"));
	buf_init(&b);
	buf_init(&again);
	assert_int_equal(snap_encode(f, 1, 2, &b), 0);
	assert_int_equal(snap_decode(b.data, b.len, &g, &info, &err), 0);
	assert_int_equal(info.version, SNAP_VERSION);
	assert_int_equal(info.members, 2);
	assert_member(g, 2, "h:7002", "h:6002");
	assert_member(g, 5, "h:7005", "h:6005");
	assert_int_equal(snap_encode(g, 1, 2, &again), 0);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	assert_int_equal(run(g, 3, 0, MDEL(5)).num, 1);
	assert_int_equal(fsm_member_count(g), 1);
	assert_flips_detected(&b);
	assert_cuts_detected(&b);
	fsm_free(f);
	fsm_free(g);
	buf_free(&b);
	buf_free(&again);
}

/* A version 2 snapshot (four sections) loads with an empty table; a
 * version 2 snapshot with a members section is refused. */
static void test_v2_loads(void **state)
{
	struct buf b;
	const char *err;
	fsm *g;

	(void)state;
	buf_init(&b);
	w_header(&b, 2, 4, 1, 2);
	w_kv(&b, 0, NULL, 0);
	w_no_sessions_locks(&b);
	w_seal(&b);
	assert_int_equal(snap_decode(b.data, b.len, &g, NULL, &err), 0);
	assert_int_equal(fsm_member_count(g), 0);
	fsm_free(g);
	w_header(&b, 2, 5, 1, 2);
	w_kv(&b, 0, NULL, 0);
	w_no_sessions_locks(&b);
	w_no_members(&b);
	w_seal(&b);
	assert_refused(&b, "not of its version");
	w_header(&b, 3, 4, 1, 2); /* version 3 without its members */
	w_kv(&b, 0, NULL, 0);
	w_no_sessions_locks(&b);
	w_seal(&b);
	assert_refused(&b, "lacks sections");
	buf_free(&b);
}

struct h_member {
	uint64_t id;
	uint32_t rlen, clen; /* written lengths; the bytes are "r..." "c..." */
	uint32_t rbytes, cbytes; /* bytes actually written */
};

/* A members section of n members; claim (if not ~0) replaces the count and
 * bytes (if not ~0) the address byte total. */
static void w_members(struct buf *b, const struct h_member *m, size_t n,
		      uint64_t claim, uint64_t bytes)
{
	char fill[FSM_MAX_ADDR + 2];
	uint64_t len = 16, sum = 0;
	size_t i;

	memset(fill, 'a', sizeof(fill));
	for (i = 0; i < n; i++) {
		len += 16 + m[i].rbytes + m[i].cbytes;
		sum += m[i].rlen + m[i].clen;
	}
	w_header(b, 3, 5, 1, 2);
	w_kv(b, 0, NULL, 0);
	w_no_sessions_locks(b);
	w_section(b, SNAP_TAG_MEMBERS, len);
	w_u64(b, claim == ~0ull ? n : claim);
	w_u64(b, bytes == ~0ull ? sum : bytes);
	for (i = 0; i < n; i++) {
		w_u64(b, m[i].id);
		w_u32(b, m[i].rlen);
		w_u32(b, m[i].clen);
		w_bytes(b, fill, m[i].rbytes);
		w_bytes(b, fill, m[i].cbytes);
	}
	w_seal(b);
}

static void test_bad_members(void **state)
{
	const struct h_member ok[2] = {{1, 3, 4, 3, 4}, {2, 1, 1, 1, 1}};
	struct h_member m[2];
	struct buf b;
	fsm *g;
	const char *err;

	(void)state;
	buf_init(&b);
	w_members(&b, ok, 2, ~0ull, ~0ull);
	assert_int_equal(snap_decode(b.data, b.len, &g, NULL, &err), 0);
	assert_int_equal(fsm_member_count(g), 2);
	fsm_free(g);

	memcpy(m, ok, sizeof(m));
	m[0].id = 0;
	w_members(&b, m, 2, ~0ull, ~0ull);
	assert_refused(&b, "member ids");
	memcpy(m, ok, sizeof(m));
	m[1].id = 1;
	w_members(&b, m, 2, ~0ull, ~0ull);
	assert_refused(&b, "member ids");
	memcpy(m, ok, sizeof(m));
	m[0].rlen = m[0].rbytes = 0;
	w_members(&b, m, 2, ~0ull, ~0ull);
	assert_refused(&b, "address length");
	memcpy(m, ok, sizeof(m));
	m[1].clen = m[1].cbytes = FSM_MAX_ADDR + 1;
	w_members(&b, m, 2, ~0ull, ~0ull);
	assert_refused(&b, "address length");
	memcpy(m, ok, sizeof(m));
	m[1].clen = 200; /* claims more than the section holds */
	w_members(&b, m, 2, ~0ull, ~0ull);
	assert_refused(&b, "truncated");
	w_members(&b, ok, 2, 3, ~0ull);
	assert_refused(&b, "truncated");
	w_members(&b, ok, 2, 1, 7); /* the second is left over */
	assert_refused(&b, "trailing");
	w_members(&b, ok, 2, ~0ull, 8);
	assert_refused(&b, "address size");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_replace_list),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_snapshot_roundtrip),
		cmocka_unit_test(test_v2_loads),
		cmocka_unit_test(test_bad_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
