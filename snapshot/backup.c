/* backup.c - writing and reading raftd backup files (layout in backup.h).
 *
 * Encoding compresses the whole snapshot with one LZ4F_compressFrame call
 * straight into the output buffer behind the header, so a backup costs the
 * snapshot plus its compressed copy in memory, once.
 *
 * Decoding trusts nothing and allocates nothing before the header has been
 * checked against the file's real length and the raw length against both
 * the caller's limit and the most LZ4 can expand the frame to (LZ4 cannot
 * do better than about 1:255), so a lying header cannot make it reserve
 * gigabytes. Then the checksum over everything, then the frame is inflated
 * into exactly raw_len bytes, and the result goes through snap_decode, which
 * checks every field of the state. Every error message names the file's
 * own numbers, so a user can tell a truncated download from a flipped bit.
 */
#include "snapshot/backup.h"

#include <inttypes.h>
#include <lz4frame.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "snapshot/crc32c.h"

static const unsigned char backup_magic[8] = {0x9b, 'R', 'D', 'B',
					      'A',  'C', 'K', '\n'};

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
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

static int backup_fail(struct backup_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int backup_fail(struct backup_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- encoding ------------------------------------------------------------- */

static void backup_put_header(unsigned char *p, const struct backup_header *h)
{
	memcpy(p, backup_magic, sizeof backup_magic);
	put_u32(p + 8, h->version);
	put_u32(p + 12, h->flags);
	put_u64(p + 16, h->term);
	put_u64(p + 24, h->index);
	put_u64(p + 32, h->raw_len);
	put_u64(p + 40, h->comp_len);
	put_u64(p + 48, h->created_ms);
	put_u64(p + 56, h->node_id);
}

int backup_encode(const void *snap, size_t snap_len, struct backup_header *h,
		  struct buf *out)
{
	LZ4F_preferences_t prefs;
	size_t bound, n;
	uint32_t crc;

	memset(&prefs, 0, sizeof prefs);
	prefs.frameInfo.blockSizeID = LZ4F_max4MB;
	prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	prefs.frameInfo.contentSize = snap_len;
	buf_reset(out);
	bound = LZ4F_compressFrameBound(snap_len, &prefs);
	if (buf_reserve(out, BACKUP_HDR_LEN + bound + BACKUP_CRC_LEN) != 0)
		return -1;
	n = LZ4F_compressFrame(out->data + BACKUP_HDR_LEN, bound, snap, snap_len,
			       &prefs);
	if (LZ4F_isError(n))
		return -1;
	h->version = BACKUP_VERSION;
	h->flags = BACKUP_F_LZ4;
	h->raw_len = snap_len;
	h->comp_len = n;
	backup_put_header((unsigned char *)out->data, h);
	out->len = BACKUP_HDR_LEN + n;
	crc = crc32c(0, out->data, out->len);
	put_u32((unsigned char *)out->data + out->len, crc);
	out->len += BACKUP_CRC_LEN;
	return 0;
}

/* ---- decoding ------------------------------------------------------------- */

static void backup_get_header(const unsigned char *p, struct backup_header *h)
{
	h->version = get_u32(p + 8);
	h->flags = get_u32(p + 12);
	h->term = get_u64(p + 16);
	h->index = get_u64(p + 24);
	h->raw_len = get_u64(p + 32);
	h->comp_len = get_u64(p + 40);
	h->created_ms = get_u64(p + 48);
	h->node_id = get_u64(p + 56);
}

/* The most bytes an LZ4 frame of comp_len bytes can inflate to: a match
 * costs at least one byte per 255 it copies. */
static uint64_t backup_max_expansion(uint64_t comp_len)
{
	if (comp_len > UINT64_MAX / 256)
		return UINT64_MAX;
	return comp_len * 256 + 1024;
}

static int backup_check_lengths(size_t len, uint64_t max_raw,
				const struct backup_header *h,
				struct backup_err *err)
{
	uint64_t want;

	if (h->comp_len > UINT64_MAX - BACKUP_HDR_LEN - BACKUP_CRC_LEN)
		return backup_fail(err, "corrupt header: compressed length "
				   "%" PRIu64 " is impossible", h->comp_len);
	want = BACKUP_HDR_LEN + h->comp_len + BACKUP_CRC_LEN;
	if ((uint64_t)len < want)
		return backup_fail(err, "truncated: the file has %zu bytes, its "
				   "header says %" PRIu64, len, want);
	if ((uint64_t)len > want)
		return backup_fail(err, "%" PRIu64 " unexpected bytes after the "
				   "end of the backup (the file has %zu bytes, "
				   "its header says %" PRIu64 ")",
				   (uint64_t)len - want, len, want);
	if (h->raw_len == 0)
		return backup_fail(err, "corrupt header: the snapshot length is 0");
	if (h->raw_len > max_raw)
		return backup_fail(err, "the snapshot inside is %" PRIu64
				   " bytes, over the limit of %" PRIu64
				   " (corrupt header, or a state too large to "
				   "restore)", h->raw_len, max_raw);
	if (h->raw_len > backup_max_expansion(h->comp_len))
		return backup_fail(err, "corrupt header: %" PRIu64 " compressed "
				   "bytes cannot hold a %" PRIu64 "-byte snapshot",
				   h->comp_len, h->raw_len);
	return 0;
}

int backup_check_header(const void *p, size_t len, uint64_t max_raw,
			struct backup_header *h, struct backup_err *err)
{
	const unsigned char *b = p;

	memset(h, 0, sizeof *h);
	if (len < BACKUP_HDR_LEN + BACKUP_CRC_LEN)
		return backup_fail(err, "truncated: %zu bytes is shorter than a "
				   "backup's header (%d bytes)", len,
				   BACKUP_HDR_LEN + BACKUP_CRC_LEN);
	if (memcmp(b, backup_magic, sizeof backup_magic) != 0)
		return backup_fail(err, "not a raftd backup (wrong magic bytes)");
	backup_get_header(b, h);
	if (h->version != BACKUP_VERSION)
		return backup_fail(err, "backup format version %" PRIu32 " is not "
				   "supported (this raftd reads version %d)",
				   h->version, BACKUP_VERSION);
	if (h->flags != BACKUP_F_LZ4)
		return backup_fail(err, "unknown flags 0x%" PRIx32 " in the header "
				   "(corrupt, or written by a newer raftd)",
				   h->flags);
	return backup_check_lengths(len, max_raw, h, err);
}

/* Inflate the frame src[0..n) into exactly raw_len bytes at dst. */
static int backup_inflate(const unsigned char *src, size_t n, char *dst,
			  uint64_t raw_len, struct backup_err *err)
{
	LZ4F_dctx *dctx;
	LZ4F_frameInfo_t fi;
	size_t in = 0, outpos = 0, step, r;
	int rv = -1;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return backup_fail(err, "out of memory");
	step = n;
	r = LZ4F_getFrameInfo(dctx, &fi, src, &step);
	if (LZ4F_isError(r)) {
		backup_fail(err, "corrupt compressed data: %s",
			    LZ4F_getErrorName(r));
		goto out;
	}
	in = step;
	if (fi.contentSize != raw_len ||
	    fi.contentChecksumFlag != LZ4F_contentChecksumEnabled) {
		backup_fail(err, "corrupt compressed data: the frame declares "
			    "%llu bytes%s, the header %" PRIu64,
			    (unsigned long long)fi.contentSize,
			    fi.contentChecksumFlag ? "" : " and no checksum",
			    raw_len);
		goto out;
	}
	do {
		size_t src_n = n - in, dst_n = (size_t)raw_len - outpos;

		r = LZ4F_decompress(dctx, dst + outpos, &dst_n, src + in, &src_n,
				    NULL);
		if (LZ4F_isError(r)) {
			backup_fail(err, "corrupt compressed data: %s",
				    LZ4F_getErrorName(r));
			goto out;
		}
		in += src_n;
		outpos += dst_n;
		if (r != 0 && src_n == 0 && dst_n == 0) {
			backup_fail(err, "corrupt compressed data: the frame "
				    "%s", in < n ? "holds more than its header "
				    "says" : "ends early");
			goto out;
		}
	} while (r != 0);
	if (in != n || outpos != raw_len) {
		backup_fail(err, "corrupt compressed data: the frame ends at "
			    "byte %zu of %zu with %zu bytes of %" PRIu64,
			    in, n, outpos, raw_len);
		goto out;
	}
	rv = 0;
out:
	LZ4F_freeDecompressionContext(dctx);
	return rv;
}

static int backup_check_snapshot(const struct buf *raw,
				 const struct backup_header *h,
				 struct snap_info *info, struct backup_err *err)
{
	struct snap_info si;
	const char *why = NULL;
	fsm *f = NULL;

	if (snap_decode(raw->data, raw->len, &f, &si, &why) != 0)
		return backup_fail(err, "the snapshot inside is invalid: %s",
				   why ? why : "unknown reason");
	fsm_free(f);
	if (si.term != h->term || si.index != h->index)
		return backup_fail(err, "the snapshot inside is at term %" PRIu64
				   " index %" PRIu64 ", the header says term %"
				   PRIu64 " index %" PRIu64, si.term, si.index,
				   h->term, h->index);
	if (info != NULL)
		*info = si;
	return 0;
}

int backup_decode(const void *p, size_t len, uint64_t max_raw,
		  struct backup_header *h, struct buf *raw,
		  struct snap_info *info, struct backup_err *err)
{
	const unsigned char *b = p;
	uint32_t want, got;

	buf_reset(raw);
	if (info != NULL)
		memset(info, 0, sizeof *info);
	if (backup_check_header(p, len, max_raw, h, err) != 0)
		return -1;
	want = get_u32(b + len - BACKUP_CRC_LEN);
	got = crc32c(0, b, len - BACKUP_CRC_LEN);
	if (want != got)
		return backup_fail(err, "checksum mismatch (stored %08" PRIx32
				   ", computed %08" PRIx32 "): the file is "
				   "damaged", want, got);
	if (h->raw_len > SIZE_MAX || buf_reserve(raw, (size_t)h->raw_len) != 0)
		return backup_fail(err, "out of memory for a %" PRIu64
				   "-byte snapshot", h->raw_len);
	if (backup_inflate(b + BACKUP_HDR_LEN, (size_t)h->comp_len, raw->data,
			   h->raw_len, err) != 0)
		goto fail;
	raw->len = (size_t)h->raw_len;
	if (backup_check_snapshot(raw, h, info, err) != 0)
		goto fail;
	return 0;
fail:
	buf_reset(raw);
	return -1;
}

/* ---- the member table ----------------------------------------------------- */

int backup_set_members(struct buf *snap, const struct fsm_member *members,
		       size_t n, struct backup_err *err)
{
	const char *why = NULL;

	if (snap_replace_members(snap, members, n, &why) != 0)
		return backup_fail(err, "cannot set the new members: %s", why);
	return 0;
}
