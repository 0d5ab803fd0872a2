/*
 * Logging: the only global state besides parsed options.  On a terminal,
 * live phase lines with elapsed time; otherwise plain timestamped lines,
 * quiet on success (warnings and errors only unless -v).
 */
#ifndef FD_LOG_H
#define FD_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(enum log_level level, bool tty);
enum log_level log_level(void);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "[BASELINE] -> [FAILOVER]": always at INFO, with elapsed time. */
void log_transition(const char *from, const char *to);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
