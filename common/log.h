/* log.h - raftd's log lines on stderr: "<UTC time> <LEVEL> n<id> message". */
#ifndef RD_COMMON_LOG_H
#define RD_COMMON_LOG_H

enum rd_log_level { RD_LOG_DEBUG, RD_LOG_INFO, RD_LOG_WARN, RD_LOG_ERROR };

void rd_log_setup(unsigned long long node_id, enum rd_log_level min_level);
/* Parse "debug", "info", "warn" or "error"; -1 when unknown. */
int rd_log_level_parse(const char *s);
void rd_log(enum rd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define rd_debug(...) rd_log(RD_LOG_DEBUG, __VA_ARGS__)
#define rd_info(...) rd_log(RD_LOG_INFO, __VA_ARGS__)
#define rd_warn(...) rd_log(RD_LOG_WARN, __VA_ARGS__)
#define rd_error(...) rd_log(RD_LOG_ERROR, __VA_ARGS__)

#endif
