/*
 * Saving the raw replies junos.c parses (device_ops.record, provider.h)
 * as files of the result directory's replies/<phase>/:
 *
 *   <device>__<command>.<json|xml|txt>
 *
 * <device> is the spec's device name, <command> the command as run
 * without the "| display ..." and "| no-more" pipes, every character but
 * letters, digits, '.' and '-' made '_' ("show route table
 * Cust11.inet.0 10.17.11.128/26 exact" -> show_route_table_Cust11.inet.0_
 * 10.17.11.128_26_exact), and the extension the display format of the
 * reply: json, xml, or txt for text.  This is JSNAPy's snapshot naming
 * (lib/jnpr/jsnapy/snap.py generate_snap_file(): "<host>_<tag>_<command>.
 * <format>", the command's spaces and '/' made '_') with the tag as the
 * directory and "__" after the device, whose name may hold '_'.
 *
 * One file per device and command in a phase: the last reply parsed.  A
 * command run again (a retry, a reconnect, a re-trace, the JSON -> XML ->
 * text fallback) replaces its file, also one of another format.
 */
#ifndef FD_JUNOS_REPLIES_H
#define FD_JUNOS_REPLIES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "provider.h"

struct junos_replies {
	char dir[PATH_MAX];		/* "" = not recording */
	struct device_replies *budget;
	bool warned;			/* a failed save was logged for dir */
};

/* device_ops.record: start saving into dir (NULL: stop). */
void junos_replies_set(struct junos_replies *r, const char *dir,
    struct device_replies *budget);

/* Save buf, the reply of cmd in format ext ("json", "xml", "txt"),
 * whole; every failure is a warning naming the file. */
void junos_replies_save(struct junos_replies *r, const char *device,
    const char *cmd, const char *ext, const char *buf, size_t len);

#endif
