/* raftctl_snapshot.c - raftctl snapshot save FILE | inspect FILE.
 *
 * save takes a backup from the leader (rdc_snapshot_save) and prints one
 * line saying what it holds; inspect checks a backup file completely and
 * prints its fields, one "name: value" per line (or one JSON object with
 * --json). A file that is truncated, damaged or not a backup fails with
 * exit code 5 and the reason on stderr; no leader in time is exit code 3.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/raftctl_snapshot.h"

static void snapshot_time(uint64_t ms, char *out, size_t len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%" PRIu64 " ms", ms);
}

static void snapshot_print(const struct cli *cli, const char *path,
			   const struct rdc_snapshot_info *i)
{
	char when[32];

	snapshot_time(i->created_ms, when, sizeof when);
	if (cli->json) {
		fputs("{\"file\":", stdout);
		json_str(path, strlen(path));
		printf(",\"format_version\":%u,\"term\":%" PRIu64
		       ",\"index\":%" PRIu64 ",\"created_ms\":%" PRIu64
		       ",\"node_id\":%" PRIu64 ",\"file_bytes\":%" PRIu64
		       ",\"raw_bytes\":%" PRIu64 ",\"keys\":%" PRIu64
		       ",\"data_bytes\":%" PRIu64 ",\"sessions\":%" PRIu64
		       ",\"locks\":%" PRIu64 ",\"members\":%" PRIu64 "}\n",
		       i->format_version, i->term, i->index, i->created_ms,
		       i->node_id, i->file_bytes, i->raw_bytes, i->keys,
		       i->data_bytes, i->sessions, i->locks, i->members);
		return;
	}
	printf("file: %s\nformat: raftd backup version %u, lz4\n"
	       "index: %" PRIu64 "\nterm: %" PRIu64 "\ncreated: %s\n"
	       "taken_by_node: %" PRIu64 "\nfile_bytes: %" PRIu64 "\n"
	       "snapshot_bytes: %" PRIu64 "\nkeys: %" PRIu64 "\n"
	       "data_bytes: %" PRIu64 "\nsessions: %" PRIu64 "\n"
	       "locks: %" PRIu64 "\nmembers: %" PRIu64 "\n",
	       path, i->format_version, i->index, i->term, when, i->node_id,
	       i->file_bytes, i->raw_bytes, i->keys, i->data_bytes,
	       i->sessions, i->locks, i->members);
}

static int snapshot_exit(int rc)
{
	switch (rc) {
	case RDC_UNAVAILABLE:
	case RDC_TIMEOUT:
		return EXIT_UNAVAILABLE;
	default:
		return EXIT_ERROR;
	}
}

static int snapshot_save(struct cli *cli, const char *path)
{
	struct rdc_options opts = {.deadline_ms = cli->deadline_ms};
	struct rdc_snapshot_info info;
	char err[512];
	struct timespec t0, t1;
	double secs;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = rdc_snapshot_save(cli->endpoints, &opts, path, &info, err,
			       sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != RDC_OK) {
		fprintf(stderr, "raftctl: snapshot save: %s (%s)%s\n", err,
			rdc_strerror(rc),
			rc == RDC_UNAVAILABLE ? "; nothing was written: check "
			"that the cluster is running, then retry" : "");
		return snapshot_exit(rc);
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (cli->json || cli->verbose) {
		snapshot_print(cli, path, &info);
		return EXIT_OK;
	}
	printf("saved %s: index %" PRIu64 " (term %" PRIu64 "), %" PRIu64
	       " keys, %" PRIu64 " sessions, %" PRIu64 " locks, %" PRIu64
	       " members, %" PRIu64 " bytes, in %.2f s\n", path, info.index,
	       info.term, info.keys, info.sessions, info.locks, info.members,
	       info.file_bytes, secs);
	return EXIT_OK;
}

static int snapshot_inspect(struct cli *cli, const char *path)
{
	struct rdc_snapshot_info info;
	char err[512];
	int rc = rdc_snapshot_inspect(path, &info, err, sizeof err);

	if (rc != RDC_OK) {
		fprintf(stderr, "raftctl: snapshot inspect: %s\n", err);
		return snapshot_exit(rc);
	}
	snapshot_print(cli, path, &info);
	return EXIT_OK;
}

int cmd_snapshot(struct cli *cli)
{
	if (strcmp(cli->argv[0], "save") == 0)
		return snapshot_save(cli, cli->argv[1]);
	if (strcmp(cli->argv[0], "inspect") == 0)
		return snapshot_inspect(cli, cli->argv[1]);
	return usage_error("snapshot: expected save FILE or inspect FILE, not '%s'",
			   cli->argv[0]);
}
