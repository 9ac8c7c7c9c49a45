/* log.c - one line per event on stderr, with UTC time, level and node id.
 *
 * Lines are written with a single fprintf so concurrent writers (the libuv
 * threadpool, for instance) never interleave inside a line. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static unsigned long long log_node_id;
static enum rd_log_level log_min = RD_LOG_INFO;

static const char *const log_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void rd_log_setup(unsigned long long node_id, enum rd_log_level min_level)
{
	log_node_id = node_id;
	log_min = min_level;
}

int rd_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, log_names[i]) == 0 ||
		    (i == RD_LOG_WARN && strcasecmp(s, "warning") == 0))
			return i;
	return -1;
}

void rd_log(enum rd_log_level level, const char *fmt, ...)
{
	char msg[1024], when[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	if (level < log_min)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s.%03dZ %-5s n%llu %s\n", when, (int)(tv.tv_usec / 1000),
		log_names[level], log_node_id, msg);
}
