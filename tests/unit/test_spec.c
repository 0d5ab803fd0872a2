/*
 * The drill spec loader: the seed drill's values and defaults, every
 * optional key, and a golden table of bad specs (tests/golden/spec/X.json
 * with the exact expected "line:column: message" list in X.ok).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "spec.h"
#include "../testutil.h"

static struct spec *
load_ok(const char *text)
{
	struct spec_diags *d = calloc(1, sizeof(*d));
	struct spec *s = NULL;
	unsigned i;
	int rc;

	assert_non_null(d);
	rc = spec_load_buffer(text, strlen(text), "inline.json", &s, d);
	for (i = 0; i < d->n && i < SPEC_MAX_DIAGS; i++)
		print_message("# %u:%u: %s\n", d->v[i].line, d->v[i].column,
		    d->v[i].msg);
	assert_int_equal(rc, 0);
	assert_int_equal(d->n, 0);
	assert_non_null(s);
	free(d);
	return s;
}

static void
assert_addr(const struct fd_addr *a, const char *want)
{
	char buf[FD_ADDR_STRLEN];

	assert_string_equal(addr_str(a, buf, sizeof(buf)), want);
}

static void
assert_prefix(const struct fd_prefix *p, const char *want)
{
	char buf[FD_PREFIX_STRLEN];

	assert_string_equal(prefix_str(p, buf, sizeof(buf)), want);
}

static void
assert_pat(const struct hop_pat *p, const char *want)
{
	char buf[64];

	assert_string_equal(hop_pat_str(p, buf, sizeof(buf)), want);
}

static void
test_defaults(void **state)
{
	struct spec *s = calloc(1, sizeof(*s));

	(void)state;
	assert_non_null(s);
	memset(s, 0xa5, sizeof(*s));
	spec_defaults(s);
	assert_string_equal(s->azure.peering, "AzurePrivatePeering");
	assert_string_equal(s->azure.api_version, "2024-05-01");
	/* Unnamed: public, or AZURE_AUTHORITY_HOST's (issue 11 item 12). */
	assert_string_equal(s->azure.cloud, "");
	assert_int_equal(s->azure.request_timeout_ms, 65000);
	assert_int_equal(s->probe.probes_per_hop, 3);
	assert_int_equal(s->probe.first_ttl, 1);
	assert_int_equal(s->probe.max_ttl, 30);
	assert_int_equal(s->probe.flows, 1);
	assert_int_equal(s->probe.wait_max_ms, 3000);
	assert_true(s->probe.wait_here == 3.0);
	assert_true(s->probe.wait_near == 10.0);
	assert_int_equal(s->probe.port, 33434);
	assert_int_equal(s->timeouts.operation_s, 900);
	assert_int_equal(s->timeouts.converge_s, 120);
	assert_int_equal(s->timeouts.settle_s, 5);
	assert_int_equal(s->timeouts.restore_s, 1800);
	assert_int_equal(s->timeouts.drill_s, 3600);
	assert_int_equal(s->converge.rate_hz, 100);
	assert_int_equal(s->converge.stable_ms, 3000);
	assert_int_equal(s->n_devices, 0);
	assert_int_equal(s->n_probes, 0);
	assert_false(s->baseline.set);
	free(s);
}

/* Run a seed trace through the loaded expectation. */
static int
match(const struct spec *s, const struct spec_expect *e, const char *trace)
{
	struct hop_list *l = hop_list_new();
	struct fd_error err;
	int rc;

	assert_non_null(l);
	assert_int_equal(hop_list_parse(trace, l, NULL), 0);
	l->target = s->probes[0].to;
	hop_list_finish(l);
	rc = hops_match(&e->paths[0].path, &s->sets, l, &err);
	hop_list_free(l);
	return rc;
}

#define BASELINE "10.1.11.1, 192.168.11.0, 192.168.11.18, *, 10.17.11.132"
#define FAILOVER "10.1.11.1, *, 10.17.11.132"

static void
test_seed_drill(void **state)
{
	struct spec_diags *d = calloc(1, sizeof(*d));
	const struct device_cfg *fw, *ce2;
	const struct spec_check *k;
	struct spec *s = NULL;
	char path[4096];

	(void)state;
	assert_non_null(d);
	assert_non_null(tu_source("drills/s2s-vpn-backup.json", path,
	    sizeof(path)));
	setenv("HOME", "/home/drill", 1);
	assert_int_equal(spec_load(path, &s, d), 0);
	assert_int_equal(d->n, 0);
	assert_string_equal(s->file, path);
	assert_string_equal(s->name, "sea-cust11-s2s-backup");

	assert_string_equal(s->azure.resource_group, "SEA-Cust11");
	assert_string_equal(s->azure.circuit, "SEA-Cust11-ER");
	assert_string_equal(s->azure.peering, "AzurePrivatePeering");
	assert_string_equal(s->azure.vpn_gateway, "SEA-Cust11-VNet01-gw-vpn");
	assert_string_equal(s->azure.api_version, "2024-05-01");
	assert_string_equal(s->azure.cloud, "");
	assert_false(s->azure.ipv6);

	assert_int_equal(s->n_devices, 3);
	fw = spec_device(s, "fw");
	assert_non_null(fw);
	assert_string_equal(fw->kind, "junos");
	assert_string_equal(fw->host, "10.1.11.1");
	assert_string_equal(fw->routing_instance, "Cust11");
	assert_string_equal(fw->user, "drill");
	assert_int_equal(fw->port, 22);
	assert_true(fw->agent);
	assert_false(fw->accept_new_host_key);
	assert_string_equal(fw->known_hosts, "/home/drill/.ssh/known_hosts");
	assert_int_equal(fw->connect_timeout_ms, 10000);
	assert_int_equal(fw->command_timeout_ms, 60000);
	assert_int_equal(fw->keepalive_s, 15);
	ce2 = spec_device(s, "ce2");
	assert_non_null(ce2);
	assert_string_equal(ce2->host, "192.168.11.2");
	assert_string_equal(ce2->routing_instance, "");
	assert_null(spec_device(s, "ce3"));

	assert_int_equal(s->sets.n, 2);
	assert_string_equal(s->sets.sets[0].name, "msee");
	assert_int_equal(s->sets.sets[0].n, 2);
	assert_prefix(&s->sets.sets[0].prefixes[1], "192.168.11.20/30");
	assert_int_equal(hop_sets_find(&s->sets, "ce")->n, 2);

	assert_int_equal(s->n_probes, 1);
	assert_string_equal(s->probes[0].name, "onprem-to-spoke");
	assert_addr(&s->probes[0].to, "10.17.11.132");
	assert_string_equal(s->probes[0].from, "");
	assert_true(s->probes[0].watch);
	assert_int_equal(s->probes[0].line, 22);
	assert_ptr_equal(spec_probe(s, "onprem-to-spoke"), &s->probes[0]);

	assert_int_equal(s->n_preflight, 13);
	assert_int_equal(s->preflight[0].kind, CHECK_AZ_CIRCUIT);
	assert_int_equal(s->preflight[1].kind, CHECK_AZ_PERMISSIONS);
	assert_int_equal(s->preflight[2].kind, CHECK_AZ_LINKS);
	assert_int_equal(s->preflight[3].kind, CHECK_AZ_VPN);
	assert_int_equal(s->preflight[4].kind, CHECK_DEV_BGP);
	assert_int_equal(s->preflight[4].n_peers, 2);
	assert_addr(&s->preflight[4].peers[1], "10.17.11.77");
	k = &s->preflight[7];
	assert_int_equal(k->kind, CHECK_DEV_RECEIVED);
	assert_string_equal(k->device, "fw");
	assert_addr(&k->peer, "10.17.11.76");
	assert_int_equal(k->prefixes.n_includes, 2);
	assert_prefix(&k->prefixes.includes[1], "10.17.11.128/26");
	k = &s->preflight[9];
	assert_int_equal(k->kind, CHECK_AZ_LEARNED);
	assert_prefix(&k->route.prefix, "10.1.11.0/25");
	assert_true(k->route.has_nh_addr);
	assert_prefix(&k->route.nh_addr, "192.168.11.88/32");
	assert_int_equal(s->preflight[10].kind, CHECK_AZ_ADVERTISED);
	assert_int_equal(s->preflight[11].kind, CHECK_AZ_BGP);
	k = &s->preflight[12];
	assert_int_equal(k->kind, CHECK_DEV_ROUTE);
	assert_true(k->route.present);
	assert_true(k->route.backup);
	assert_string_equal(k->route.backup_as_path, "65515 I");
	assert_string_equal(k->route.backup_nh_iface, "st0.*");
	assert_int_equal(k->route.local_pref, -1);

	/* Baseline: path and the ExpressRoute route preferred. */
	assert_true(s->baseline.set);
	assert_int_equal(s->baseline.n_paths, 1);
	assert_string_equal(s->baseline.paths[0].probe, "onprem-to-spoke");
	assert_int_equal(s->baseline.paths[0].path.n, 5);
	assert_pat(&s->baseline.paths[0].path.pats[1], "@ce");
	assert_int_equal(s->baseline.paths[0].path.pats[3].kind,
	    HOP_PAT_SILENT);
	assert_true(s->baseline.paths[0].path.reach);
	assert_int_equal(s->baseline.n_checks, 2);
	assert_string_equal(s->baseline.checks[0].route.as_path, "12076 I");
	assert_int_equal(s->baseline.checks[0].route.local_pref, 150);
	assert_string_equal(s->baseline.checks[0].route.protocol, "BGP");
	assert_int_equal(s->baseline.converge_within_s, 0);

	/* Failover: avoid the MSEEs, the tunnel route active. */
	assert_int_equal(s->failover.paths[0].path.n, 3);
	assert_int_equal(s->failover.paths[0].path.pats[1].kind,
	    HOP_PAT_ANY);
	assert_int_equal(s->failover.paths[0].path.n_avoid, 1);
	assert_pat(&s->failover.paths[0].path.avoid[0], "@msee");
	assert_string_equal(s->failover.checks[0].route.as_path, "65515 I");
	assert_string_equal(s->failover.checks[0].route.nh_iface, "st0.*");
	assert_false(s->failover.checks[0].route.backup);
	assert_int_equal(s->failover.converge_within_s, 10);

	/* restored "baseline" is a copy of the baseline. */
	assert_true(s->restored.set);
	assert_int_equal(s->restored.n_paths, 1);
	assert_int_equal(s->restored.n_checks, 2);
	assert_int_equal(s->restored.checks[1].kind, CHECK_AZ_LINKS);
	assert_memory_equal(&s->restored.paths[0], &s->baseline.paths[0],
	    sizeof(s->baseline.paths[0]));

	/* The loaded expectations hold for the article's own traces. */
	assert_int_equal(match(s, &s->baseline, BASELINE), 0);
	assert_int_equal(match(s, &s->failover, FAILOVER), 0);
	assert_int_equal(match(s, &s->failover, BASELINE), -EBADMSG);
	assert_int_equal(match(s, &s->baseline, FAILOVER), -EBADMSG);

	spec_free(s);
	free(d);
}

#define HEAD \
	"{\"name\": \"t\", \"azure\": {\"subscription\": " \
	"\"0a1b2c3d-0000-4000-8000-00000000abcd\", \"resource_group\": " \
	"\"rg\", \"circuit\": \"er\""

static void
test_every_optional_key(void **state)
{
	static const char text[] = HEAD ", \"peering\": \"MicrosoftPeering\","
	    "\"cloud\": \"custom\", \"arm_endpoint\": \"https://arm.lab\","
	    "\"authority\": \"https://login.lab\", \"ca_bundle\": \"~/ca.pem\","
	    "\"api_version\": \"2023-11-01\", \"ipv6\": true,"
	    "\"network_watcher_rg\": \"NetworkWatcherRG\","
	    "\"network_watcher\": \"nw\", \"source_vm_id\": \"/subscriptions/x"
	    "\", \"request_timeout_ms\": 5000, \"vpn_gateway\": \"gw\"},"
	    "\"description\": \"all keys\","
	    "\"devices\": {\"r1\": {\"kind\": \"junos\", \"host\": \"r1.lab\","
	    " \"port\": 830, \"user\": \"ops\", \"routing_instance\": \"RI\","
	    " \"known_hosts\": \"/etc/kh\", \"identity_file\": \"~/id\","
	    " \"passphrase_file\": \"/run/pp\", \"password_env\": \"R1_PW\","
	    " \"agent\": false, \"accept_new_host_key\": true,"
	    " \"jump_host\": \"ops@bastion:2222\", \"transport\": \"netconf\","
	    " \"timeouts\": {\"connect_ms\": 2000, \"command_ms\": 9000,"
	    " \"keepalive_s\": 0}}},"
	    "\"hops\": {\"v6\": [\"2001:db8::/64\"]},"
	    "\"probes\": [{\"name\": \"a\", \"to\": \"2001:db8::1\", \"from\":"
	    " \"r1\"}, {\"name\": \"b\", \"to\": \"10.0.0.1\", \"watch\": false"
	    "}, {\"name\": \"c\", \"to\": \"10.0.0.2\", \"watch\": true,"
	    " \"method\": \"tcp\", \"port\": 3389}],"
	    "\"trace\": {\"probes_per_hop\": 5, \"first_ttl\": 2, \"max_ttl\":"
	    " 40, \"flows\": 4, \"wait_max_ms\": 500, \"wait_here\": 2,"
	    " \"wait_near\": 5.5, \"port\": 40000, \"source\": \"10.0.0.9\","
	    " \"iface\": \"eth1\"},"
	    "\"timeouts\": {\"operation_s\": 600, \"converge_s\": 60,"
	    " \"settle_s\": 0, \"restore_s\": 900, \"drill_s\": 1200},"
	    "\"converge\": {\"rate_hz\": 50, \"stable_ms\": 1500},"
	    "\"window\": {\"tz\": \"Europe/Berlin\", \"weekly\": [{\"days\":"
	    " [\"sat\", \"sun\"], \"from\": \"22:00\", \"to\": \"04:00\"},"
	    " {\"days\": [\"mon\"], \"from\": \"00:00\", \"to\": \"24:00\"}],"
	    " \"not_before\": \"2026-12-05T20:00:00Z\", \"not_after\":"
	    " \"2026-12-31T00:00:00+01:00\"},"
	    "\"expect\": {\"baseline\": {\"a\": {\"path\": [\"@v6\", \"?\","
	    " \"...\"], \"max_hops\": 12}, \"b\": {\"reach\": false}},"
	    " \"failover\": {\"checks\": [{\"device\": \"r1\","
	    " \"received_from\": \"10.0.0.7\", \"table\": \"RI.inet.0\","
	    " \"excludes\": [\"0.0.0.0/0\"], \"as_path\": \"65515 I\"}],"
	    " \"max_loss\": 40, \"c\": {\"avoid\": [\"192.168.11.18\"]}},"
	    " \"restored\": {\"routes\": [{\"device\": \"r1\", \"prefix\":"
	    " \"10.9.0.0/16\", \"absent\": true}]}}}";
	struct spec *s;
	const struct device_cfg *r1;

	(void)state;
	setenv("HOME", "/home/drill", 1);
	s = load_ok(text);
	assert_string_equal(s->description, "all keys");
	assert_string_equal(s->azure.peering, "MicrosoftPeering");
	assert_string_equal(s->azure.cloud, "custom");
	assert_string_equal(s->azure.ca_bundle, "/home/drill/ca.pem");
	assert_string_equal(s->azure.api_version, "2023-11-01");
	assert_true(s->azure.ipv6);
	assert_int_equal(s->azure.request_timeout_ms, 5000);
	assert_string_equal(s->azure.source_vm_id, "/subscriptions/x");
	r1 = spec_device(s, "r1");
	assert_non_null(r1);
	assert_int_equal(r1->port, 830);
	assert_string_equal(r1->identity_file, "/home/drill/id");
	assert_string_equal(r1->known_hosts, "/etc/kh");
	assert_string_equal(r1->password_env, "R1_PW");
	assert_false(r1->agent);
	assert_true(r1->accept_new_host_key);
	assert_string_equal(r1->jump_host, "ops@bastion:2222");
	assert_string_equal(r1->transport, "netconf");
	assert_int_equal(r1->connect_timeout_ms, 2000);
	assert_int_equal(r1->command_timeout_ms, 9000);
	assert_int_equal(r1->keepalive_s, 0);
	assert_prefix(&s->sets.sets[0].prefixes[0], "2001:db8::/64");
	assert_string_equal(s->probes[0].from, "r1");
	/* An explicit watch anywhere turns off the default. */
	assert_false(s->probes[0].watch);
	assert_false(s->probes[1].watch);
	assert_true(s->probes[2].watch);
	assert_int_equal(s->probes[2].method, PROBE_METHOD_TCP);
	assert_int_equal(s->probes[2].port, 3389);
	assert_int_equal(s->probes[1].method, PROBE_METHOD_ICMP);
	assert_int_equal(s->probe.probes_per_hop, 5);
	assert_int_equal(s->probe.first_ttl, 2);
	assert_int_equal(s->probe.max_ttl, 40);
	assert_int_equal(s->probe.flows, 4);
	assert_int_equal(s->probe.wait_max_ms, 500);
	assert_true(s->probe.wait_here == 2.0);
	assert_true(s->probe.wait_near == 5.5);
	assert_int_equal(s->probe.port, 40000);
	assert_string_equal(s->probe.source, "10.0.0.9");
	assert_string_equal(s->probe.iface, "eth1");
	assert_int_equal(s->timeouts.operation_s, 600);
	assert_int_equal(s->timeouts.converge_s, 60);
	assert_int_equal(s->timeouts.settle_s, 0);
	assert_int_equal(s->timeouts.restore_s, 900);
	assert_int_equal(s->timeouts.drill_s, 1200);
	assert_int_equal(s->converge.rate_hz, 50);
	assert_true(s->window.set);
	assert_string_equal(s->window.tz, "Europe/Berlin");
	assert_int_equal(s->window.n_weekly, 2);
	assert_int_equal(s->window.weekly[0].days, (1u << 5) | (1u << 6));
	assert_int_equal(s->window.weekly[0].from_min, 22 * 60);
	assert_int_equal(s->window.weekly[0].to_min, 4 * 60);
	assert_int_equal(s->window.weekly[1].days, 1u);
	assert_int_equal(s->window.weekly[1].to_min, 24 * 60);
	assert_true(s->window.weekly[0].line > 0);
	assert_true(s->window.has_not_before && s->window.has_not_after);
	assert_int_equal(s->window.not_before, 1796500800);
	assert_int_equal(s->window.not_after, 1798671600);
	assert_int_equal(s->converge.stable_ms, 1500);
	assert_int_equal(s->baseline.n_paths, 2);
	assert_int_equal(s->baseline.paths[0].path.max_hops, 12);
	assert_int_equal(s->baseline.paths[0].path.pats[1].kind, HOP_PAT_ONE);
	assert_false(s->baseline.paths[1].path.reach);
	assert_int_equal(s->baseline.paths[1].path.n, 0);
	assert_int_equal(s->failover.checks[0].kind, CHECK_DEV_RECEIVED);
	assert_string_equal(s->failover.checks[0].table, "RI.inet.0");
	assert_int_equal(s->failover.checks[0].prefixes.n_excludes, 1);
	assert_string_equal(s->failover.checks[0].prefixes.as_path,
	    "65515 I");
	assert_int_equal(s->failover.max_loss, 40);
	assert_int_equal(s->restored.n_paths, 0);
	assert_int_equal(s->restored.n_checks, 1);
	assert_false(s->restored.checks[0].route.present);
	spec_free(s);
}

/* Load text expecting errors; returns the first diag's "line: msg". */
static void
load_bad(const char *text, unsigned n, unsigned line, const char *has)
{
	struct spec_diags *d = calloc(1, sizeof(*d));
	struct spec *s = NULL;
	unsigned i;

	assert_non_null(d);
	assert_int_equal(spec_load_buffer(text, strlen(text), "x.json", &s,
	    d), -EINVAL);
	for (i = 0; i < d->n && i < SPEC_MAX_DIAGS; i++)
		print_message("# %u:%u: %s\n", d->v[i].line, d->v[i].column,
		    d->v[i].msg);
	assert_int_equal(d->n, n);
	assert_int_equal(d->v[0].line, line);
	assert_non_null(strstr(d->v[0].msg, has));
	free(d);
}

#define AZ "{\"name\": \"w\", \"azure\": {\"subscription\": " \
	"\"00000000-0000-0000-0000-000000000000\", \"resource_group\": " \
	"\"rg\", \"circuit\": \"c\"},\n"

/* Paths that both read "..." (or name the same hops) leave nothing to
 * classify by: validate names the watched probe's line. */
static void
test_watch_vacuous(void **state)
{
	(void)state;
	load_bad(AZ "\"probes\": [\n{\"name\": \"x\", \"to\": \"10.0.0.1\"}],\n"
	    "\"expect\": {\"baseline\": {\"x\": {\"path\": [\"10.1.1.1\", "
	    "\"...\"]}},\n \"failover\": {\"x\": {\"path\": [\"10.1.1.1\", "
	    "\"...\"]}}}}", 1, 3, "watched probe 'x' has nothing to tell");
	/* A hop only the baseline path names is enough (primary class). */
	spec_free(load_ok(AZ "\"probes\": [{\"name\": \"x\", \"to\": "
	    "\"10.0.0.1\"}], \"expect\": {\"baseline\": {\"x\": {\"path\":"
	    " [\"10.1.1.1\", \"192.168.11.18\", \"...\"]}}, \"failover\": "
	    "{\"x\": {\"path\": [\"10.1.1.1\", \"...\"]}}}}"));
	/* Not watched: nothing to check. */
	spec_free(load_ok(AZ "\"probes\": [{\"name\": \"x\", \"to\": "
	    "\"10.0.0.1\", \"watch\": false}], \"expect\": {\"baseline\": "
	    "{\"x\": {\"path\": [\"...\"]}}, \"failover\": {\"x\": "
	    "{\"path\": [\"...\"]}}}}"));
}

/* A device's "transport": cli by default, netconf, anything else an
 * error naming its line. */
static void
test_device_transport(void **state)
{
	static const char tail[] = "\"probes\": [{\"name\": \"x\", \"to\": "
	    "\"10.0.0.1\", \"watch\": false}], \"expect\": {\"baseline\": "
	    "{\"x\": {\"path\": [\"...\"]}}, \"failover\": {\"x\": "
	    "{\"path\": [\"...\"]}}}}";
	char text[1024];
	struct spec *s;

	(void)state;
	snprintf(text, sizeof(text), AZ "\"devices\": {\"r1\": {\"kind\": "
	    "\"junos\", \"host\": "
	    "\"10.0.0.7\"}},\n%s", tail);
	s = load_ok(text);
	assert_string_equal(spec_device(s, "r1")->transport, "cli");
	spec_free(s);
	snprintf(text, sizeof(text), AZ "\"devices\": {\"r1\": {\"kind\": "
	    "\"junos\", \"host\": "
	    "\"10.0.0.7\",\n \"transport\": \"NETCONF\"}},\n%s", tail);
	load_bad(text, 1, 3, "'NETCONF' is not a transport (cli or "
	    "netconf)");
	snprintf(text, sizeof(text), AZ "\"devices\": {\"r1\": {\"kind\": "
	    "\"junos\", \"host\": "
	    "\"10.0.0.7\",\n\n \"transport\": 830}},\n%s", tail);
	load_bad(text, 1, 4, "transport");
}

/* Key files handed over by systemd (LoadCredential=) are named from
 * $CREDENTIALS_DIRECTORY; unset, the path stays as written. */
static void
test_credentials_directory(void **state)
{
	const char *text = AZ "\"devices\": {\"r1\": {\"kind\": \"junos\","
	    " \"host\": \"10.0.0.7\", \"agent\": false, \"identity_file\":"
	    " \"$CREDENTIALS_DIRECTORY/junos-ed25519\", \"password_file\":"
	    " \"~/pw\"}},\n\"probes\": [{\"name\": \"x\", \"to\": "
	    "\"10.0.0.1\", \"watch\": false}], \"expect\": {\"baseline\": "
	    "{\"x\": {\"path\": [\"...\"]}}, \"failover\": {\"x\": "
	    "{\"path\": [\"...\"]}}}}";
	struct spec *s;

	(void)state;
	setenv("HOME", "/home/drill", 1);
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/fd.service", 1);
	s = load_ok(text);
	assert_string_equal(spec_device(s, "r1")->identity_file,
	    "/run/credentials/fd.service/junos-ed25519");
	assert_string_equal(spec_device(s, "r1")->password_file,
	    "/home/drill/pw");
	spec_free(s);
	unsetenv("CREDENTIALS_DIRECTORY");
	s = load_ok(text);
	assert_string_equal(spec_device(s, "r1")->identity_file,
	    "$CREDENTIALS_DIRECTORY/junos-ed25519");
	spec_free(s);
}

static void
test_watch_classes(void **state)
{
	struct hop_set pri, bak;
	struct spec *s;
	char buf[FD_PREFIX_STRLEN];

	(void)state;
	s = load_ok(AZ "\"hops\": {\"msee\": [\"192.168.11.16/30\"]},"
	    "\"probes\": [{\"name\": \"x\", \"to\": \"10.0.0.1\"}],"
	    " \"expect\": {\"baseline\": {\"x\": {\"path\": [\"10.1.1.1\","
	    " \"192.168.11.0\", \"@msee\", \"*\", \"10.0.0.1\"]}},"
	    " \"failover\": {\"x\": {\"path\": [\"10.1.1.1\", \"10.5.5.5\","
	    " \"10.0.0.1\"]}}}}");
	assert_int_equal(spec_watch_classes(s, "x", &pri, &bak), 3);
	assert_int_equal(pri.n, 2);
	assert_string_equal(prefix_str(&pri.prefixes[0], buf, sizeof(buf)),
	    "192.168.11.0/32");
	assert_string_equal(prefix_str(&pri.prefixes[1], buf, sizeof(buf)),
	    "192.168.11.16/30");
	assert_int_equal(bak.n, 1);
	assert_string_equal(prefix_str(&bak.prefixes[0], buf, sizeof(buf)),
	    "10.5.5.5/32");
	spec_free(s);
}

static void
test_probe_method(void **state)
{
	(void)state;
#define P(x) AZ "\"probes\": [\n{\"name\": \"x\", \"to\": \"10.0.0.1\"" x \
	"}],\n\"expect\": {\"baseline\": {\"x\": {}}, \"failover\": {\"x\": " \
	"{\"avoid\": [\"10.9.9.9\"]}}}}"
	load_bad(P(", \"method\": \"tcp\""), 1, 3, "method tcp needs 'port'");
	load_bad(P(", \"method\": \"sctp\""), 1, 3, "unknown method 'sctp'");
	load_bad(P(", \"method\": \"udp\", \"port\": 53"), 1, 3,
	    "'port' is only for method tcp");
	load_bad(P(", \"method\": \"tcp\", \"port\": 0"), 1, 3,
	    "out of range");
	load_bad(P(", \"method\": 6"), 1, 3, "method");
	spec_free(load_ok(P(", \"method\": \"udp\"")));
#undef P
}

/* Far more problems than SPEC_MAX_DIAGS: all counted, the first kept in
 * file order, *out untouched. */
/* "watch": false on one probe does not turn the default off for the
 * others (the lab's matrix drill relies on it). */
static void
test_watch_default(void **state)
{
	static const char text[] =
	    "{\"name\": \"w\", \"azure\": {\"subscription\": \"00000000-0000-0000-0000-000000000000\","
	    " \"resource_group\": \"rg\", \"circuit\": \"c\"},"
	    " \"probes\": [{\"name\": \"far\", \"to\": \"10.0.0.9\","
	    " \"watch\": false}, {\"name\": \"near\", \"to\": \"10.0.0.1\"}],"
	    " \"expect\": {\"baseline\": {\"near\": {\"path\": [\"...\"]}},"
	    " \"failover\": {\"near\": {\"path\": [\"...\"],"
	    " \"avoid\": [\"@msee\"]}}}, \"hops\": {\"msee\":"
	    " [\"192.168.11.16/30\"]}}";
	struct spec *s;

	(void)state;
	s = load_ok(text);
	assert_false(s->probes[0].watch);
	assert_true(s->probes[1].watch);
	spec_free(s);
}

/* The preflight check kinds of issue 11: parsed, and as strict as the
 * others (no stray keys; vpn_connections needs a gateway). */
static void
test_preflight_kinds(void **state)
{
	static const char ok[] =
	    "{\"name\": \"p\", \"azure\": {\"subscription\": \"00000000-0000-0000-0000-000000000000\","
	    " \"resource_group\": \"rg\", \"circuit\": \"c\", \"vpn_gateway\": \"g\"},"
	    " \"preflight\": [{\"azure\": \"permissions\"}, {\"azure\": \"links\"},"
	    " {\"azure\": \"vpn_connections\"}, {\"azure\": \"no_link_failover_test\"}],"
	    " \"expect\": {\"baseline\": {\"checks\": [{\"azure\": \"links\"}]},"
	    " \"failover\": {\"checks\": [{\"azure\": \"circuit\"}]}}}";
	static const char bad[] =
	    "{\"name\": \"p\", \"azure\": {\"subscription\": \"00000000-0000-0000-0000-000000000000\","
	    " \"resource_group\": \"rg\", \"circuit\": \"c\"},\n"
	    " \"preflight\": [{\"azure\": \"links\", \"link\": \"Primary\"},\n"
	    " {\"azure\": \"vpn_connections\"}],\n"
	    " \"expect\": {\"baseline\": {\"checks\": [{\"azure\": \"links\"}]},"
	    " \"failover\": {\"checks\": [{\"azure\": \"circuit\"}]}}}";
	struct spec_diags *d = calloc(1, sizeof(*d));
	struct spec *s;

	(void)state;
	s = load_ok(ok);
	assert_int_equal(s->n_preflight, 4);
	assert_int_equal(s->preflight[0].kind, CHECK_AZ_PERMISSIONS);
	assert_int_equal(s->preflight[1].kind, CHECK_AZ_LINKS);
	assert_int_equal(s->preflight[2].kind, CHECK_AZ_VPN);
	assert_int_equal(s->preflight[3].kind, CHECK_AZ_LINK_TEST);
	assert_int_equal(s->baseline.checks[0].kind, CHECK_AZ_LINKS);
	spec_free(s);

	assert_non_null(d);
	assert_int_equal(spec_load_buffer(bad, strlen(bad), "bad", &s, d),
	    -EINVAL);
	assert_int_equal(d->n, 2);
	assert_string_equal(d->v[0].msg, "preflight[0].link: unknown key");
	assert_string_equal(d->v[1].msg, "preflight[1].azure: "
	    "vpn_connections checks need azure.vpn_gateway");
	free(d);
}

static void
test_many_errors(void **state)
{
	struct spec_diags *d = calloc(1, sizeof(*d));
	struct spec *s = (struct spec *)(uintptr_t)0x1;
	char *text = malloc(16384);
	size_t n;
	unsigned i;

	(void)state;
	assert_non_null(d);
	assert_non_null(text);
	n = (size_t)snprintf(text, 16384, "%s},\n", HEAD);
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, 16384 - n, "\"bad%u\": %u,\n",
		    i, i);
	n += (size_t)snprintf(text + n, 16384 - n, "\"expect\": {}}");
	assert_int_equal(spec_load_buffer(text, n, "many", &s, d), -EINVAL);
	assert_ptr_equal(s, (struct spec *)(uintptr_t)0x1);
	/* 100 unknown keys, and expect lacks baseline and failover. */
	assert_int_equal(d->n, 102);
	for (i = 1; i < SPEC_MAX_DIAGS; i++)
		assert_true(d->v[i - 1].line <= d->v[i].line);
	assert_int_equal(d->v[0].line, 2);
	assert_string_equal(d->v[SPEC_MAX_DIAGS - 1].msg,
	    "bad63: unknown key");
	free(text);
	free(d);
}

static void
test_missing_file(void **state)
{
	struct spec_diags d;
	struct spec *s = NULL;

	(void)state;
	assert_int_equal(spec_load("/nonexistent/drill.json", &s, &d),
	    -ENOENT);
	assert_null(s);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.file, "/nonexistent/drill.json");
	spec_free(NULL);
}

/* ---- golden: tests/golden/spec/X.json -> X.ok ---- */

static void
test_golden(void **state)
{
	const char *json = *state;
	struct spec_diags *d = calloc(1, sizeof(*d));
	struct spec *s = NULL;
	char okpath[4096], got[16384], *text, *want;
	size_t len = 0, used = 0;
	unsigned i;
	int rc;

	assert_non_null(d);
	text = tu_slurp(json, &len);
	assert_non_null(text);
	snprintf(okpath, sizeof(okpath), "%.*s.ok",
	    (int)(strlen(json) - 5), json);
	want = tu_slurp(okpath, NULL);
	assert_non_null(want);
	rc = spec_load_buffer(text, len, json, &s, d);
	assert_int_equal(rc, -EINVAL);
	assert_null(s);
	assert_true(d->n > 0);
	assert_string_equal(d->file, json);
	got[0] = '\0';
	for (i = 0; i < d->n && i < SPEC_MAX_DIAGS; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used,
		    "%u:%u: %s\n", d->v[i].line, d->v[i].column,
		    d->v[i].msg);
	assert_string_equal(got, want);
	free(text);
	free(want);
	free(d);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_seed_drill),
		cmocka_unit_test(test_every_optional_key),
		cmocka_unit_test(test_preflight_kinds),
		cmocka_unit_test(test_watch_vacuous),
		cmocka_unit_test(test_watch_classes),
		cmocka_unit_test(test_credentials_directory),
		cmocka_unit_test(test_device_transport),
		cmocka_unit_test(test_probe_method),
		cmocka_unit_test(test_watch_default),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_missing_file),
	};
	struct CMUnitTest *tests;
	char pat[4096];
	glob_t g;
	size_t i, n = sizeof(fixed) / sizeof(fixed[0]);
	int rc;

	if (tu_source("tests/golden/spec/*.json", pat, sizeof(pat)) == NULL ||
	    glob(pat, 0, NULL, &g) != 0 || g.gl_pathc < 10) {
		/* The golden table is the point of this test: missing
		 * fixtures are a failure, not a skip. */
		fprintf(stderr, "no golden specs under $FD_SOURCE_ROOT\n");
		return 1;
	}
	tests = calloc(n + g.gl_pathc, sizeof(*tests));
	if (tests == NULL)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/');

		tests[n + i].name = base ? base + 1 : g.gl_pathv[i];
		tests[n + i].test_func = test_golden;
		tests[n + i].initial_state = g.gl_pathv[i];
	}
	rc = _cmocka_run_group_tests("spec", tests, n + g.gl_pathc, NULL,
	    NULL);
	free(tests);
	globfree(&g);
	return rc;
}
