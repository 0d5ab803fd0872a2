#include <stdio.h>
#include <string.h>

#include "error.h"

int
fd_error_set(struct fd_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->kind = FD_ERR_UNCLASSIFIED;
	err->unchanged = false;
	err->request_id[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int
fd_error_prefix(struct fd_error *err, const char *fmt, ...)
{
	char head[FD_ERROR_MSG], old[FD_ERROR_MSG];
	va_list ap;

	if (err == NULL)
		return 0;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
	return err->code;
}

void
fd_error_clear(struct fd_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->kind = FD_ERR_UNCLASSIFIED;
	err->unchanged = false;
	err->request_id[0] = '\0';
	err->msg[0] = '\0';
}

int
fd_error_request_id(struct fd_error *err, const char *id)
{
	if (err == NULL)
		return 0;
	snprintf(err->request_id, sizeof(err->request_id), "%s",
	    id != NULL ? id : "");
	return err->code;
}

int
fd_error_kind_set(struct fd_error *err, enum fd_error_kind kind)
{
	if (err == NULL)
		return 0;
	err->kind = kind;
	return err->code;
}
