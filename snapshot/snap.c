/* snap.c - writing and reading raftd snapshots (the layout is in snap.h).
 *
 * Encoding knows the exact size before it starts (fixed bytes per key plus
 * the fsm's data bytes), reserves it once and copies each entry straight into
 * place from a walk over the map, so a million keys cost one allocation and
 * one pass, plus one pass of checksumming.
 *
 * Decoding trusts nothing: the magic and version first (so a newer format
 * gets a message naming the cause, not "checksum mismatch"), then the
 * checksum over the whole buffer, then every length against the bytes that
 * remain, the index rules and the strict key order, while building a fresh
 * fsm that is freed on any error.
 */
#include "snapshot/snap.h"

#include <stdbool.h>
#include <string.h>

#include "fsm/map.h" /* map_keycmp: the one definition of key order */
#include "snapshot/crc32c.h"

#define SNAP_HDR_LEN 32
#define SNAP_SECTION_HDR_LEN 16
#define SNAP_KV_HDR_LEN 16
#define SNAP_ENTRY_HDR_LEN 24
#define SNAP_CRC_LEN 4

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
	uint64_t keys;
};

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
	e->keys++;
	return 0;
}

int snap_encode(const fsm *f, uint64_t term, uint64_t index, struct buf *out)
{
	uint64_t keys = fsm_count(f), data = fsm_data_bytes(f);
	uint64_t body = SNAP_KV_HDR_LEN + keys * SNAP_ENTRY_HDR_LEN + data;
	uint64_t total = SNAP_HDR_LEN + SNAP_SECTION_HDR_LEN + body + SNAP_CRC_LEN;
	unsigned char *p;
	struct enc e;

	buf_reset(out);
	if (total > SIZE_MAX || buf_reserve(out, (size_t)total) != 0)
		return -1;
	p = (unsigned char *)out->data;
	memcpy(p, snap_magic, sizeof(snap_magic));
	put_u32(p + 8, SNAP_VERSION);
	put_u32(p + 12, 1);
	put_u64(p + 16, term);
	put_u64(p + 24, index);
	p += SNAP_HDR_LEN;
	put_u32(p, SNAP_TAG_KV);
	put_u32(p + 4, 0);
	put_u64(p + 8, body);
	p += SNAP_SECTION_HDR_LEN;
	put_u64(p, keys);
	put_u64(p + 8, data);
	e.p = p + SNAP_KV_HDR_LEN;
	e.keys = 0;
	fsm_scan(f, NULL, 0, NULL, 0, SIZE_MAX, enc_entry, &e);
	out->len = (size_t)(total - SNAP_CRC_LEN);
	put_u32(e.p, crc32c(0, out->data, out->len));
	out->len += SNAP_CRC_LEN;
	return 0;
}

/* ---- decoding ------------------------------------------------------------- */

struct dec {
	const unsigned char *p;
	size_t left;
	fsm *f;
	const char *err;
};

static bool dec_fail(struct dec *d, const char *why)
{
	d->err = why;
	return false;
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

static bool dec_sections(struct dec *d, uint32_t nsections,
			 struct snap_info *info)
{
	bool have_kv = false;
	uint32_t i;

	for (i = 0; i < nsections; i++) {
		uint32_t tag;
		uint64_t blen;
		struct dec body;

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
		if (tag != SNAP_TAG_KV)
			return dec_fail(d, "snapshot has a section this raftd does "
					   "not know (written by a newer "
					   "version?)");
		if (have_kv)
			return dec_fail(d, "snapshot has two key-value sections");
		have_kv = true;
		body = *d;
		body.left = (size_t)blen;
		if (!dec_kv(&body, info)) {
			d->err = body.err;
			return false;
		}
		d->p += blen;
		d->left -= (size_t)blen;
	}
	if (!have_kv)
		return dec_fail(d, "snapshot has no key-value section");
	if (d->left != 0)
		return dec_fail(d, "snapshot has trailing bytes after its "
				   "sections");
	return true;
}

int snap_decode(const void *p, size_t len, fsm **out, struct snap_info *info,
		const char **err)
{
	const unsigned char *b = p;
	struct snap_info scratch;
	struct dec d;
	uint32_t nsections;

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
	d.err = NULL;
	d.f = fsm_new();
	if (d.f == NULL) {
		*err = "out of memory loading snapshot";
		return -1;
	}
	if (!dec_sections(&d, nsections, info)) {
		fsm_free(d.f);
		*err = d.err;
		info->keys = 0;
		info->data_bytes = 0;
		return -1;
	}
	fsm_set_applied_index(d.f, info->index);
	*out = d.f;
	return 0;
}
