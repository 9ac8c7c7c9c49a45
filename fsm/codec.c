/* codec.c - the batch format: one raft log entry carrying commands.
 *
 * The layout is in codec.h. Writing goes straight into the caller's struct
 * buf: fsm_batch_add validates the command with the same rules the reader
 * applies, so a proposer never ships a command every replica would reject,
 * and the count in the header is kept current so that the batch is valid
 * after every add. Reading never allocates and never trusts a length it has
 * not compared to the bytes that remain; everything depends only on the
 * bytes, so every replica reads the same commands.
 */
#include "fsm/codec.h"

#include <string.h>

static const unsigned char codec_magic[4] = {0x9b, 'R', 'D', 'B'};

/* ---- little-endian fixed widths ------------------------------------------ */

static void put_u16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

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

static uint16_t get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
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

/* ---- the rules ------------------------------------------------------------ */

/* The ops that change keys: the ones a session may sequence and a fence may
 * guard. */
static bool is_data_write(uint8_t op)
{
	switch (op) {
	case FSM_OP_PUT:
	case FSM_OP_DEL:
	case FSM_OP_CAS:
	case FSM_OP_CAS_INDEX:
	case FSM_OP_INCRBY:
	case FSM_OP_MPUT:
	case FSM_OP_APPEND:
		return true;
	default:
		return false;
	}
}

bool codec_shape_ok(uint8_t op, uint8_t flags, uint64_t nargs)
{
	uint8_t own = flags & (uint8_t)~CODEC_CMD_FLAGS;

	if (nargs > FSM_MAX_ARGS)
		return false;
	if ((flags & CODEC_CMD_FLAGS) != 0 && !is_data_write(op))
		return false;
	if (op != FSM_OP_PUT && own != 0)
		return false;
	switch (op) {
	case FSM_OP_NOOP:
	case FSM_OP_MEMBER_DEL:
	case FSM_OP_SESSION_OPEN:
	case FSM_OP_SESSION_KEEPALIVE:
	case FSM_OP_SESSION_CLOSE:
		return nargs == 0;
	case FSM_OP_PUT:
		/* NX and XX together can never succeed: refuse the mistake */
		return nargs == 2 && (own & ~(FSM_PUT_NX | FSM_PUT_XX)) == 0 &&
		       own != (FSM_PUT_NX | FSM_PUT_XX);
	case FSM_OP_DEL:
		return nargs >= 1;
	case FSM_OP_CAS:
		return nargs == 3;
	case FSM_OP_CAS_INDEX:
	case FSM_OP_APPEND:
	case FSM_OP_MEMBER_SET:
		return nargs == 2;
	case FSM_OP_INCRBY:
	case FSM_OP_LOCK:
	case FSM_OP_UNLOCK:
		return nargs == 1;
	case FSM_OP_MPUT:
		return nargs >= 2 && nargs % 2 == 0;
	default:
		return false;
	}
}

size_t codec_arg_max(uint8_t op, uint32_t i)
{
	bool key;

	switch (op) {
	case FSM_OP_MEMBER_SET:
		return FSM_MAX_ADDR;
	case FSM_OP_DEL:
	case FSM_OP_INCRBY:
	case FSM_OP_LOCK: /* a lock name is bounded like a key */
	case FSM_OP_UNLOCK:
		key = true;
		break;
	case FSM_OP_MPUT:
		key = i % 2 == 0;
		break;
	default: /* PUT, CAS, CAS_INDEX, APPEND: key first, then values */
		key = i == 0;
		break;
	}
	return key ? FSM_MAX_KEY : FSM_MAX_VALUE;
}

/* ---- writing -------------------------------------------------------------- */

int fsm_batch_begin(struct buf *b, const struct fsm_batch_hdr *hdr)
{
	unsigned char h[CODEC_HDR_LEN] = {0};

	memcpy(h, codec_magic, sizeof(codec_magic));
	h[4] = CODEC_VERSION;
	put_u16(h + 6, CODEC_HDR_LEN);
	put_u32(h + 8, 0);
	put_u64(h + 16, hdr->term);
	put_u64(h + 24, hdr->proposer);
	put_u64(h + 32, hdr->seq);
	put_u64(h + 40, hdr->time_ms);
	buf_reset(b);
	return buf_append(b, h, sizeof(h));
}

/* Bytes between the command header and the arguments. */
static uint64_t extras_len(const struct fsm_cmd *cmd)
{
	uint64_t n = 0;

	if (cmd->flags & FSM_F_SESSION)
		n += CODEC_SESSION_LEN;
	if (cmd->flags & FSM_F_FENCE)
		n += CODEC_FENCE_LEN + (uint64_t)cmd->fence_lock.len;
	return n;
}

/* The session and fence fields, into space reserved by the caller. */
static void write_extras(struct buf *b, const struct fsm_cmd *cmd)
{
	unsigned char x[CODEC_SESSION_LEN];

	if (cmd->flags & FSM_F_SESSION) {
		put_u64(x, cmd->session);
		put_u64(x + 8, cmd->seq);
		put_u64(x + 16, cmd->ack);
		buf_append(b, x, CODEC_SESSION_LEN);
	}
	if (cmd->flags & FSM_F_FENCE) {
		put_u64(x, cmd->fence_token);
		put_u32(x + 8, (uint32_t)cmd->fence_lock.len);
		buf_append(b, x, CODEC_FENCE_LEN);
		buf_append(b, cmd->fence_lock.p, cmd->fence_lock.len);
	}
}

int fsm_batch_add(struct buf *b, const struct fsm_cmd *cmd)
{
	unsigned char h[CODEC_CMD_HDR_LEN] = {0};
	uint64_t total = CODEC_CMD_HDR_LEN;
	uint32_t count, i;

	if (b->len < CODEC_HDR_LEN || memcmp(b->data, codec_magic, 4) != 0 ||
	    (unsigned char)b->data[4] != CODEC_VERSION)
		return -2;
	count = get_u32((unsigned char *)b->data + 8);
	if (count == UINT32_MAX)
		return -2;
	if (!codec_shape_ok(cmd->op, cmd->flags, cmd->nargs))
		return -2;
	if ((cmd->flags & FSM_F_FENCE) && cmd->fence_lock.len > FSM_MAX_KEY)
		return -2;
	total += extras_len(cmd);
	for (i = 0; i < cmd->nargs; i++) {
		if (cmd->args[i].len > codec_arg_max(cmd->op, i))
			return -2;
		total += 4 + cmd->args[i].len;
	}
	if (total > UINT32_MAX)
		return -2;
	if (buf_reserve(b, (size_t)total) != 0)
		return -1;
	h[0] = cmd->op;
	h[1] = cmd->flags;
	put_u32(h + 4, (uint32_t)total);
	put_u32(h + 8, cmd->nargs);
	put_u64(h + 12, (uint64_t)cmd->num);
	/* reserved above: none of these appends can fail */
	buf_append(b, h, sizeof(h));
	write_extras(b, cmd);
	for (i = 0; i < cmd->nargs; i++) {
		unsigned char l[4];

		put_u32(l, (uint32_t)cmd->args[i].len);
		buf_append(b, l, sizeof(l));
		buf_append(b, cmd->args[i].p, cmd->args[i].len);
	}
	put_u32((unsigned char *)b->data + 8, count + 1);
	return 0;
}

int fsm_batch_end(struct buf *b)
{
	static const unsigned char zeros[8] = {0};
	size_t pad = (8 - b->len % 8) % 8;

	return buf_append(b, zeros, pad);
}

/* ---- reading -------------------------------------------------------------- */

/* Version 0 was never written. Version 1 has no time_ms; from version 2 on
 * the header holds at least the version 2 fields, and anything a later
 * version adds after them is skipped through hdr_len. */
int fsm_batch_peek(const void *p, size_t len, struct fsm_batch_hdr *hdr)
{
	const unsigned char *h = p;
	uint16_t hdr_len;

	if (len < CODEC_HDR_LEN_V1 || memcmp(h, codec_magic, 4) != 0)
		return -1;
	hdr_len = get_u16(h + 6);
	if (h[4] == 0 || hdr_len > len)
		return -1;
	if (hdr_len < (h[4] == 1 ? CODEC_HDR_LEN_V1 : CODEC_HDR_LEN))
		return -1;
	hdr->count = get_u32(h + 8);
	hdr->term = get_u64(h + 16);
	hdr->proposer = get_u64(h + 24);
	hdr->seq = get_u64(h + 32);
	hdr->time_ms = h[4] == 1 ? 0 : get_u64(h + 40);
	return 0;
}

int codec_open(struct codec_reader *r, const void *p, size_t len,
	       struct fsm_batch_hdr *hdr)
{
	if (fsm_batch_peek(p, len, hdr) != 0)
		return -1;
	r->p = p;
	r->len = len;
	r->off = get_u16(r->p + 6);
	r->count = hdr->count;
	r->done = 0;
	r->version = r->p[4];
	return 0;
}

/* Check the arguments of a framed command: every length fits, they fill
 * the frame exactly, and each is within its limit. */
static bool args_ok(const struct codec_cmd *c)
{
	const unsigned char *p = c->args;
	size_t left = c->args_len;
	uint32_t i;

	for (i = 0; i < c->nargs; i++) {
		uint32_t l;

		if (left < 4)
			return false;
		l = get_u32(p);
		if (l > left - 4 || l > codec_arg_max(c->op, i))
			return false;
		p += 4 + l;
		left -= 4 + (size_t)l;
	}
	return left == 0;
}

/* Read the session and fence fields at the front of c's arguments, moving
 * c->args past them; false when they do not fit the frame. */
static bool extras_read(struct codec_cmd *c)
{
	const unsigned char *p = c->args;
	uint32_t l;

	c->session = c->seq = c->ack = 0;
	c->fence_lock.p = NULL;
	c->fence_lock.len = 0;
	c->fence_token = 0;
	if (c->flags & FSM_F_SESSION) {
		if (c->args_len < CODEC_SESSION_LEN)
			return false;
		c->session = get_u64(p);
		c->seq = get_u64(p + 8);
		c->ack = get_u64(p + 16);
		p += CODEC_SESSION_LEN;
		c->args_len -= CODEC_SESSION_LEN;
	}
	if (c->flags & FSM_F_FENCE) {
		if (c->args_len < CODEC_FENCE_LEN)
			return false;
		c->fence_token = get_u64(p);
		l = get_u32(p + 8);
		if (l > FSM_MAX_KEY || l > c->args_len - CODEC_FENCE_LEN)
			return false;
		c->fence_lock.p = p + CODEC_FENCE_LEN;
		c->fence_lock.len = l;
		p += CODEC_FENCE_LEN + (size_t)l;
		c->args_len -= CODEC_FENCE_LEN + (size_t)l;
	}
	c->args = p;
	return true;
}

int codec_next(struct codec_reader *r, struct codec_cmd *c)
{
	const unsigned char *h;
	size_t left;
	uint32_t clen;

	if (r->done == r->count)
		return CODEC_END;
	left = r->len - r->off;
	h = r->p + r->off;
	if (left < CODEC_CMD_HDR_LEN)
		return CODEC_CORRUPT;
	clen = get_u32(h + 4);
	if (clen < CODEC_CMD_HDR_LEN || clen > left)
		return CODEC_CORRUPT;
	r->off += clen;
	r->done++;
	c->op = h[0];
	c->flags = h[1];
	c->nargs = get_u32(h + 8);
	c->num = (int64_t)get_u64(h + 12);
	c->args = h + CODEC_CMD_HDR_LEN;
	c->args_len = clen - CODEC_CMD_HDR_LEN;
	/* a version 1 writer had no session or fence fields */
	if (r->version == 1 && (c->flags & CODEC_CMD_FLAGS) != 0)
		return CODEC_BAD;
	if (!codec_shape_ok(c->op, c->flags, c->nargs) || !extras_read(c) ||
	    !args_ok(c))
		return CODEC_BAD;
	return CODEC_CMD;
}

void codec_arg(struct codec_args *a, struct fsm_slice *out)
{
	uint32_t l = get_u32(a->p);

	out->p = a->p + 4;
	out->len = l;
	a->p += 4 + (size_t)l;
}
