/*
 * The Junos device provider (junos_device_ops): read-only show commands
 * over providers/transport/ssh, parsed by junos_parse.h.  Commands are
 * built only from validated tokens, so nothing from a spec can add ';' or
 * '|' to what the device runs.
 */
#ifndef FD_JUNOS_H
#define FD_JUNOS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "netaddr.h"
#include "provider.h"

extern const struct device_ops junos_device_ops;

struct ssh_ops;
/* junos_device_ops.open over another SSH transport (transport/ssh.h):
 * the unit tests' scripted fake.  The real one uses ssh_libssh2_ops. */
int junos_open_with(const struct device_cfg *cfg, const struct ssh_ops *ssh,
    void **ctx, struct fd_error *err);

/* Table and routing-instance names: [A-Za-z0-9_.-]{1,63}. */
bool junos_valid_name(const char *s);

/* Command builders (exposed for tests).  Return 0, or -EINVAL for a name
 * that fails junos_valid_name(), -ENAMETOOLONG. */
int junos_cmd_routes(const char *table, const struct fd_prefix *pfx,
    char *buf, size_t len, struct fd_error *err);
int junos_cmd_bgp_routes(bool advertised, const struct fd_addr *nbr,
    const char *table, char *buf, size_t len, struct fd_error *err);
int junos_cmd_bgp_summary(const char *instance, char *buf, size_t len,
    struct fd_error *err);
int junos_cmd_bgp_neighbor(const struct fd_addr *nbr, char *buf, size_t len,
    struct fd_error *err);
int junos_cmd_traceroute(const struct fd_addr *to, const char *instance,
    unsigned wait_s, unsigned ttl, char *buf, size_t len,
    struct fd_error *err);
/* Command timeout covering a traceroute with every hop silent. */
unsigned junos_traceroute_timeout_ms(unsigned wait_s, unsigned ttl);

/* Not in struct device_ops: the peer view of one neighbour. */
/* Keep only instance's peers ("" = master) of a "show bgp summary
 * instance" reply, which lists every instance whose name begins so. */
void junos_bgp_keep_instance(struct bgp_summary *s, const char *instance);
int junos_bgp_neighbor(void *ctx, const struct fd_addr *nbr,
    struct bgp_summary *out, struct fd_error *err);

#endif
