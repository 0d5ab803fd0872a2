/*
 * The raw device replies of each drill phase, saved in the result
 * directory for the change review: <out-dir>/replies/<phase>/, one file
 * per device and command, as Juniper JSNAPy keeps a snapshot file per
 * device, tag and command (lib/jnpr/jsnapy/snap.py,
 * generate_snap_file(): "<host>_<tag>_<command>.<format>"; our tag is
 * the phase's directory).  The core only says which directory; each
 * device provider's record() names and writes the files (provider.h).
 */
#ifndef FD_REPLIES_H
#define FD_REPLIES_H

#include <jansson.h>
#include <stddef.h>

#include "provider.h"

/* All devices of a drill together save at most this much; later replies
 * are not saved, and a warning says so once. */
#define REPLIES_MAX_BYTES (64ULL << 20)

/*
 * Point each of the n devices (ops[i] NULL: none) that records replies at
 * <out_dir>/replies/<phase> (out_dir NULL: stop recording).  b is the
 * drill's budget, zeroed by the caller before the first phase.  Call
 * between phases only.
 */
void replies_phase(const struct device_ops *const *ops, void *const *ctx,
    size_t n, const char *out_dir, const char *phase,
    struct device_replies *b);

/*
 * <out_dir>/replies/<phase> into buf (len bytes): the directory
 * replies_phase() points the devices at.  NULL, with a warning, when it
 * does not fit; NULL when out_dir or phase is NULL.
 */
const char *replies_dir(const char *out_dir, const char *phase, char *buf,
    size_t len);

/*
 * What was saved, for result.json's evidence.replies: {"<phase>":
 * ["<file>", ...]}, each phase's files sorted by name (temporary files
 * left by a failed save not listed).  NULL when nothing was saved.
 */
json_t *replies_index(const char *out_dir);

#endif
