/* The drill spec's sections azure, devices, hops, probes and trace; see
 * spec_priv.h and failover-drill.json(5). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec_priv.h"

/* Characters that would change the meaning of an ARM resource URL. */
static bool
arm_segment_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '/' || *s == '?' || *s == '#' || *s == '%' ||
		    *s == '&' || isspace((unsigned char)*s))
			return false;
	return true;
}

/* "00000000-0000-0000-0000-000000000000" */
static bool
guid_ok(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* "2024-05-01" or "2024-05-01-preview" */
static bool
api_version_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[10] == '\0' || strcmp(s + 10, "-preview") == 0;
}

static bool
hostname_ok(const char *s)
{
	struct fd_addr a;

	if (addr_parse(s, &a, NULL) == 0)
		return true;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' &&
		    *s != '_')
			return false;
	return true;
}

static bool
env_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/*
 * "~/x" -> "$HOME/x", as ssh(1) does for its files, and
 * "$CREDENTIALS_DIRECTORY/x" -> the directory systemd gives a service its
 * LoadCredential= files in (systemd.exec(5)); unset, the path is kept as
 * written and opening it fails naming it.
 */
#define CRED_PREFIX "$CREDENTIALS_DIRECTORY/"
static void
expand_home(struct jw_ctx *c, const char *key, char *path, size_t size)
{
	const char *home = getenv("HOME"), *rest = path + 2;
	char buf[PATH_MAX];
	struct jw_mark m;

	if (strncmp(path, CRED_PREFIX, strlen(CRED_PREFIX)) == 0) {
		home = getenv("CREDENTIALS_DIRECTORY");
		rest = path + strlen(CRED_PREFIX);
	} else if (strncmp(path, "~/", 2) != 0) {
		return;
	}
	if (home == NULL || *home == '\0')
		return;
	if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", home, rest) >=
	    size) {
		m = jw_push(c, key);
		jw_diag(c, AT_VALUE, "too long once ~ is expanded");
		jw_pop(c, m);
		return;
	}
	memcpy(path, buf, strlen(buf) + 1);
}


/* ------------------------------------------------------------- azure */

static const struct jw_field azure_fields[] = {
	FSTR("subscription", struct azure_cfg, subscription, true),
	FSTR("resource_group", struct azure_cfg, resource_group, true),
	FSTR("circuit", struct azure_cfg, circuit, true),
	FSTR("peering", struct azure_cfg, peering, false),
	FSTR("vpn_gateway", struct azure_cfg, vpn_gateway, false),
	FSTR("cloud", struct azure_cfg, cloud, false),
	FSTR("arm_endpoint", struct azure_cfg, arm_endpoint, false),
	FSTR("authority", struct azure_cfg, authority, false),
	FSTR("audience", struct azure_cfg, audience, false),
	FSTR("ca_bundle", struct azure_cfg, ca_bundle, false),
	FSTR("api_version", struct azure_cfg, api_version, false),
	FBOOL("ipv6", struct azure_cfg, ipv6),
	FSTR("network_watcher_rg", struct azure_cfg, network_watcher_rg,
	    false),
	FSTR("network_watcher", struct azure_cfg, network_watcher, false),
	FSTR("source_vm_id", struct azure_cfg, source_vm_id, false),
	FUINT("request_timeout_ms", struct azure_cfg, request_timeout_ms,
	    1000, 600000),
};

void
spec_parse_azure(struct jw_ctx *c, json_t *o)
{
	struct azure_cfg *a = &vspec(c)->azure;
	static const char *const arm_keys[] = {
		"resource_group", "circuit", "peering", "vpn_gateway",
		"network_watcher_rg", "network_watcher",
	};
	size_t i;

	jw_unpack(c, o, azure_fields, NFIELDS(azure_fields), a, false);
	if (jw_get_str(o, "subscription") && !guid_ok(a->subscription))
		jw_key_diag(c, o, "subscription", "'%s' is not a subscription "
		    "id (a GUID)", a->subscription);
	for (i = 0; i < NFIELDS(arm_keys); i++) {
		json_t *v = jw_get_str(o, arm_keys[i]);

		if (v != NULL && !arm_segment_ok(json_string_value(v)))
			jw_key_diag(c, o, arm_keys[i], "'/', '?', '#', '%%', "
			    "'&' and spaces cannot be part of an Azure "
			    "resource name");
	}
	if (strcmp(a->peering, "AzurePrivatePeering") != 0 &&
	    strcmp(a->peering, "MicrosoftPeering") != 0)
		jw_key_diag(c, o, "peering", "'%s' is not a peering this tool "
		    "toggles (AzurePrivatePeering or MicrosoftPeering)",
		    a->peering);
	/* No "cloud" stays "" (public, or AZURE_AUTHORITY_HOST's host, as
	 * azure-identity reads it); a named cloud keeps its own host. */
	if (jw_get_str(o, "cloud") != NULL &&
	    strcmp(a->cloud, "public") != 0 && strcmp(a->cloud, "usgov") != 0 &&
	    strcmp(a->cloud, "china") != 0 && strcmp(a->cloud, "custom") != 0)
		jw_key_diag(c, o, "cloud",
		    "'%s' is not a cloud (public, usgov, china or custom)",
		    a->cloud);
	if (strcmp(a->cloud, "custom") == 0 &&
	    (a->arm_endpoint[0] == '\0' || a->authority[0] == '\0'))
		jw_key_diag(c, o, "cloud", "a custom cloud needs arm_endpoint "
		    "and authority");
	if (a->arm_endpoint[0] != '\0' &&
	    strncmp(a->arm_endpoint, "https://", 8) != 0)
		jw_key_diag(c, o, "arm_endpoint", "must be an https:// URL");
	if (a->authority[0] != '\0' &&
	    strncmp(a->authority, "https://", 8) != 0)
		jw_key_diag(c, o, "authority", "must be an https:// URL");
	if (a->audience[0] != '\0' &&
	    (strncmp(a->audience, "https://", 8) != 0 ||
	    a->audience[8] == '\0' || a->audience[8] == '/' ||
	    strpbrk(a->audience, " \t\r\n?#") != NULL))
		jw_key_diag(c, o, "audience",
		    "'%s' is not a token audience (an "
		    "https:// URI without query, as in the cloud's "
		    "metadata/endpoints authentication.audiences)",
		    a->audience);
	if (!api_version_ok(a->api_version))
		jw_key_diag(c, o, "api_version",
		    "'%s' is not an ARM api-version "
		    "(YYYY-MM-DD or YYYY-MM-DD-preview)", a->api_version);
	if ((a->source_vm_id[0] != '\0') != (a->network_watcher[0] != '\0') ||
	    (a->network_watcher[0] != '\0') !=
	    (a->network_watcher_rg[0] != '\0'))
		jw_key_diag(c, o, a->source_vm_id[0] ? "source_vm_id" :
		    "network_watcher", "a connectivity check needs "
		    "network_watcher_rg, network_watcher and source_vm_id "
		    "together");
	expand_home(c, "ca_bundle", a->ca_bundle, sizeof(a->ca_bundle));
}

/* ----------------------------------------------------------- devices */

static const struct jw_field device_fields[] = {
	FSTR("kind", struct device_cfg, kind, true),
	FSTR("host", struct device_cfg, host, true),
	FUINT("port", struct device_cfg, port, 1, 65535),
	FSTR("user", struct device_cfg, user, false),
	FSTR("routing_instance", struct device_cfg, routing_instance, false),
	FSTR("known_hosts", struct device_cfg, known_hosts, false),
	FSTR("identity_file", struct device_cfg, identity_file, false),
	FSTR("passphrase_file", struct device_cfg, passphrase_file, false),
	FSTR("password_file", struct device_cfg, password_file, false),
	FSTR("password_env", struct device_cfg, password_env, false),
	FBOOL("agent", struct device_cfg, agent),
	FBOOL("accept_new_host_key", struct device_cfg, accept_new_host_key),
	FSTR("jump_host", struct device_cfg, jump_host, false),
	FSTR("transport", struct device_cfg, transport, false),
	FCUSTOM("timeouts", F_OBJ, false),
};

static const struct jw_field device_timeout_fields[] = {
	FUINT("connect_ms", struct device_cfg, connect_timeout_ms, 100,
	    600000),
	FUINT("command_ms", struct device_cfg, command_timeout_ms, 100,
	    3600000),
	FUINT("keepalive_s", struct device_cfg, keepalive_s, 0, 3600),
};

static void
device_defaults(struct device_cfg *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->kind, sizeof(d->kind), "junos");
	d->port = 22;
	snprintf(d->known_hosts, sizeof(d->known_hosts),
	    "~/.ssh/known_hosts");
	d->agent = true;
	d->connect_timeout_ms = 10000;
	d->command_timeout_ms = 60000;
	d->keepalive_s = 15;
	snprintf(d->transport, sizeof(d->transport), "cli");
}

static void
parse_device(struct jw_ctx *c, const char *name, json_t *o)
{
	struct device_cfg *d = &vspec(c)->devices[vspec(c)->n_devices];
	json_t *t;
	struct jw_mark m;

	device_defaults(d);
	if (jw_check_name(c, AT_KEY, "device name", name, sizeof(d->name) - 1))
		snprintf(d->name, sizeof(d->name), "%s", name);
	if (!json_is_object(o)) {
		jw_diag(c, AT_VALUE, "a device must be an object, not %s",
		    jw_type_name(o));
		return;
	}
	jw_unpack(c, o, device_fields, NFIELDS(device_fields), d, false);
	if ((t = jw_get_typed(o, "timeouts", JSON_OBJECT)) != NULL) {
		m = jw_push(c, "timeouts");
		jw_unpack(c, t, device_timeout_fields,
		    NFIELDS(device_timeout_fields), d, false);
		jw_pop(c, m);
	}
	if (jw_get_str(o, "kind") && strcmp(d->kind, "junos") != 0)
		jw_key_diag(c, o, "kind", "unsupported device kind '%s' (only "
		    "junos)", d->kind);
	if (jw_get_str(o, "host") && !hostname_ok(d->host))
		jw_key_diag(c, o, "host", "'%s' is neither an IP address nor a "
		    "host name", d->host);
	if (jw_get_str(o, "password_env") && !env_name_ok(d->password_env))
		jw_key_diag(c, o, "password_env", "'%s' is not an environment "
		    "variable name", d->password_env);
	if (d->password_file[0] != '\0' && d->password_env[0] != '\0')
		jw_key_diag(c, o, "password_env", "give password_file or "
		    "password_env, not both");
	if (d->passphrase_file[0] != '\0' && d->identity_file[0] == '\0')
		jw_key_diag(c, o, "passphrase_file", "passphrase_file needs "
		    "identity_file");
	if (jw_get_str(o, "transport") && strcmp(d->transport, "cli") != 0 &&
	    strcmp(d->transport, "netconf") != 0)
		jw_key_diag(c, o, "transport", "'%s' is not a transport (cli "
		    "or netconf)", d->transport);
	if (jw_get_str(o, "jump_host") && strchr(d->jump_host, ' ') != NULL)
		jw_key_diag(c, o, "jump_host", "must be [user@]host[:port]");
	expand_home(c, "known_hosts", d->known_hosts, sizeof(d->known_hosts));
	expand_home(c, "identity_file", d->identity_file,
	    sizeof(d->identity_file));
	expand_home(c, "passphrase_file", d->passphrase_file,
	    sizeof(d->passphrase_file));
	expand_home(c, "password_file", d->password_file,
	    sizeof(d->password_file));
	if (d->name[0] != '\0')
		vspec(c)->n_devices++;
}

void
spec_parse_devices(struct jw_ctx *c, json_t *o)
{
	const char *k;
	json_t *v;
	struct jw_mark m;

	json_object_foreach(o, k, v) {
		m = jw_push(c, k);
		if (vspec(c)->n_devices >= SPEC_MAX_DEVICES)
			jw_diag(c, AT_KEY, "too many devices (at most %d)",
			    SPEC_MAX_DEVICES);
		else
			parse_device(c, k, v);
		jw_pop(c, m);
	}
}

/* -------------------------------------------------------------- hops */

void
spec_parse_hops(struct jw_ctx *c, json_t *o)
{
	struct hop_sets *sets = &vspec(c)->sets;
	const char *k;
	json_t *a, *v;
	struct jw_mark m, mi;
	size_t i;

	json_object_foreach(o, k, a) {
		struct hop_set *hs = &sets->sets[sets->n];

		m = jw_push(c, k);
		if (sets->n >= HOPSETS_MAX) {
			jw_diag(c, AT_KEY, "too many hop sets (at most %d)",
			    HOPSETS_MAX);
			jw_pop(c, m);
			continue;
		}
		if (!jw_check_name(c, AT_KEY, "hop set name", k,
		    HOPSET_NAME_MAX - 1)) {
			jw_pop(c, m);
			continue;
		}
		if (!json_is_array(a)) {
			jw_diag(c, AT_VALUE, "a hop set must be an array of "
			    "addresses and CIDRs, not %s", jw_type_name(a));
			jw_pop(c, m);
			continue;
		}
		memset(hs, 0, sizeof(*hs));
		snprintf(hs->name, sizeof(hs->name), "%s", k);
		if (json_array_size(a) == 0)
			jw_diag(c, AT_VALUE, "empty hop set");
		if (json_array_size(a) > HOPSET_MAX_PREFIXES)
			jw_diag(c, AT_VALUE, "at most %d members",
			    HOPSET_MAX_PREFIXES);
		json_array_foreach(a, i, v) {
			if (hs->n >= HOPSET_MAX_PREFIXES)
				break;
			mi = jw_push_idx(c, i);
			if (jw_prefix_value(c, v, &hs->prefixes[hs->n]))
				hs->n++;
			jw_pop(c, mi);
		}
		sets->n++;
		jw_pop(c, m);
	}
}

/* ------------------------------------------------------------ probes */

static const struct jw_field probe_fields[] = {
	FSTR("name", struct spec_probe, name, true),
	FCUSTOM("to", F_STR, true),
	FSTR("from", struct spec_probe, from, false),
	FBOOL("watch", struct spec_probe, watch),
	FCUSTOM("method", F_STR, false),
	FUINT("port", struct spec_probe, port, 1, 65535),
};

void
spec_parse_probes(struct jw_ctx *c, json_t *a)
{
	struct spec *s = vspec(c);
	bool any_watch = false, unwatched[SPEC_MAX_PROBES] = { false };
	json_t *o, *v;
	struct jw_mark m;
	size_t i;
	unsigned j;

	if (json_array_size(a) > SPEC_MAX_PROBES) {
		jw_diag(c, AT_VALUE, "too many probes (at most %d)",
		    SPEC_MAX_PROBES);
	}
	json_array_foreach(a, i, o) {
		struct spec_probe *p = &s->probes[s->n_probes];
		unsigned bad;

		if (s->n_probes >= SPEC_MAX_PROBES)
			break;
		m = jw_push_idx(c, i);
		memset(p, 0, sizeof(*p));
		if (!json_is_object(o)) {
			jw_diag(c, AT_VALUE,
			    "a probe must be an object, not %s",
			    jw_type_name(o));
			jw_pop(c, m);
			continue;
		}
		p->line = jw_cur_line(c);
		bad = jw_unpack(c, o, probe_fields, NFIELDS(probe_fields), p,
		    false);
		if (jw_get_str(o, "name") && !jw_check_name(c, AT_VALUE,
		    "probe name", p->name, SPEC_NAME_MAX - 1))
			bad++;
		if (p->name[0] != '\0' && spec_probe(s, p->name) != NULL) {
			jw_key_diag(c, o, "name", "duplicate probe name '%s'",
			    p->name);
			bad++;
		}
		if (!jw_member_addr(c, o, "to", &p->to))
			bad++;
		if (strcmp(p->from, "azure") == 0) {
			/* Azure side: Network Watcher from the source VM. */
			if (s->azure.source_vm_id[0] == '\0') {
				jw_key_diag(c, o, "from", "'azure' needs "
				    "azure.network_watcher_rg, "
				    "network_watcher and source_vm_id");
				bad++;
			}
		} else if (p->from[0] != '\0' &&
		    spec_device(s, p->from) == NULL) {
			jw_key_diag(c, o, "from", "unknown device '%s'",
			    p->from);
			bad++;
		}
		if (p->from[0] != '\0' && p->watch) {
			jw_key_diag(c, o, "watch",
			    "only native probes (without "
			    "'from') can be watched");
			bad++;
		}
		if ((v = json_object_get(o, "method")) != NULL &&
		    json_is_string(v) && probe_method_parse(
		    json_string_value(v), &p->method) < 0) {
			jw_key_diag(c, o, "method",
			    "unknown method '%s' (icmp, tcp or udp)",
			    json_string_value(v));
			bad++;
		}
		if (v != NULL && p->from[0] != '\0') {
			jw_key_diag(c, o, "method",
			    "only native probes (without "
			    "'from') have a method");
			bad++;
		}
		if (p->method == PROBE_METHOD_TCP && p->port == 0 &&
		    json_object_get(o, "port") == NULL) {
			jw_key_diag(c, o, "method", "method tcp needs 'port' "
			    "(the port the target answers, e.g. 3389)");
			bad++;
		} else if (p->method != PROBE_METHOD_TCP &&
		    json_object_get(o, "port") != NULL) {
			jw_key_diag(c, o, "port", "'port' is only for method "
			    "tcp");
			bad++;
		}
		if (p->watch)
			any_watch = true;
		else if (json_object_get(o, "watch") != NULL &&
		    s->n_probes < SPEC_MAX_PROBES)
			unwatched[s->n_probes] = true;
		/* Keep a named probe even when it has problems, so the
		 * expectations naming it do not add noise. */
		if (p->name[0] != '\0')
			s->n_probes++;
		jw_pop(c, m);
	}
	/* Unless a probe asks to be watched, watch the first native probe
	 * that did not say "watch": false. */
	if (!any_watch)
		for (j = 0; j < s->n_probes; j++)
			if (s->probes[j].from[0] == '\0' && !unwatched[j]) {
				s->probes[j].watch = true;
				break;
			}
}

/* ------------------------------------------------------------- trace */

static const struct jw_field trace_fields[] = {
	FUINT("probes_per_hop", struct probe_cfg, probes_per_hop, 1,
	    HOP_MAX_PROBES),
	FUINT("first_ttl", struct probe_cfg, first_ttl, 1, HOPS_MAX),
	FUINT("max_ttl", struct probe_cfg, max_ttl, 1, HOPS_MAX),
	FUINT("flows", struct probe_cfg, flows, 1, 16),
	FUINT("wait_max_ms", struct probe_cfg, wait_max_ms, 10, 60000),
	FREAL("wait_here", struct probe_cfg, wait_here, 0, 100),
	FREAL("wait_near", struct probe_cfg, wait_near, 0, 100),
	FUINT("port", struct probe_cfg, port, 1, 65535 - HOPS_MAX),
	FSTR("source", struct probe_cfg, source, false),
	FSTR("iface", struct probe_cfg, iface, false),
};

void
spec_parse_trace(struct jw_ctx *c, json_t *o)
{
	struct probe_cfg *p = &vspec(c)->probe;
	struct fd_addr a;

	jw_unpack(c, o, trace_fields, NFIELDS(trace_fields), p, false);
	if (p->first_ttl > p->max_ttl)
		jw_key_diag(c, o, "first_ttl",
		    "first_ttl %u is above max_ttl %u", p->first_ttl,
		    p->max_ttl);
	if (jw_get_str(o, "source"))
		(void)jw_member_addr(c, o, "source", &a);
}
