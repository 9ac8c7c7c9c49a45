/* raftctl_kv.c - raftctl's key-value commands: put, get, cas, cas-index,
 * del, incr, append, list, status.
 *
 * Writes take the write options of the command line (--fence, and
 * --session with --seq); reads take --consistency and --min-index. Each
 * command prints its result on success and leaves every failure to fail(),
 * except the outcomes that are answers rather than errors (a key not found,
 * a condition not met), which it explains itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/raftctl.h"

#define LIST_PAGE 1000 /* the server's default page */

#define ARG(i) (cli->argv[i]), strlen(cli->argv[i])

/* The tail of a failed or successful write: the session attached for it is
 * only borrowed for the one call. */
static int write_done(struct cli *cli, int rc, rdc_session *s,
		      const struct rdc_meta *m)
{
	rdc_session_free(s);
	if (rc != RDC_OK)
		return fail(cli, rc);
	print_ok(cli, m);
	return EXIT_OK;
}

int cmd_put(struct cli *cli)
{
	struct rdc_write_opts w;
	struct rdc_meta m;
	rdc_session *s;
	int rc = cli_write_opts(cli, &w, &s);

	if (rc != EXIT_OK)
		return rc;
	rc = rdc_put(cli->c, ARG(0), ARG(1), cli->put_flags, &w, &m);
	if (rc == RDC_CONDITION) {
		rdc_session_free(s);
		fprintf(stderr, "raftctl: put: %s; nothing was changed\n",
			cli->put_flags & RDC_PUT_NX
				? "the key already exists (--nx)"
				: "the key does not exist (--xx)");
		return EXIT_NO;
	}
	return write_done(cli, rc, s, &m);
}

static void print_kv_json(const struct cli *cli, const struct rdc_kv *kv,
			  const struct rdc_meta *m)
{
	printf("{\"key\":");
	json_str(kv->key, kv->klen);
	printf(",\"value\":");
	json_str(kv->value, kv->vlen);
	printf(",\"create_index\":%" PRIu64 ",\"mod_index\":%" PRIu64 ",",
	       kv->create_index, kv->mod_index);
	json_meta(m);
	print_read_meta(cli, m);
	printf("}\n");
}

int cmd_get(struct cli *cli)
{
	struct rdc_kv *kv;
	struct rdc_meta m;
	int rc = rdc_get(cli->c, ARG(0), cli->mode, &kv, &m);

	if (rc == RDC_NOTFOUND) {
		fprintf(stderr, "raftctl: get: key not found: %s\n", cli->argv[0]);
		if (cli->verbose && cli->mode != RDC_LINEARIZABLE)
			fprintf(stderr, "raftctl: get: (read at index %" PRIu64
				" from %s, lag %" PRIu64 ")\n",
				m.index, m.served_by, m.lag);
		return EXIT_NO;
	}
	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->json) {
		print_kv_json(cli, kv, &m);
	} else {
		fwrite(kv->value, 1, kv->vlen, stdout);
		putchar('\n');
		if (cli->verbose) {
			printf("create_index=%" PRIu64 " mod_index=%" PRIu64
			       " term=%" PRIu64 " index=%" PRIu64,
			       kv->create_index, kv->mod_index, m.term, m.index);
			print_read_meta(cli, &m);
			putchar('\n');
		}
	}
	rdc_free(kv);
	return EXIT_OK;
}

int cmd_cas(struct cli *cli)
{
	struct rdc_write_opts w;
	struct rdc_meta m;
	rdc_session *s;
	int rc = cli_write_opts(cli, &w, &s);

	if (rc != EXIT_OK)
		return rc;
	rc = rdc_cas(cli->c, ARG(0), ARG(1), ARG(2), &w, &m);
	if (rc == RDC_CONDITION) {
		rdc_session_free(s);
		fprintf(stderr,
			"raftctl: cas: the value of %s is not '%s' (or the key does not exist); nothing was changed\n",
			cli->argv[0], cli->argv[1]);
		return EXIT_NO;
	}
	return write_done(cli, rc, s, &m);
}

int cmd_cas_index(struct cli *cli)
{
	struct rdc_write_opts w;
	struct rdc_meta m;
	rdc_session *s;
	uint64_t idx;
	int rc;

	if (parse_u64(cli->argv[1], &idx) != 0)
		return usage_error("cas-index: MODINDEX must be a non-negative integer, not '%s'",
				   cli->argv[1]);
	rc = cli_write_opts(cli, &w, &s);
	if (rc != EXIT_OK)
		return rc;
	rc = rdc_cas_index(cli->c, ARG(0), idx, ARG(2), &w, &m);
	if (rc == RDC_CONDITION) {
		rdc_session_free(s);
		if (idx == 0)
			fprintf(stderr, "raftctl: cas-index: %s already exists; nothing was changed\n",
				cli->argv[0]);
		else
			fprintf(stderr,
				"raftctl: cas-index: the mod_index of %s is not %" PRIu64 " (see raftctl get -v %s); nothing was changed\n",
				cli->argv[0], idx, cli->argv[0]);
		return EXIT_NO;
	}
	return write_done(cli, rc, s, &m);
}

int cmd_del(struct cli *cli)
{
	size_t lens[MAX_ARGS];
	struct rdc_write_opts w;
	uint64_t removed;
	struct rdc_meta m;
	rdc_session *s;
	int rc = cli_write_opts(cli, &w, &s);

	if (rc != EXIT_OK)
		return rc;
	for (int i = 0; i < cli->argc; i++)
		lens[i] = strlen(cli->argv[i]);
	rc = rdc_del(cli->c, (size_t)cli->argc, (const char *const *)cli->argv,
		     lens, &w, &removed, &m);
	rdc_session_free(s);
	if (rc != RDC_OK)
		return fail(cli, rc);
	if (cli->json) {
		printf("{\"ok\":true,\"deleted\":%" PRIu64 ",", removed);
		json_meta(&m);
		printf("}\n");
	} else {
		printf("OK deleted=%" PRIu64 " term=%" PRIu64 " index=%" PRIu64 "\n",
		       removed, m.term, m.index);
	}
	return EXIT_OK;
}

/* A number a write returned (incr: the value; append: the length). */
static void print_number(const struct cli *cli, const char *name,
			 const char *value, const struct rdc_meta *m)
{
	if (cli->json) {
		printf("{\"%s\":%s,", name, value);
		json_meta(m);
		printf("}\n");
		return;
	}
	printf("%s\n", value);
	if (cli->verbose)
		printf("term=%" PRIu64 " index=%" PRIu64 "\n", m->term,
		       m->index);
}

int cmd_incr(struct cli *cli)
{
	int64_t delta = 1, value;
	struct rdc_write_opts w;
	struct rdc_meta m;
	rdc_session *s;
	char text[24];
	int rc;

	if (cli->argc == 2 && parse_i64(cli->argv[1], &delta) != 0)
		return usage_error("incr: DELTA must be an integer, not '%s'",
				   cli->argv[1]);
	rc = cli_write_opts(cli, &w, &s);
	if (rc != EXIT_OK)
		return rc;
	rc = rdc_incrby(cli->c, ARG(0), delta, &w, &value, &m);
	rdc_session_free(s);
	if (rc != RDC_OK)
		return fail(cli, rc);
	snprintf(text, sizeof(text), "%" PRId64, value);
	print_number(cli, "value", text, &m);
	return EXIT_OK;
}

int cmd_append(struct cli *cli)
{
	struct rdc_write_opts w;
	struct rdc_meta m;
	rdc_session *s;
	uint64_t len;
	char text[24];
	int rc = cli_write_opts(cli, &w, &s);

	if (rc != EXIT_OK)
		return rc;
	rc = rdc_append(cli->c, ARG(0), ARG(1), &w, &len, &m);
	rdc_session_free(s);
	if (rc != RDC_OK)
		return fail(cli, rc);
	snprintf(text, sizeof(text), "%" PRIu64, len);
	print_number(cli, "length", text, &m);
	return EXIT_OK;
}

static void print_entry(const struct cli *cli, const struct rdc_kv *kv,
			bool first)
{
	if (cli->json) {
		printf("%s{\"key\":", first ? "" : ",");
		json_str(kv->key, kv->klen);
		printf(",\"value\":");
		json_str(kv->value, kv->vlen);
		printf(",\"create_index\":%" PRIu64 ",\"mod_index\":%" PRIu64 "}",
		       kv->create_index, kv->mod_index);
		return;
	}
	fwrite(kv->key, 1, kv->klen, stdout);
	putchar('\t');
	fwrite(kv->value, 1, kv->vlen, stdout);
	if (cli->verbose)
		printf("\tcreate_index=%" PRIu64 "\tmod_index=%" PRIu64,
		       kv->create_index, kv->mod_index);
	putchar('\n');
}

/* Pages of at most LIST_PAGE entries, each starting after the last key of
 * the previous one, until the server returns a short page or the limit is
 * reached. In session mode each page is read at an index no lower than the
 * previous page's, since the library sends the highest index it has seen. */
int cmd_list(struct cli *cli)
{
	const char *prefix = cli->argc ? cli->argv[0] : "";
	char *after = NULL;
	size_t alen = 0, total = 0;
	int rc = RDC_OK;

	if (cli->json)
		printf("[");
	for (;;) {
		size_t want = LIST_PAGE, n;
		struct rdc_kv *items;

		if (cli->limit && cli->limit - total < want)
			want = cli->limit - total;
		rc = rdc_list(cli->c, prefix, strlen(prefix), after, alen,
			      want, cli->mode, &items, &n, NULL);
		if (rc != RDC_OK)
			break;
		for (size_t i = 0; i < n; i++)
			print_entry(cli, &items[i], total + i == 0);
		total += n;
		free(after);
		after = NULL;
		if (n > 0) {
			alen = items[n - 1].klen;
			after = malloc(alen + 1);
			if (after != NULL)
				memcpy(after, items[n - 1].key, alen + 1);
		}
		rdc_list_free(items);
		if (n < want || (cli->limit && total >= cli->limit))
			break;
		if (after == NULL) {
			rc = RDC_NOMEM;
			break;
		}
	}
	free(after);
	if (rc != RDC_OK) {
		fflush(stdout);
		return fail(cli, rc);
	}
	if (cli->json)
		printf("]\n");
	return EXIT_OK;
}

int cmd_status(struct cli *cli)
{
	struct rdc_member *ms;
	struct rdc_meta m;
	size_t n;
	int rc = rdc_status(cli->c, &ms, &n, &m);

	if (rc != RDC_OK)
		return fail(cli, rc);
	print_status(cli, ms, n, &m);
	rdc_status_free(ms);
	return EXIT_OK;
}
