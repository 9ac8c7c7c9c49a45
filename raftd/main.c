/* main.c - raftd's entry point: parse settings, run one node until told to
 * stop. Exit status 0 after a clean shutdown, 1 on any start-up error or when
 * raft failed at run time, 2 on bad flags. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "raftd/conn.h"

int main(int argc, char **argv)
{
	static struct rd_config cfg;
	static struct rd_node node;
	uv_loop_t *loop = uv_default_loop();
	int rv;

	rv = rd_config_parse(&cfg, argc, argv);
	if (rv != 0)
		return rv > 0 ? 0 : 2;
	rd_log_setup(cfg.id, cfg.log_level);
	if (rd_cmd_table_check() != 0) {
		rd_error("internal error: the command table is not sorted");
		return 1;
	}
	/* A client that disconnects mid-write must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	if (rd_node_init(&node, loop, &cfg) != 0)
		return 1;
	if (rd_node_start(&node) != 0) {
		rd_node_stop(&node);
		uv_run(loop, UV_RUN_DEFAULT);
		rd_glue_close(&node.glue);
		return 1;
	}
	uv_run(loop, UV_RUN_DEFAULT);
	rd_glue_close(&node.glue);
	rv = uv_loop_close(loop);
	if (rv != 0)
		rd_warn("event loop closed with handles still open");
	rd_info("stopped");
	return node.exit_code;
}
