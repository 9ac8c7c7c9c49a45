/* snap.c - writing and reading raftd snapshots (the layout is in snap.h).
 *
 * Encoding knows the exact size before it starts (fixed bytes per key,
 * session, stored result and lock, plus the fsm's data and lock-name
 * bytes), reserves it once and copies each record straight into place from
 * walks over the fsm, so a million keys cost one allocation and one pass,
 * plus one pass of checksumming.
 *
 * Decoding trusts nothing: the magic and version first (so a newer format
 * gets a message naming the cause, not "checksum mismatch"), then the
 * checksum over the whole buffer, then the sections in the order the
 * version prescribes, every length against the bytes that remain, every
 * field against the rules of fsm/state.h and the strict order of keys, ids
 * and names, while building a fresh fsm that is freed on any error. The
 * scalars come before the sessions and the sessions before the locks, so
 * each record can be checked against what precedes it (a session against
 * cluster time, a lock's holder against the sessions).
 */
#include "snapshot/snap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fsm/map.h"   /* map_keycmp: the one definition of key order */
#include "fsm/state.h" /* sessions, locks, scalars */
#include "snapshot/crc32c.h"

#define SNAP_HDR_LEN 32
#define SNAP_SECTION_HDR_LEN 16
#define SNAP_KV_HDR_LEN 16
#define SNAP_ENTRY_HDR_LEN 24
#define SNAP_FSM_LEN 16
#define SNAP_SESS_HDR_LEN 16
#define SNAP_SESSION_LEN 48
#define SNAP_RESULT_LEN 32
#define SNAP_LOCKS_HDR_LEN 16
#define SNAP_LOCK_LEN 24
#define SNAP_MEMBERS_HDR_LEN 16
#define SNAP_MEMBER_LEN 16
#define SNAP_CRC_LEN 4
#define SNAP_V2_SECTIONS 4
#define SNAP_V3_SECTIONS 5

static const unsigned char snap_magic[8] = {0x9b, 'R', 'D', 'S',
					    'N',  'A', 'P', '\n'};

/* ---- little-endian fixed widths ------------------------------------------ */

static void put_u32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- encoding ------------------------------------------------------------- */

struct enc {
	unsigned char *p; /* next byte to write, inside reserved space */
};

static unsigned char *enc_section(unsigned char *p, uint32_t tag,
				  uint64_t body)
{
	put_u32(p, tag);
	put_u32(p + 4, 0);
	put_u64(p + 8, body);
	return p + SNAP_SECTION_HDR_LEN;
}

static int enc_entry(void *arg, const struct fsm_kv *kv)
{
	struct enc *e = arg;

	put_u32(e->p, (uint32_t)kv->klen);
	put_u32(e->p + 4, (uint32_t)kv->vlen);
	put_u64(e->p + 8, kv->create_index);
	put_u64(e->p + 16, kv->mod_index);
	e->p += SNAP_ENTRY_HDR_LEN;
	if (kv->klen > 0)
		memcpy(e->p, kv->key, kv->klen);
	e->p += kv->klen;
	if (kv->vlen > 0)
		memcpy(e->p, kv->val, kv->vlen);
	e->p += kv->vlen;
	return 0;
}

static int enc_session(void *arg, const struct fsm_session_rec *s)
{
	struct enc *e = arg;
	size_t i;

	put_u64(e->p, s->id);
	put_u64(e->p + 8, s->timeout_ms);
	put_u64(e->p + 16, s->last_ms);
	put_u64(e->p + 24, s->highest_seq);
	put_u64(e->p + 32, s->ack);
	put_u32(e->p + 40, (uint32_t)s->nresults);
	put_u32(e->p + 44, 0);
	e->p += SNAP_SESSION_LEN;
	for (i = 0; i < s->nresults; i++) {
		const struct fsm_seq_result *r = &s->results[i];

		put_u64(e->p, r->seq);
		put_u64(e->p + 8, r->index);
		put_u64(e->p + 16, (uint64_t)r->num);
		memset(e->p + 24, 0, 8);
		e->p[24] = r->status;
		e->p += SNAP_RESULT_LEN;
	}
	return 0;
}

static int enc_lock(void *arg, const struct fsm_lock_rec *l)
{
	struct enc *e = arg;

	put_u32(e->p, (uint32_t)l->len);
	put_u32(e->p + 4, 0);
	put_u64(e->p + 8, l->holder);
	put_u64(e->p + 16, l->newest);
	e->p += SNAP_LOCK_LEN;
	if (l->len > 0)
		memcpy(e->p, l->name, l->len);
	e->p += l->len;
	return 0;
}

static int enc_member(void *arg, const struct fsm_member *m)
{
	struct enc *e = arg;

	put_u64(e->p, m->id);
	put_u32(e->p + 8, (uint32_t)m->raft_len);
	put_u32(e->p + 12, (uint32_t)m->client_len);
	e->p += SNAP_MEMBER_LEN;
	memcpy(e->p, m->raft_addr, m->raft_len);
	e->p += m->raft_len;
	memcpy(e->p, m->client_addr, m->client_len);
	e->p += m->client_len;
	return 0;
}

/* The five section bodies' lengths, in order. */
static void body_lengths(const fsm *f, uint64_t len[SNAP_V3_SECTIONS])
{
	len[0] = SNAP_KV_HDR_LEN + fsm_count(f) * SNAP_ENTRY_HDR_LEN +
		 fsm_data_bytes(f);
	len[1] = SNAP_FSM_LEN;
	len[2] = SNAP_SESS_HDR_LEN + fsm_session_count(f) * SNAP_SESSION_LEN +
		 fsm_stored_results(f) * SNAP_RESULT_LEN;
	len[3] = SNAP_LOCKS_HDR_LEN + fsm_lock_count(f) * SNAP_LOCK_LEN +
		 fsm_lock_name_bytes(f);
	len[4] = SNAP_MEMBERS_HDR_LEN + fsm_member_count(f) * SNAP_MEMBER_LEN +
		 fsm_member_addr_bytes(f);
}

uint64_t snap_encoded_size(const fsm *f)
{
	uint64_t body[SNAP_V3_SECTIONS], total = SNAP_HDR_LEN + SNAP_CRC_LEN;

	body_lengths(f, body);
	for (int i = 0; i < SNAP_V3_SECTIONS; i++)
		total += SNAP_SECTION_HDR_LEN + body[i];
	return total;
}

int snap_encode(const fsm *f, uint64_t term, uint64_t index, struct buf *out)
{
	uint64_t total = snap_encoded_size(f);

	buf_reset(out);
	if (total > SIZE_MAX || buf_reserve(out, (size_t)total) != 0)
		return -1;
	snap_encode_into(f, term, index, out->data);
	out->len = (size_t)total;
	return 0;
}

void snap_encode_into(const fsm *f, uint64_t term, uint64_t index, void *dst)
{
	uint64_t body[SNAP_V3_SECTIONS];
	unsigned char *p = dst;
	struct enc e;

	body_lengths(f, body);
	memcpy(p, snap_magic, sizeof(snap_magic));
	put_u32(p + 8, SNAP_VERSION);
	put_u32(p + 12, SNAP_V3_SECTIONS);
	put_u64(p + 16, term);
	put_u64(p + 24, index);
	p = enc_section(p + SNAP_HDR_LEN, SNAP_TAG_KV, body[0]);
	put_u64(p, fsm_count(f));
	put_u64(p + 8, fsm_data_bytes(f));
	e.p = p + SNAP_KV_HDR_LEN;
	fsm_scan(f, NULL, 0, NULL, 0, SIZE_MAX, enc_entry, &e);

	p = enc_section(e.p, SNAP_TAG_FSM, body[1]);
	put_u64(p, fsm_cluster_time(f));
	put_u64(p + 8, fsm_next_session_id(f));

	p = enc_section(p + SNAP_FSM_LEN, SNAP_TAG_SESSIONS, body[2]);
	put_u64(p, fsm_session_count(f));
	put_u64(p + 8, fsm_stored_results(f));
	e.p = p + SNAP_SESS_HDR_LEN;
	fsm_sessions_visit(f, enc_session, &e);

	p = enc_section(e.p, SNAP_TAG_LOCKS, body[3]);
	put_u64(p, fsm_lock_count(f));
	put_u64(p + 8, fsm_lock_name_bytes(f));
	e.p = p + SNAP_LOCKS_HDR_LEN;
	fsm_locks_visit(f, enc_lock, &e);

	p = enc_section(e.p, SNAP_TAG_MEMBERS, body[4]);
	put_u64(p, fsm_member_count(f));
	put_u64(p + 8, fsm_member_addr_bytes(f));
	e.p = p + SNAP_MEMBERS_HDR_LEN;
	fsm_members_visit(f, enc_member, &e);

	put_u32(e.p, crc32c(0, dst, (size_t)(e.p - (unsigned char *)dst)));
}

/* ---- replacing the member table ------------------------------------------- */

/* The offset of the member section of a valid version-3 encoding: the last
 * section, which ends where the checksum begins. 0 when it is not there. */
static size_t members_offset(const unsigned char *p, size_t len)
{
	size_t off = SNAP_HDR_LEN;

	if (len < SNAP_HDR_LEN + SNAP_CRC_LEN || get_u32(p + 8) != SNAP_VERSION)
		return 0;
	for (uint32_t i = 0; i < get_u32(p + 12); i++) {
		uint64_t body;

		if (len - SNAP_CRC_LEN - off < SNAP_SECTION_HDR_LEN)
			return 0;
		body = get_u64(p + off + 8);
		if (body > len - SNAP_CRC_LEN - off - SNAP_SECTION_HDR_LEN)
			return 0;
		if (get_u32(p + off) == SNAP_TAG_MEMBERS &&
		    off + SNAP_SECTION_HDR_LEN + body == len - SNAP_CRC_LEN)
			return off;
		off += SNAP_SECTION_HDR_LEN + (size_t)body;
	}
	return 0;
}

/* The same rules the decoder applies to a member table. */
static int members_ok(const struct fsm_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].id == 0 || (i > 0 && m[i].id <= m[i - 1].id) ||
		    !fsm_member_addr_ok(m[i].raft_len) ||
		    !fsm_member_addr_ok(m[i].client_len))
			return 0;
	return 1;
}

int snap_replace_members(struct buf *snap, const struct fsm_member *m,
			 size_t n, const char **err)
{
	size_t off = members_offset((const unsigned char *)snap->data, snap->len);
	uint64_t addr = 0, body = SNAP_MEMBERS_HDR_LEN;
	unsigned char *p;
	struct enc e;

	if (off == 0) {
		*err = "no version-3 member table to replace";
		return -1;
	}
	if (!members_ok(m, n)) {
		*err = "a member is out of order or has a bad address";
		buf_reset(snap);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		addr += m[i].raft_len + m[i].client_len;
		body += SNAP_MEMBER_LEN + m[i].raft_len + m[i].client_len;
	}
	snap->len = off;
	if (buf_reserve(snap, SNAP_SECTION_HDR_LEN + (size_t)body +
				   SNAP_CRC_LEN) != 0) {
		*err = "out of memory";
		buf_reset(snap);
		return -1;
	}
	p = enc_section((unsigned char *)snap->data + off, SNAP_TAG_MEMBERS,
			body);
	put_u64(p, n);
	put_u64(p + 8, addr);
	e.p = p + SNAP_MEMBERS_HDR_LEN;
	for (size_t i = 0; i < n; i++)
		enc_member(&e, &m[i]);
	snap->len = (size_t)(e.p - (unsigned char *)snap->data);
	put_u32(e.p, crc32c(0, snap->data, snap->len));
	snap->len += SNAP_CRC_LEN;
	return 0;
}

/* ---- decoding ------------------------------------------------------------- */

struct dec {
	const unsigned char *p;
	size_t left; /* bytes of the current section (or of all sections) */
	fsm *f;
	const char *err;
	uint32_t version;
	uint64_t index;        /* the snapshot's applied index */
	uint64_t cluster_time; /* from the scalars section */
	uint64_t next_id;
	struct fsm_seq_result *scratch; /* one session's results */
	size_t scratch_cap;
};

static bool dec_fail(struct dec *d, const char *why)
{
	d->err = why;
	return false;
}

/* The next n bytes of the section, or NULL when fewer remain. */
static const unsigned char *take(struct dec *d, uint64_t n)
{
	const unsigned char *p = d->p;

	if (n > d->left)
		return NULL;
	d->p += n;
	d->left -= (size_t)n;
	return p;
}

static bool dec_kv(struct dec *d, struct snap_info *info)
{
	uint64_t count, data, i;
	struct fsm_kv prev = {0}, kv;

	if (d->left < SNAP_KV_HDR_LEN)
		return dec_fail(d, "snapshot key-value section is truncated");
	count = get_u64(d->p);
	data = get_u64(d->p + 8);
	d->p += SNAP_KV_HDR_LEN;
	d->left -= SNAP_KV_HDR_LEN;
	for (i = 0; i < count; i++) {
		uint32_t klen, vlen;

		if (d->left < SNAP_ENTRY_HDR_LEN)
			return dec_fail(d, "snapshot entry is truncated");
		klen = get_u32(d->p);
		vlen = get_u32(d->p + 4);
		kv.create_index = get_u64(d->p + 8);
		kv.mod_index = get_u64(d->p + 16);
		if (klen > FSM_MAX_KEY || vlen > FSM_MAX_VALUE)
			return dec_fail(d, "snapshot entry exceeds the size limits");
		if ((uint64_t)klen + vlen > d->left - SNAP_ENTRY_HDR_LEN)
			return dec_fail(d, "snapshot entry is truncated");
		if (kv.create_index > kv.mod_index)
			return dec_fail(d, "snapshot entry was modified before "
					   "it was created");
		kv.key = d->p + SNAP_ENTRY_HDR_LEN;
		kv.klen = klen;
		kv.val = d->p + SNAP_ENTRY_HDR_LEN + klen;
		kv.vlen = vlen;
		if (i > 0 && map_keycmp(prev.key, prev.klen, kv.key, kv.klen) >= 0)
			return dec_fail(d, "snapshot keys are not in strictly "
					   "increasing order");
		if (fsm_load_kv(d->f, &kv) != 0)
			return dec_fail(d, "out of memory loading snapshot");
		prev = kv;
		d->p += SNAP_ENTRY_HDR_LEN + (size_t)klen + vlen;
		d->left -= SNAP_ENTRY_HDR_LEN + (size_t)klen + vlen;
	}
	if (d->left != 0)
		return dec_fail(d, "snapshot key-value section has trailing "
				   "bytes");
	if (fsm_data_bytes(d->f) != data)
		return dec_fail(d, "snapshot data size does not match its "
				   "entries");
	info->keys = count;
	info->data_bytes = data;
	return true;
}

/* Ids and tokens are handed out in an int64 reply, so none is larger. */
static bool dec_fsm(struct dec *d)
{
	const unsigned char *h = take(d, SNAP_FSM_LEN);

	if (h == NULL)
		return dec_fail(d, "snapshot fsm section is truncated");
	d->cluster_time = get_u64(h);
	d->next_id = get_u64(h + 8);
	if (d->next_id == 0 || d->next_id > (uint64_t)INT64_MAX + 1)
		return dec_fail(d, "snapshot next session id is out of range");
	fsm_load_scalars(d->f, d->cluster_time, d->next_id);
	return true;
}

static bool status_storable(uint8_t st)
{
	return st <= FSM_FENCED && st != FSM_SESSION_EXPIRED &&
	       st != FSM_BAD_SEQ;
}

/* One session's results into d->scratch, checked against its fields. */
static bool dec_results(struct dec *d, const struct fsm_session_rec *s,
			size_t n)
{
	const unsigned char *p = take(d, (uint64_t)n * SNAP_RESULT_LEN);
	static const unsigned char zeros[7] = {0};
	size_t i;

	if (p == NULL)
		return dec_fail(d, "snapshot session results are truncated");
	if (n > d->scratch_cap) {
		struct fsm_seq_result *r = realloc(d->scratch, n * sizeof(*r));

		if (r == NULL)
			return dec_fail(d, "out of memory loading snapshot");
		d->scratch = r;
		d->scratch_cap = n;
	}
	for (i = 0; i < n; i++, p += SNAP_RESULT_LEN) {
		struct fsm_seq_result *r = &d->scratch[i];

		r->seq = get_u64(p);
		r->index = get_u64(p + 8);
		r->num = (int64_t)get_u64(p + 16);
		r->status = p[24];
		if (memcmp(p + 25, zeros, sizeof(zeros)) != 0)
			return dec_fail(d,
					"snapshot session result is corrupt");
		if (r->seq < s->ack || r->seq > s->highest_seq ||
		    (i > 0 && r->seq <= d->scratch[i - 1].seq))
			return dec_fail(d, "snapshot session results are out "
					   "of order or outside [ack, highest "
					   "seq]");
		if (!status_storable(r->status))
			return dec_fail(d, "snapshot session result has an "
					   "invalid status");
		if (r->index == 0 || r->index > d->index)
			return dec_fail(d, "snapshot session result index is "
					   "outside the log");
	}
	if (s->highest_seq != 0 &&
	    (n == 0 || d->scratch[n - 1].seq != s->highest_seq))
		return dec_fail(d, "snapshot session lacks the result of its "
				   "highest seq");
	return true;
}

/* The rules of fsm/state.h for one session record. */
static bool dec_session(struct dec *d, uint64_t prev_id, uint64_t *id,
			uint64_t *nres)
{
	const unsigned char *h = take(d, SNAP_SESSION_LEN);
	struct fsm_session_rec s;
	uint32_t n;

	if (h == NULL)
		return dec_fail(d, "snapshot session is truncated");
	s.id = get_u64(h);
	s.timeout_ms = get_u64(h + 8);
	s.last_ms = get_u64(h + 16);
	s.highest_seq = get_u64(h + 24);
	s.ack = get_u64(h + 32);
	n = get_u32(h + 40);
	if (get_u32(h + 44) != 0)
		return dec_fail(d, "snapshot session is corrupt");
	if (s.id <= prev_id || s.id >= d->next_id)
		return dec_fail(d, "snapshot session ids are not increasing or "
				   "not below the next session id");
	if (s.timeout_ms < FSM_SESSION_MIN_TIMEOUT ||
	    s.timeout_ms > FSM_SESSION_MAX_TIMEOUT)
		return dec_fail(d, "snapshot session timeout is out of range");
	if (s.last_ms > d->cluster_time ||
	    fsm_session_deadline(s.last_ms, s.timeout_ms) < d->cluster_time)
		return dec_fail(d, "snapshot session activity does not fit "
				   "cluster time (or it should have expired)");
	if (s.ack == 0 ||
	    (s.highest_seq == 0 ? s.ack != 1 : s.ack > s.highest_seq))
		return dec_fail(d, "snapshot session ack does not fit its "
				   "highest seq");
	if (n > FSM_SESSION_MAX_PENDING)
		return dec_fail(d, "snapshot session holds too many results");
	if (!dec_results(d, &s, n))
		return false;
	s.nresults = n;
	s.results = d->scratch;
	if (fsm_load_session(d->f, &s) != 0)
		return dec_fail(d, "out of memory loading snapshot");
	*id = s.id;
	*nres = n;
	return true;
}

static bool dec_sessions(struct dec *d, struct snap_info *info)
{
	const unsigned char *h = take(d, SNAP_SESS_HDR_LEN);
	uint64_t count, results, sum = 0, id = 0, i;

	if (h == NULL)
		return dec_fail(d, "snapshot sessions section is truncated");
	count = get_u64(h);
	results = get_u64(h + 8);
	for (i = 0; i < count; i++) {
		uint64_t n;

		if (!dec_session(d, id, &id, &n))
			return false;
		sum += n;
	}
	if (sum != results)
		return dec_fail(d, "snapshot result count does not match its "
				   "sessions");
	info->sessions = count;
	return true;
}

static bool dec_lock(struct dec *d, struct fsm_lock_rec *prev, bool first)
{
	const unsigned char *h = take(d, SNAP_LOCK_LEN);
	struct fsm_lock_rec l;

	if (h == NULL)
		return dec_fail(d, "snapshot lock is truncated");
	l.len = get_u32(h);
	l.holder = get_u64(h + 8);
	l.newest = get_u64(h + 16);
	if (get_u32(h + 4) != 0)
		return dec_fail(d, "snapshot lock is corrupt");
	if (l.len > FSM_MAX_KEY)
		return dec_fail(d, "snapshot lock name exceeds the size "
				   "limits");
	l.name = take(d, l.len);
	if (l.name == NULL)
		return dec_fail(d, "snapshot lock is truncated");
	if (l.newest == 0 || l.newest > INT64_MAX)
		return dec_fail(d, "snapshot lock token is out of range");
	if (l.holder != 0 && !fsm_has_session(d->f, l.holder))
		return dec_fail(d, "snapshot lock is held by a session it does "
				   "not have");
	if (!first && map_keycmp(prev->name, prev->len, l.name, l.len) >= 0)
		return dec_fail(d, "snapshot lock names are not in strictly "
				   "increasing order");
	if (fsm_load_lock(d->f, &l) != 0)
		return dec_fail(d, "out of memory loading snapshot");
	*prev = l;
	return true;
}

static bool dec_locks(struct dec *d, struct snap_info *info)
{
	const unsigned char *h = take(d, SNAP_LOCKS_HDR_LEN);
	struct fsm_lock_rec prev = {0};
	uint64_t count, names, sum = 0, i;

	if (h == NULL)
		return dec_fail(d, "snapshot locks section is truncated");
	count = get_u64(h);
	names = get_u64(h + 8);
	for (i = 0; i < count; i++) {
		if (!dec_lock(d, &prev, i == 0))
			return false;
		sum += prev.len;
	}
	if (sum != names)
		return dec_fail(d, "snapshot lock name size does not match its "
				   "locks");
	info->locks = count;
	return true;
}

/* One member: id above the previous one, both addresses of a valid
 * length. */
static bool dec_member(struct dec *d, uint64_t prev_id, struct fsm_member *m)
{
	const unsigned char *h = take(d, SNAP_MEMBER_LEN);

	if (h == NULL)
		return dec_fail(d, "snapshot member is truncated");
	m->id = get_u64(h);
	m->raft_len = get_u32(h + 8);
	m->client_len = get_u32(h + 12);
	if (m->id == 0 || m->id <= prev_id)
		return dec_fail(d, "snapshot member ids are zero or not "
				   "increasing");
	if (!fsm_member_addr_ok(m->raft_len) ||
	    !fsm_member_addr_ok(m->client_len))
		return dec_fail(d, "snapshot member address length is out of "
				   "range");
	m->raft_addr = (const char *)take(d, m->raft_len);
	m->client_addr = (const char *)take(d, m->client_len);
	if (m->raft_addr == NULL || m->client_addr == NULL)
		return dec_fail(d, "snapshot member is truncated");
	if (fsm_load_member(d->f, m) != 0)
		return dec_fail(d, "out of memory loading snapshot");
	return true;
}

static bool dec_members(struct dec *d, struct snap_info *info)
{
	const unsigned char *h = take(d, SNAP_MEMBERS_HDR_LEN);
	struct fsm_member m = {0};
	uint64_t count, bytes, sum = 0, i;

	if (h == NULL)
		return dec_fail(d, "snapshot members section is truncated");
	count = get_u64(h);
	bytes = get_u64(h + 8);
	for (i = 0; i < count; i++) {
		if (!dec_member(d, m.id, &m))
			return false;
		sum += m.raft_len + m.client_len;
	}
	if (sum != bytes)
		return dec_fail(d, "snapshot member address size does not "
				   "match its members");
	info->members = count;
	return true;
}

static bool dec_body(struct dec *d, uint32_t tag, struct snap_info *info)
{
	switch (tag) {
	case SNAP_TAG_KV:
		return dec_kv(d, info);
	case SNAP_TAG_FSM:
		return dec_fsm(d);
	case SNAP_TAG_SESSIONS:
		return dec_sessions(d, info);
	case SNAP_TAG_MEMBERS:
		return dec_members(d, info);
	default:
		return dec_locks(d, info);
	}
}

static const char two_kv[] = "snapshot has two key-value sections";
static const char misplaced[] = "snapshot sections are repeated, out of "
				"order, or not of its version";

/* The sections each version holds, in their order. */
static const uint32_t v1_tags[] = {SNAP_TAG_KV};
static const uint32_t v3_tags[SNAP_V3_SECTIONS] = {
	SNAP_TAG_KV, SNAP_TAG_FSM, SNAP_TAG_SESSIONS, SNAP_TAG_LOCKS,
	SNAP_TAG_MEMBERS};

static bool dec_sections(struct dec *d, uint32_t nsections,
			 struct snap_info *info)
{
	/* version 2 holds version 3's sections but the last */
	const uint32_t *want = d->version == 1 ? v1_tags : v3_tags;
	uint32_t nwant = d->version == 1   ? 1
			 : d->version == 2 ? SNAP_V2_SECTIONS
					   : SNAP_V3_SECTIONS,
		 i;

	for (i = 0; i < nsections; i++) {
		uint32_t tag;
		uint64_t blen;
		size_t rest;

		if (d->left < SNAP_SECTION_HDR_LEN)
			return dec_fail(d, "snapshot section header is truncated");
		tag = get_u32(d->p);
		blen = get_u64(d->p + 8);
		if (get_u32(d->p + 4) != 0)
			return dec_fail(d, "snapshot section header is corrupt");
		d->p += SNAP_SECTION_HDR_LEN;
		d->left -= SNAP_SECTION_HDR_LEN;
		if (blen > d->left)
			return dec_fail(d, "snapshot section is truncated");
		if (tag == 0 || tag > SNAP_TAG_MEMBERS)
			return dec_fail(d, "snapshot has a section this raftd does "
					   "not know (written by a newer "
					   "version?)");
		if (i >= nwant || tag != want[i])
			return dec_fail(d, tag == SNAP_TAG_KV ? two_kv : misplaced);
		/* the body is read as if the snapshot ended with it */
		rest = d->left - (size_t)blen;
		d->left = (size_t)blen;
		if (!dec_body(d, tag, info))
			return false;
		if (d->left != 0)
			return dec_fail(d, "snapshot section has trailing "
					   "bytes");
		d->left = rest;
	}
	if (nsections == 0)
		return dec_fail(d, "snapshot has no key-value section");
	if (nsections < nwant)
		return dec_fail(d, "snapshot lacks sections its version holds");
	if (d->left != 0)
		return dec_fail(d, "snapshot has trailing bytes after its "
				   "sections");
	return true;
}

static void info_clear_state(struct snap_info *info)
{
	info->keys = 0;
	info->data_bytes = 0;
	info->sessions = 0;
	info->locks = 0;
	info->members = 0;
}

int snap_decode(const void *p, size_t len, fsm **out, struct snap_info *info,
		const char **err)
{
	const unsigned char *b = p;
	struct snap_info scratch;
	struct dec d = {0};
	uint32_t nsections;
	bool ok;

	if (info == NULL)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	*out = NULL;
	if (len < sizeof(snap_magic) || memcmp(b, snap_magic, 8) != 0) {
		*err = "not a raftd snapshot (bad magic)";
		return -1;
	}
	if (len < SNAP_HDR_LEN + SNAP_CRC_LEN) {
		*err = "snapshot is truncated";
		return -1;
	}
	info->version = get_u32(b + 8);
	info->term = get_u64(b + 16);
	info->index = get_u64(b + 24);
	if (info->version > SNAP_VERSION) {
		*err = "snapshot format version is newer than this raftd reads";
		return -1;
	}
	if (info->version == 0) {
		*err = "snapshot format version 0 is invalid";
		return -1;
	}
	if (crc32c(0, b, len - SNAP_CRC_LEN) != get_u32(b + len - SNAP_CRC_LEN)) {
		*err = "snapshot checksum mismatch (corrupt or truncated)";
		return -1;
	}
	nsections = get_u32(b + 12);
	d.p = b + SNAP_HDR_LEN;
	d.left = len - SNAP_HDR_LEN - SNAP_CRC_LEN;
	d.version = info->version;
	d.index = info->index;
	d.f = fsm_new();
	if (d.f == NULL) {
		*err = "out of memory loading snapshot";
		return -1;
	}
	ok = dec_sections(&d, nsections, info);
	free(d.scratch);
	if (!ok) {
		fsm_free(d.f);
		*err = d.err;
		info_clear_state(info);
		return -1;
	}
	fsm_set_applied_index(d.f, info->index);
	*out = d.f;
	return 0;
}
