/* test_backup.c - the backup file format (snapshot/backup.h): a state with
 * keys, a session, a lock and members survives encode/decode exactly; every
 * kind of damage (cuts at every length, every flipped bit, extra bytes,
 * wrong magic or version, unknown flags, lying lengths behind a correct
 * checksum, a damaged frame behind a correct checksum, a snapshot that
 * disagrees with the header) is refused with a message naming the cause;
 * and the member table can be replaced for a new cluster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_fsm_util.h"
#include "snapshot/backup.h"
#include "snapshot/crc32c.h"

#define MSET(id, raft, client) \
	KV(FSM_OP_MEMBER_SET, (id), S(raft), S(client))
#define LOCK(sid, name) KV(FSM_OP_LOCK, (int64_t)(sid), S(name))

#define TERM 7
#define INDEX 40

/* A state with a bit of everything, at INDEX. */
static fsm *sample_fsm(void)
{
	fsm *f = fsm_new();
	uint64_t sid;
	char k[16], v[64];

	assert_non_null(f);
	run(f, 1, 1000, MSET(1, "127.0.0.1:9101", "127.0.0.1:9001"));
	run(f, 2, 1000, MSET(2, "127.0.0.1:9102", "127.0.0.1:9002"));
	sid = open_session(f, 3, 1000, 60000);
	assert_int_equal(run(f, 4, 1000, LOCK(sid, "job")).status, FSM_OK);
	for (int i = 0; i < 30; i++) {
		snprintf(k, sizeof k, "key%02d", i);
		snprintf(v, sizeof v, "value of key %d, long enough to compress", i);
		run(f, 5 + (uint64_t)i, 1000,
		    KV(FSM_OP_PUT, 0, {k, strlen(k)}, {v, strlen(v)}));
	}
	fsm_note_index(f, INDEX);
	return f;
}

static void sample_snapshot(struct buf *snap)
{
	fsm *f = sample_fsm();

	assert_int_equal(snap_encode(f, TERM, INDEX, snap), 0);
	fsm_free(f);
}

static void sample_backup(struct buf *file, struct buf *snap)
{
	struct backup_header h = {.term = TERM, .index = INDEX,
				  .created_ms = 1234567, .node_id = 2};

	sample_snapshot(snap);
	assert_int_equal(backup_encode(snap->data, snap->len, &h, file), 0);
	assert_int_equal(file->len, BACKUP_HDR_LEN + h.comp_len + BACKUP_CRC_LEN);
}

static void put64(struct buf *b, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b->data[off + (size_t)i] = (char)(v >> (8 * i));
}

static void reseal(struct buf *b)
{
	uint32_t crc = crc32c(0, b->data, b->len - 4);

	for (int i = 0; i < 4; i++)
		b->data[b->len - 4 + (size_t)i] = (char)(crc >> (8 * i));
}

/* Decoding p[0..len) fails and the message contains want. */
static void assert_refused(const void *p, size_t len, uint64_t max_raw,
			   const char *want)
{
	struct backup_header h;
	struct backup_err err = {{0}};
	struct snap_info info;
	struct buf raw;

	buf_init(&raw);
	assert_int_equal(backup_decode(p, len, max_raw, &h, &raw, &info, &err),
			 -1);
	assert_int_equal(raw.len, 0);
	assert_int_equal(info.keys, 0);
	if (strstr(err.msg, want) == NULL)
		fail_msg("expected an error containing '%s', got '%s'", want,
			 err.msg);
	buf_free(&raw);
}

static void test_round_trip(void **state)
{
	struct buf file, snap, raw;
	struct backup_header h;
	struct backup_err err = {{0}};
	struct snap_info info;
	const char *why = NULL;
	fsm *orig = sample_fsm(), *back = NULL;

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	buf_init(&raw);
	sample_backup(&file, &snap);
	assert_int_equal(backup_decode(file.data, file.len,
				       BACKUP_MAX_RAW_DEFAULT, &h, &raw, &info,
				       &err), 0);
	assert_int_equal(h.version, BACKUP_VERSION);
	assert_int_equal(h.flags, BACKUP_F_LZ4);
	assert_int_equal(h.term, TERM);
	assert_int_equal(h.index, INDEX);
	assert_int_equal(h.created_ms, 1234567);
	assert_int_equal(h.node_id, 2);
	assert_int_equal(h.raw_len, snap.len);
	assert_true(h.comp_len < snap.len); /* it did compress */
	assert_int_equal(raw.len, snap.len);
	assert_memory_equal(raw.data, snap.data, snap.len);
	assert_int_equal(info.keys, 30);
	assert_int_equal(info.sessions, 1);
	assert_int_equal(info.locks, 1);
	assert_int_equal(info.members, 2);
	assert_int_equal(info.term, TERM);
	assert_int_equal(info.index, INDEX);
	assert_int_equal(snap_decode(raw.data, raw.len, &back, NULL, &why), 0);
	assert_same_fsm(orig, back);
	fsm_free(back);
	fsm_free(orig);
	buf_free(&file);
	buf_free(&snap);
	buf_free(&raw);
}

/* An empty state still makes a valid backup. */
static void test_empty_state(void **state)
{
	struct buf file, snap, raw;
	struct backup_header h = {.term = 1, .index = 1};
	struct backup_err err;
	struct snap_info info;
	fsm *f = fsm_new();

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	buf_init(&raw);
	assert_int_equal(snap_encode(f, 1, 1, &snap), 0);
	assert_int_equal(backup_encode(snap.data, snap.len, &h, &file), 0);
	assert_int_equal(backup_decode(file.data, file.len, 1 << 20, &h, &raw,
				       &info, &err), 0);
	assert_int_equal(info.keys, 0);
	fsm_free(f);
	buf_free(&file);
	buf_free(&snap);
	buf_free(&raw);
}

/* A highly compressible state (one value of zeros) is not taken for a
 * lying header by the expansion bound. */
static void test_compressible(void **state)
{
	struct buf file, snap, raw;
	struct backup_header h = {.term = 1, .index = 2};
	struct backup_err err;
	struct snap_info info;
	size_t vlen = 8u << 20;
	char *zeros = calloc(1, vlen);
	fsm *f = fsm_new();

	(void)state;
	assert_non_null(zeros);
	buf_init(&file);
	buf_init(&snap);
	buf_init(&raw);
	run(f, 2, 0, KV(FSM_OP_PUT, 0, S("z"), {zeros, vlen}));
	assert_int_equal(snap_encode(f, 1, 2, &snap), 0);
	assert_int_equal(backup_encode(snap.data, snap.len, &h, &file), 0);
	assert_true(h.comp_len * 100 < h.raw_len);
	assert_int_equal(backup_decode(file.data, file.len,
				       BACKUP_MAX_RAW_DEFAULT, &h, &raw, &info,
				       &err), 0);
	assert_int_equal(info.data_bytes, vlen + 1);
	free(zeros);
	fsm_free(f);
	buf_free(&file);
	buf_free(&snap);
	buf_free(&raw);
}

/* Every proper prefix is refused as truncated, and extra bytes too. */
static void test_truncated(void **state)
{
	struct buf file, snap;

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	sample_backup(&file, &snap);
	for (size_t n = 0; n < file.len; n++)
		assert_refused(file.data, n, BACKUP_MAX_RAW_DEFAULT, "truncated");
	assert_int_equal(buf_append(&file, "x", 1), 0);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "1 unexpected bytes after the end");
	buf_free(&file);
	buf_free(&snap);
}

/* Every single flipped bit anywhere is refused (most by the checksum; in
 * the header, some earlier by the field they land in). */
static void test_flipped_bits(void **state)
{
	struct buf file, snap, raw;
	struct backup_header h;
	struct backup_err err;

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	buf_init(&raw);
	sample_backup(&file, &snap);
	for (size_t i = 0; i < file.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			err.msg[0] = '\0';
			file.data[i] ^= (char)(1 << bit);
			assert_int_equal(backup_decode(file.data, file.len,
						       BACKUP_MAX_RAW_DEFAULT,
						       &h, &raw, NULL, &err),
					 -1);
			assert_true(err.msg[0] != '\0');
			if (i >= BACKUP_HDR_LEN)
				assert_non_null(strstr(err.msg,
						       "checksum mismatch"));
			file.data[i] ^= (char)(1 << bit);
		}
	}
	buf_free(&file);
	buf_free(&snap);
	buf_free(&raw);
}

static void test_wrong_magic_version_flags(void **state)
{
	struct buf file, snap;

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	sample_backup(&file, &snap);
	/* a bare snapshot, or a bare LZ4 frame, is not a backup */
	assert_refused(snap.data, snap.len, BACKUP_MAX_RAW_DEFAULT,
		       "not a raftd backup");
	assert_refused(file.data + BACKUP_HDR_LEN, file.len - BACKUP_HDR_LEN,
		       BACKUP_MAX_RAW_DEFAULT, "not a raftd backup");
	file.data[8] = 2;
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "version 2 is not supported");
	file.data[8] = 1;
	file.data[12] = 3;
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "unknown flags 0x3");
	buf_free(&file);
	buf_free(&snap);
}

/* Lengths that lie, behind a correct checksum. */
static void test_lying_lengths(void **state)
{
	struct buf file, snap;
	uint64_t raw_len;

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	sample_backup(&file, &snap);
	raw_len = snap.len;
	/* absurd raw lengths are refused before anything is allocated */
	put64(&file, 32, UINT64_MAX);
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "over the limit");
	put64(&file, 32, 0);
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "snapshot length is 0");
	put64(&file, 32, (file.len - 68) * 256 + 2048);
	reseal(&file);
	assert_refused(file.data, file.len, UINT64_MAX, "cannot hold");
	/* the caller's limit */
	put64(&file, 32, raw_len);
	reseal(&file);
	assert_refused(file.data, file.len, raw_len - 1, "over the limit");
	/* one byte more or less than the frame holds */
	put64(&file, 32, raw_len + 1);
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "the frame declares");
	put64(&file, 32, raw_len - 1);
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "the frame declares");
	put64(&file, 32, raw_len);
	/* a compressed length that does not match the file */
	put64(&file, 40, file.len - 68 + 1);
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT, "truncated");
	put64(&file, 40, file.len - 68 - 1);
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "unexpected bytes");
	put64(&file, 40, UINT64_MAX - 10);
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "impossible");
	buf_free(&file);
	buf_free(&snap);
}

/* Damage inside the frame with the outer checksum recomputed: LZ4's own
 * content checksum or block decoding catches it. */
static void test_damaged_frame(void **state)
{
	struct buf file, snap;
	size_t mid;

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	sample_backup(&file, &snap);
	mid = BACKUP_HDR_LEN + (file.len - BACKUP_HDR_LEN - 4) / 2;
	file.data[mid] ^= 0x20;
	reseal(&file);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "corrupt compressed data");
	buf_free(&file);
	buf_free(&snap);
}

/* A well-formed frame around something that is not a valid snapshot, and
 * a valid snapshot whose term or index disagrees with the header. */
static void test_bad_snapshot_inside(void **state)
{
	struct buf file, snap;
	struct backup_header h = {.term = TERM, .index = INDEX};

	(void)state;
	buf_init(&file);
	buf_init(&snap);
	sample_snapshot(&snap);
	snap.data[snap.len / 2] ^= 1;
	assert_int_equal(backup_encode(snap.data, snap.len, &h, &file), 0);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "the snapshot inside is invalid");
	snap.data[snap.len / 2] ^= 1;
	h.index = INDEX + 1;
	assert_int_equal(backup_encode(snap.data, snap.len, &h, &file), 0);
	assert_refused(file.data, file.len, BACKUP_MAX_RAW_DEFAULT,
		       "the header says term 7 index 41");
	buf_free(&file);
	buf_free(&snap);
}

static void test_set_members(void **state)
{
	const struct fsm_member ms[3] = {
		{1, "10.0.0.1:1", 10, "10.0.0.1:2", 10},
		{5, "10.0.0.5:1", 10, "10.0.0.5:2", 10},
		{9, "10.0.0.9:1", 10, "10.0.0.9:2", 10},
	};
	struct buf snap;
	struct backup_err err = {{0}};
	struct fsm_member m;
	const char *why = NULL;
	fsm *f = NULL, *orig = sample_fsm();

	(void)state;
	buf_init(&snap);
	sample_snapshot(&snap);
	assert_int_equal(backup_set_members(&snap, ms, 3, &err), 0);
	assert_int_equal(snap_decode(snap.data, snap.len, &f, NULL, &why), 0);
	assert_int_equal(fsm_member_count(f), 3);
	assert_int_equal(fsm_member_get(f, 2, &m), 0);
	assert_int_equal(fsm_member_get(f, 5, &m), 1);
	assert_string_equal(m.raft_addr, "10.0.0.5:1");
	assert_string_equal(m.client_addr, "10.0.0.5:2");
	/* everything else is as it was */
	assert_int_equal(fsm_count(f), fsm_count(orig));
	assert_int_equal(fsm_session_count(f), 1);
	assert_int_equal(fsm_lock_count(f), 1);
	assert_int_equal(fsm_applied_index(f), INDEX);
	fsm_free(f);
	/* out of order: refused, and the snapshot is not left half written */
	assert_int_equal(backup_set_members(&snap, (const struct fsm_member[]){
		ms[1], ms[0]}, 2, &err), -1);
	assert_non_null(strstr(err.msg, "out of order"));
	assert_int_equal(snap.len, 0);
	fsm_free(orig);
	buf_free(&snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_state),
		cmocka_unit_test(test_compressible),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flipped_bits),
		cmocka_unit_test(test_wrong_magic_version_flags),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_damaged_frame),
		cmocka_unit_test(test_bad_snapshot_inside),
		cmocka_unit_test(test_set_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
