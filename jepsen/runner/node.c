/* node.c - raftd processes, one per network namespace.
 *
 * Each node is started by fork, setns into its namespace and exec, always
 * from the main thread: the child asks for SIGKILL when its parent dies
 * (PR_SET_PDEATHSIG, which follows the forking thread), so a runner that
 * crashes takes its nodes with it, and jepsen/run also kills whatever is
 * left in the namespaces. Nodes get their own session so that a Ctrl-C in
 * the terminal reaches the harness, which then stops them itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jepsen/runner/runner.h"

int jr_cluster_init(struct jr_cluster *c, const struct jr_opts *o, struct jr_hist *h)
{
	memset(c, 0, sizeof *c);
	c->o = o;
	c->h = h;
	for (int i = 1; i <= o->nodes; i++) {
		struct jr_node *n = &c->n[i];

		n->id = i;
		snprintf(n->ip, sizeof n->ip, "%s.%d", o->net_prefix, i);
		snprintf(n->dir, sizeof n->dir, "%s/n%d", o->dir, i);
		if (mkdir(n->dir, 0755) != 0 && errno != EEXIST) {
			jr_log("cannot create %s: %s", n->dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

void jr_ns_path(const struct jr_opts *o, int id, char *out, size_t len)
{
	snprintf(out, len, "/run/netns/%s-n%d", o->ns_prefix, id);
}

int jr_ns_enter(const char *path)
{
	int fd, rv;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rv = setns(fd, CLONE_NEWNET);
	close(fd);
	return rv;
}

/* A malloc'd formatted string, or NULL. */
static char *jr_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *jr_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* The daemon's argv: identity, data, every member, --join for a node that
 * was wiped once (member.c), then extra flags. */
static char **jr_node_argv(const struct jr_cluster *c, const struct jr_node *n)
{
	const struct jr_opts *o = c->o;
	size_t max = 9 + 2 * (size_t)o->nodes + (size_t)o->nflags + 4;
	char **argv = calloc(max, sizeof *argv);
	size_t k = 0;

	if (argv == NULL)
		return NULL;
	argv[k++] = strdup(o->raftd);
	argv[k++] = strdup("--id");
	argv[k++] = jr_fmt("%d", n->id);
	argv[k++] = strdup("--data-dir");
	argv[k++] = jr_fmt("%s/data", n->dir);
	for (int j = 1; j <= o->nodes; j++) {
		argv[k++] = strdup("--member");
		argv[k++] = jr_fmt("%d,%s:%d,%s:%d", j, c->n[j].ip, JR_RAFT_PORT, c->n[j].ip,
			 JR_CLIENT_PORT);
	}
	if (n->join)
		argv[k++] = strdup("--join");
	if (o->snapshot_churn) {
		argv[k++] = strdup("--snapshot-threshold=32");
		argv[k++] = strdup("--snapshot-trailing=8");
	}
	for (int j = 0; j < o->nflags; j++)
		argv[k++] = strdup(o->flags[j]);
	for (size_t j = 0; j < k; j++)
		if (argv[j] == NULL) {
			for (size_t i = 0; i < k; i++)
				free(argv[i]);
			free(argv);
			return NULL;
		}
	return argv;
}

/* What the child needs, all prepared before fork: between fork and exec a
 * child of a threaded process may only make async-signal-safe calls. */
struct jr_spawn {
	char **argv;
	char log[JR_PATH + 16];
	char ns[128];
};

static void jr_spawn_free(struct jr_spawn *sp)
{
	for (size_t k = 0; sp->argv != NULL && sp->argv[k] != NULL; k++)
		free(sp->argv[k]);
	free(sp->argv);
}

/* In the child: become the node. Never returns. */
static void jr_node_exec(const struct jr_spawn *sp)
{
	static const char nons[] = "jepsen-runner: cannot enter the node's network namespace\n";
	static const char noexec[] = "jepsen-runner: cannot execute raftd\n";
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid();
	signal(SIGPIPE, SIG_DFL);
	fd = open(sp->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, 0);
	if (jr_ns_enter(sp->ns) != 0) {
		(void)!write(2, nons, sizeof nons - 1);
		_exit(126);
	}
	execv(sp->argv[0], sp->argv);
	(void)!write(2, noexec, sizeof noexec - 1);
	_exit(127);
}

int jr_node_start(struct jr_cluster *c, int id)
{
	struct jr_node *n = &c->n[id];
	struct jr_spawn sp;
	pid_t pid;

	if (n->pid != 0)
		return 0;
	sp.argv = jr_node_argv(c, n);
	if (sp.argv == NULL) {
		jr_log("out of memory starting node %d", id);
		return -1;
	}
	snprintf(sp.log, sizeof sp.log, "%s/raftd.log", n->dir);
	jr_ns_path(c->o, id, sp.ns, sizeof sp.ns);
	pid = fork();
	if (pid == 0)
		jr_node_exec(&sp);
	jr_spawn_free(&sp);
	if (pid < 0) {
		jr_log("fork: %s", strerror(errno));
		return -1;
	}
	n->pid = pid;
	n->paused = 0;
	return 0;
}

static void jr_node_reaped(struct jr_node *n)
{
	n->pid = 0;
	n->paused = 0;
}

void jr_node_kill(struct jr_cluster *c, int id)
{
	struct jr_node *n = &c->n[id];

	if (n->pid == 0)
		return;
	kill(n->pid, SIGKILL);
	waitpid(n->pid, NULL, 0);
	jr_node_reaped(n);
}

void jr_node_stop(struct jr_cluster *c, int id, double grace_s)
{
	struct jr_node *n = &c->n[id];
	int64_t deadline = jr_now_ns() + (int64_t)(grace_s * 1e9);

	if (n->pid == 0)
		return;
	kill(n->pid, SIGCONT);
	kill(n->pid, SIGTERM);
	while (jr_now_ns() < deadline) {
		if (waitpid(n->pid, NULL, WNOHANG) == n->pid) {
			jr_node_reaped(n);
			return;
		}
		jr_sleep(0.05);
	}
	jr_log("node %d did not stop within %.0f s of SIGTERM: killing it", id, grace_s);
	jr_node_kill(c, id);
}

void jr_node_pause(struct jr_cluster *c, int id)
{
	if (c->n[id].pid != 0 && kill(c->n[id].pid, SIGSTOP) == 0)
		c->n[id].paused = 1;
}

void jr_node_resume(struct jr_cluster *c, int id)
{
	if (c->n[id].pid != 0 && kill(c->n[id].pid, SIGCONT) == 0)
		c->n[id].paused = 0;
}

void jr_cluster_stop(struct jr_cluster *c)
{
	int64_t deadline = jr_now_ns() + 10 * (int64_t)1000000000;

	for (int i = 1; i <= c->o->nodes; i++)
		if (c->n[i].pid != 0) {
			kill(c->n[i].pid, SIGCONT);
			kill(c->n[i].pid, SIGTERM);
		}
	for (int i = 1; i <= c->o->nodes; i++) {
		struct jr_node *n = &c->n[i];

		while (n->pid != 0 && jr_now_ns() < deadline) {
			if (waitpid(n->pid, NULL, WNOHANG) == n->pid)
				jr_node_reaped(n);
			else
				jr_sleep(0.05);
		}
		if (n->pid != 0) {
			jr_log("node %d did not stop within 10 s of SIGTERM: killing it", i);
			jr_node_kill(c, i);
		}
	}
}

void jr_cluster_reap(struct jr_cluster *c)
{
	for (int i = 1; i <= c->o->nodes; i++) {
		struct jr_node *n = &c->n[i];
		char what[128];
		int status;

		if (n->pid == 0 || waitpid(n->pid, &status, WNOHANG) != n->pid)
			continue;
		if (WIFEXITED(status))
			snprintf(what, sizeof what, "\"n%d exited by itself with status %d\"", i,
				 WEXITSTATUS(status));
		else
			snprintf(what, sizeof what, "\"n%d died by itself of signal %d\"", i,
				 WTERMSIG(status));
		jr_log("%s (see %s/raftd.log)", what, n->dir);
		jr_hist_write(c->h, JR_NEMESIS, "info", "crash", 0, 0, what, NULL);
		if (c->ncrashes < (int)(sizeof c->crashes / sizeof c->crashes[0]))
			c->crashes[c->ncrashes++] = (struct jr_crash){i, status, jr_now_ns()};
		jr_node_reaped(n);
	}
}

int jr_node_info(const struct jr_node *n, const char *field, char *out, size_t len)
{
	const char *argv[] = {"RD.NODEINFO"};
	char text[2048], *save = NULL, *prev = NULL;

	if (jr_resp_call(n->ip, JR_CLIENT_PORT, 500, 1, argv, text, sizeof text) != 0 ||
	    text[0] == '-')
		return -1;
	/* field/value lines; no value is empty */
	for (char *t = strtok_r(text, "\n", &save); t != NULL; t = strtok_r(NULL, "\n", &save)) {
		if (prev != NULL && strcmp(prev, field) == 0) {
			snprintf(out, len, "%s", t);
			return 0;
		}
		prev = t;
	}
	return -1;
}

/* "state" and "term" out of RD.NODEINFO's field/value lines. */
static int jr_nodeinfo(const struct jr_node *n, char *state, size_t slen,
		       unsigned long long *term)
{
	const char *argv[] = {"RD.NODEINFO"};
	char text[2048], *save = NULL, *prev = NULL;

	if (jr_resp_call(n->ip, JR_CLIENT_PORT, 500, 1, argv, text, sizeof text) != 0 ||
	    text[0] == '-')
		return -1;
	state[0] = '\0';
	*term = 0;
	for (char *t = strtok_r(text, "\n", &save); t != NULL; t = strtok_r(NULL, "\n", &save)) {
		if (prev != NULL && strcmp(prev, "state") == 0)
			snprintf(state, slen, "%s", t);
		if (prev != NULL && strcmp(prev, "term") == 0)
			*term = strtoull(t, NULL, 10);
		prev = t;
	}
	return 0;
}

int jr_cluster_leader(struct jr_cluster *c)
{
	unsigned long long best = 0;
	int leader = 0;

	for (int i = 1; i <= c->o->nodes; i++) {
		char state[32];
		unsigned long long term;

		if (c->n[i].pid == 0 || c->n[i].paused)
			continue;
		if (jr_nodeinfo(&c->n[i], state, sizeof state, &term) == 0 &&
		    strcmp(state, "leader") == 0 && term >= best) {
			best = term;
			leader = i;
		}
	}
	return leader;
}

int jr_cluster_wait_leader(struct jr_cluster *c, double timeout_s)
{
	int64_t deadline = jr_now_ns() + (int64_t)(timeout_s * 1e9);

	do {
		int id = jr_cluster_leader(c);

		if (id != 0)
			return id;
		jr_cluster_reap(c);
		jr_sleep(0.1);
	} while (jr_now_ns() < deadline);
	return 0;
}

void jr_cluster_endpoints(const struct jr_cluster *c, int first, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int k = 0; k < c->o->nodes; k++) {
		int i = 1 + (first - 1 + k) % c->o->nodes;
		int w = snprintf(out + used, len - used, "%s%s:%d", k ? "," : "", c->n[i].ip,
				 JR_CLIENT_PORT);

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

int jr_ns_run(const struct jr_opts *o, int id, char *const argv[], const char *stdin_text)
{
	int fds[2] = {-1, -1}, status;
	char ns[128];
	pid_t pid;

	jr_ns_path(o, id, ns, sizeof ns);
	if (stdin_text != NULL && pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
		return -1;
	}
	if (pid == 0) {
		if (fds[0] >= 0)
			dup2(fds[0], 0);
		if (jr_ns_enter(ns) != 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (fds[0] >= 0) {
		size_t len = strlen(stdin_text), off = 0;

		close(fds[0]);
		while (off < len) {
			ssize_t w = write(fds[1], stdin_text + off, len - off);

			if (w <= 0 && errno != EINTR)
				break;
			off += w > 0 ? (size_t)w : 0;
		}
		close(fds[1]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
