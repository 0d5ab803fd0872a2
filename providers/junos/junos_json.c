/*
 * Junos JSON (| display json) and XML (| display xml).  The JSON is a
 * mechanical transcription of the XML (FORMATS.md 4.1): every element is a
 * key holding an array of objects with "data" and "attributes".  XML is
 * converted into that same json_t shape with libxml2, so one set of
 * extractors serves both.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "junos_parse.h"
#include "junos_priv.h"

/* obj[key][0], or NULL. */
static json_t *
jfirst(json_t *obj, const char *key)
{
	json_t *a = json_object_get(obj, key);

	if (json_is_array(a))
		return json_array_get(a, 0);
	if (json_is_object(a))
		return a;
	return NULL;
}

/* obj[key][0]["data"] when it is a string (FORMATS.md 4.1: "data" can also
 * be [null] for an empty element, or absent for a blank one). */
static const char *
jtext(json_t *obj, const char *key)
{
	json_t *d = json_object_get(jfirst(obj, key), "data");

	return json_is_string(d) ? json_string_value(d) : NULL;
}

static bool
jflag(json_t *obj, const char *key)
{
	return json_object_get(obj, key) != NULL;
}

static long long
jnum(json_t *obj, const char *key)
{
	const char *t = jtext(obj, key);
	long long v;
	char buf[32];

	if (t == NULL)
		return -1;
	snprintf(buf, sizeof(buf), "%s", junos_skip_ws(t));
	buf[strcspn(buf, " \t\r\n")] = '\0';
	return junos_ll(buf, &v) ? v : -1;
}

/* Trimmed copy of a text value (XML text may be wrapped in newlines). */
static void
jcopy(json_t *obj, const char *key, char *out, size_t len)
{
	const char *t = jtext(obj, key);
	size_t n;

	if (t == NULL) {
		if (len > 0)
			out[0] = '\0';
		return;
	}
	t = junos_skip_ws(t);
	n = strlen(t);
	while (n > 0 && isspace((unsigned char)t[n - 1]))
		n--;
	snprintf(out, len, "%.*s", (int)n, t);
}

/* Is only whitespace left?  (Status lines were trimmed already.) */
static bool
json_tail_ok(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p == end;
}

static int
json_root(const char *buf, size_t len, const char *want, json_t **root,
    json_t **obj, struct fd_error *err)
{
	json_error_t je;
	json_t *j, *o;
	const char *p = buf, *end;

	/* "{primary:node0}" may come before and after the object. */
	junos_status_trim(&p, &len);
	end = p + len;
	if (p == end)
		return fd_error_set(err, -EBADMSG, "empty output");
	if (*p != '{')
		return fd_error_set(err, -EBADMSG, "not Junos JSON (starts "
		    "with '%c')", isprint((unsigned char)*p) ? *p : '?');
	/*
	 * Stop after one value; what follows must be nothing (a second
	 * object is an error, not ignored).  Duplicate keys (15.1X49 SRX
	 * JSON repeats elements) are rejected: jansson would keep the last
	 * one and silently lose the others.  Raw control characters in
	 * strings are rejected by jansson (PyEZ reads with strict=False,
	 * py-junos-eznc #1029); the caller then asks for XML.
	 */
	j = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK |
	    JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return fd_error_set(err, -EBADMSG, "JSON line %d: %s",
		    je.line, je.text);
	if (!json_tail_ok(p + je.position, end)) {
		json_decref(j);
		return fd_error_set(err, -EBADMSG, "JSON: unexpected text "
		    "after the object at byte %d", je.position);
	}
	o = jfirst(j, want);
	if (o == NULL) {
		json_decref(j);
		return fd_error_set(err, -EBADMSG, "JSON: no \"%s\"", want);
	}
	*root = j;
	*obj = o;
	return 0;
}

/* ------------------------------------------------------------ routes */

static int
json_nh(json_t *nh, struct route *r)
{
	struct route_nh h;
	char to[FD_ADDR_STRLEN + 8];

	memset(&h, 0, sizeof(h));
	jcopy(nh, "to", to, sizeof(to));
	if (to[0] != '\0' && strcmp(to, "Self") != 0 &&
	    addr_parse(to, &h.addr, NULL) < 0)
		return -1;
	jcopy(nh, "via", h.iface, sizeof(h.iface));
	if (h.iface[0] == '\0')
		jcopy(nh, "nh-local-interface", h.iface, sizeof(h.iface));
	h.selected = jflag(nh, "selected-next-hop");
	if (!addr_is_set(&h.addr) && h.iface[0] == '\0')
		return 0;	/* "Self", Reject, ... */
	if (r->n_nh < ROUTE_MAX_NH)
		r->nh[r->n_nh++] = h;
	return 0;
}

static int
json_rt(json_t *rt, const char *table, struct route_set *tmp, size_t *skipped,
    struct fd_error *err)
{
	char dest[128], tag[8], from[64];
	struct fd_prefix pfx;
	json_t *e, *nh, *age;
	size_t i, j;
	long long plen;

	jcopy(rt, "rt-destination", dest, sizeof(dest));
	/* detail style splits the length off (FORMATS.md 3.3). */
	plen = jnum(rt, "rt-prefix-length");
	if (plen >= 0 && strchr(dest, '/') == NULL)
		snprintf(dest + strlen(dest), sizeof(dest) - strlen(dest),
		    "/%lld", plen);
	if (prefix_parse(dest, &pfx, NULL) < 0) {
		/* MPLS labels, "RD:prefix" of bgp.l3vpn.0: not routes the
		 * drill compares; count them so callers can tell. */
		(*skipped)++;
		return 0;
	}
	json_array_foreach(json_object_get(rt, "rt-entry"), i, e) {
		struct route r;

		route_init(&r);
		r.prefix = pfx;
		snprintf(r.table, sizeof(r.table), "%s", table);
		jcopy(e, "active-tag", tag, sizeof(tag));
		r.active = strcmp(tag, "*") == 0 || strcmp(tag, "+") == 0 ||
		    jflag(e, "current-active");
		jcopy(e, "protocol-name", r.protocol, sizeof(r.protocol));
		r.preference = (long)jnum(e, "preference");
		r.local_pref = jnum(e, "local-preference");
		r.med = jnum(e, "med");
		if (jtext(e, "as-path") != NULL)
			r.as_path_cut = !junos_as_path_clean(jtext(e,
			    "as-path"), r.as_path, sizeof(r.as_path));
		jcopy(e, "learned-from", from, sizeof(from));
		if (from[0] == '\0')
			jcopy(e, "gateway", from, sizeof(from));
		if (from[0] != '\0')
			addr_parse(from, &r.from, NULL);
		age = jfirst(e, "age");
		if (age != NULL) {
			json_t *s = json_object_get(json_object_get(age,
			    "attributes"), "junos:seconds");

			if (s == NULL)
				s = json_object_get(json_object_get(age,
				    "attributes"), "seconds");
			if (json_is_string(s))
				r.age_s = strtoll(json_string_value(s), NULL,
				    10);
			else if (jtext(e, "age") != NULL)
				r.age_s = junos_age_parse(jtext(e, "age"));
		}
		json_array_foreach(json_object_get(e, "nh"), j, nh)
			if (json_nh(nh, &r) < 0) {
				char p[FD_PREFIX_STRLEN];

				return fd_error_set(err, -EBADMSG,
				    "%s %s: bad next hop", table,
				    prefix_str(&pfx, p, sizeof(p)));
			}
		if (route_set_add(tmp, &r) < 0)
			return fd_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static int
routes_from_tree(json_t *ri, struct route_set *out, struct fd_error *err)
{
	struct route_set tmp;
	json_t *tbl, *rt;
	size_t i, j, skipped = 0, ntables = 0;
	char table[ROUTE_TABLE_MAX];
	int rc = 0;

	route_set_init(&tmp);
	json_array_foreach(json_object_get(ri, "route-table"), i, tbl) {
		ntables++;
		jcopy(tbl, "table-name", table, sizeof(table));
		json_array_foreach(json_object_get(tbl, "rt"), j, rt) {
			rc = json_rt(rt, table, &tmp, &skipped, err);
			if (rc < 0)
				goto out;
		}
	}
	/* No route-table: nothing matched, as the empty text reply says
	 * (an "absent" check depends on reading it as empty). */
	(void)ntables;
	for (i = 0; i < tmp.n; i++)
		if (route_set_add(out, &tmp.v[i]) < 0) {
			rc = fd_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
out:
	route_set_done(&tmp);
	return rc;
}

int
junos_json_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err)
{
	json_t *root, *ri;
	int rc;

	rc = json_root(buf, len, "route-information", &root, &ri, err);
	if (rc < 0)
		return rc;
	rc = routes_from_tree(ri, out, err);
	json_decref(root);
	return rc;
}

/* --------------------------------------------------------------- bgp */

static int
bgp_from_tree(json_t *bi, struct bgp_summary *out, struct fd_error *err)
{
	struct bgp_summary tmp;
	json_t *peer, *rib, *el;
	char buf[128];
	size_t i;
	int rc = 0;

	bgp_summary_init(&tmp);
	json_array_foreach(json_object_get(bi, "bgp-peer"), i, peer) {
		struct bgp_peer p;

		bgp_peer_init(&p);
		jcopy(peer, "peer-address", buf, sizeof(buf));
		buf[strcspn(buf, "+")] = '\0';	/* "10.10.50.1+179" */
		if (addr_parse(buf, &p.addr, NULL) < 0) {
			rc = fd_error_set(err, -EBADMSG, "bgp-peer %zu: bad "
			    "peer-address '%.60s'", i, buf);
			goto out;
		}
		p.peer_as = jnum(peer, "peer-as");
		jcopy(peer, "peer-state", p.state, sizeof(p.state));
		if (strcmp(p.state, "Establ") == 0)
			snprintf(p.state, sizeof(p.state), "Established");
		jcopy(peer, "peer-cfg-rti", buf, sizeof(buf));
		if (strcmp(buf, "master") != 0)
			snprintf(p.instance, sizeof(p.instance), "%s", buf);
		p.flaps = jnum(peer, "flap-count");
		rib = jfirst(peer, "bgp-rib");
		if (rib != NULL) {
			if (p.instance[0] == '\0') {
				jcopy(rib, "name", buf, sizeof(buf));
				junos_table_instance(buf, p.instance,
				    sizeof(p.instance));
			}
			p.active = jnum(rib, "active-prefix-count");
			p.received = jnum(rib, "received-prefix-count");
			p.accepted = jnum(rib, "accepted-prefix-count");
			p.advertised = jnum(rib, "advertised-prefix-count");
		}
		el = json_object_get(json_object_get(jfirst(peer,
		    "elapsed-time"), "attributes"), "junos:seconds");
		if (el == NULL)
			el = json_object_get(json_object_get(jfirst(peer,
			    "elapsed-time"), "attributes"), "seconds");
		if (json_is_string(el) && bgp_peer_established(&p))
			p.uptime_s = strtoll(json_string_value(el), NULL, 10);
		if (bgp_summary_add(&tmp, &p) < 0) {
			rc = fd_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < tmp.n; i++)
		if (bgp_summary_add(out, &tmp.v[i]) < 0) {
			rc = fd_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
out:
	bgp_summary_done(&tmp);
	return rc;
}

int
junos_json_bgp(const char *buf, size_t len, struct bgp_summary *out,
    struct fd_error *err)
{
	json_t *root, *bi;
	int rc;

	rc = json_root(buf, len, "bgp-information", &root, &bi, err);
	if (rc < 0)
		return rc;
	rc = bgp_from_tree(bi, out, err);
	json_decref(root);
	return rc;
}

static int
version_from_tree(json_t *si, struct device_info *out, struct fd_error *err)
{
	struct device_info info;

	memset(&info, 0, sizeof(info));
	jcopy(si, "host-name", info.hostname, sizeof(info.hostname));
	jcopy(si, "product-model", info.model, sizeof(info.model));
	jcopy(si, "junos-version", info.version, sizeof(info.version));
	if (info.version[0] == '\0')
		return fd_error_set(err, -EBADMSG, "no junos-version");
	*out = info;
	return 0;
}

/*
 * An SRX chassis cluster answers one multi-routing-engine-item per node
 * (re-name "node0", software-information) (py-junos-eznc
 * tests/unit/facts/rpc-reply/sw_info_srx_cluster_get-software-
 * information.xml).  The first item is the local node, the one whose
 * routes we read; every node's version goes to info.nodes.
 */
static int
version_from_cluster(json_t *mre, struct device_info *out,
    struct fd_error *err)
{
	struct device_info info, node;
	json_t *item;
	char re[32];
	size_t i, o = 0;
	int rc;

	memset(&info, 0, sizeof(info));
	json_array_foreach(json_object_get(mre, "multi-routing-engine-item"),
	    i, item) {
		jcopy(item, "re-name", re, sizeof(re));
		rc = version_from_tree(jfirst(item, "software-information"),
		    &node, err);
		if (rc < 0) {
			fd_error_prefix(err, "%s", re[0] ? re : "node");
			return rc;
		}
		if (i == 0)
			info = node;
		o += (size_t)snprintf(info.nodes + o, o < sizeof(info.nodes) ?
		    sizeof(info.nodes) - o : 0, "%s%s %s", i ? ", " : "",
		    re[0] ? re : "?", node.version);
	}
	if (info.version[0] == '\0')
		return fd_error_set(err, -EBADMSG,
		    "no multi-routing-engine-item");
	*out = info;
	return 0;
}

int
junos_json_version(const char *buf, size_t len, struct device_info *out,
    struct fd_error *err)
{
	json_t *root, *si;
	int rc;

	rc = json_root(buf, len, "multi-routing-engine-results", &root, &si,
	    err);
	if (rc == 0) {
		rc = version_from_cluster(si, out, err);
		json_decref(root);
		return rc;
	}
	rc = json_root(buf, len, "software-information", &root, &si, err);
	if (rc < 0)
		return rc;
	rc = version_from_tree(si, out, err);
	json_decref(root);
	return rc;
}

/* ---------------------------------------------------------------- XML */

/*
 * libxml2 is dlopen()ed on the first XML reply, not linked: it pulls ICU
 * (libicudata's 30 MB, libstdc++), which every start of the CLI paid for,
 * as with libcurl (providers/transport/http.c).  libxml2's headers give
 * the types; calls go through xml_fn, filled once under xml_once and
 * read-only after (process-wide like the library itself; never closed).
 * xmlFree is a variable, not a function: its value comes from xmlMemGet().
 */
#define XML_SONAME "libxml2.so.2"

static struct {
	void (*init_parser)(void);
	xmlDocPtr (*read_memory)(const char *, int, const char *,
	    const char *, int);
	xmlNodePtr (*doc_get_root)(const xmlDoc *);
	void (*free_doc)(xmlDocPtr);
	xmlChar *(*node_get_content)(const xmlNode *);
	int (*mem_get)(xmlFreeFunc *, xmlMallocFunc *, xmlReallocFunc *,
	    xmlStrdupFunc *);
	xmlFreeFunc free;
} xml_fn;
static char xml_load_err[FD_ERROR_MSG];	/* "" when loaded */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* Element -> {"data": text?, "attributes": {...}?, child: [ ... ]}, the
 * mapping Junos itself uses for | display json (FORMATS.md 4.1).  Local
 * names only: the namespaces carry the release and vary. */
static json_t *
xml_to_json(xmlNode *el, unsigned depth)
{
	json_t *o = json_object(), *attrs = NULL;
	xmlAttr *a;
	xmlNode *c;
	bool has_child = false;

	if (o == NULL || depth > 64)
		return o;
	for (a = el->properties; a != NULL; a = a->next) {
		xmlChar *v = xml_fn.node_get_content((xmlNode *)a);
		char key[128];

		if (attrs == NULL)
			attrs = json_object();
		/* "junos:seconds" as in the JSON; unprefixed or mangled
		 * forms (napalm fixtures) are looked up by the extractors
		 * under their bare name. */
		snprintf(key, sizeof(key), "%s%s%s",
		    a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "",
		    a->ns && a->ns->prefix ? ":" : "", (const char *)a->name);
		json_object_set_new(attrs, key, json_string(v ? (char *)v :
		    ""));
		xml_fn.free(v);
	}
	if (attrs != NULL)
		json_object_set_new(o, "attributes", attrs);
	for (c = el->children; c != NULL; c = c->next) {
		json_t *arr;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		has_child = true;
		arr = json_object_get(o, (const char *)c->name);
		if (arr == NULL) {
			arr = json_array();
			json_object_set_new(o, (const char *)c->name, arr);
		}
		json_array_append_new(arr, xml_to_json(c, depth + 1));
	}
	if (!has_child) {
		xmlChar *v = xml_fn.node_get_content(el);

		if (v != NULL && *junos_skip_ws((char *)v) != '\0')
			json_object_set_new(o, "data", json_string((char *)v));
		else if (v == NULL || *v == '\0')
			json_object_set_new(o, "data", json_pack("[n]"));
		xml_fn.free(v);
	}
	return o;
}

static xmlNode *
xml_find(xmlNode *n, const char *name, unsigned depth)
{
	xmlNode *r;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0)
			return n;
		if (depth < 4 && (r = xml_find(n->children, name,
		    depth + 1)) != NULL)
			return r;
	}
	return NULL;
}

/* Load libxml2; it must be initialised once before parsing from several
 * threads (xmlInitParser(3)). */
static void
xml_init(void)
{
	static const char *const names[] = {
		"xmlInitParser", "xmlReadMemory", "xmlDocGetRootElement",
		"xmlFreeDoc", "xmlNodeGetContent", "xmlMemGet",
	};
	void *p[sizeof(names) / sizeof(names[0])], *lib;
	const char *e;
	size_t i;

	lib = dlopen(XML_SONAME, RTLD_NOW | RTLD_LOCAL);
	for (i = 0; lib != NULL && i < sizeof(names) / sizeof(names[0]);
	    i++) {
		(void)dlerror();
		if ((p[i] = dlsym(lib, names[i])) == NULL)
			break;
	}
	if (lib == NULL || i < sizeof(names) / sizeof(names[0])) {
		e = dlerror();
		snprintf(xml_load_err, sizeof(xml_load_err),
		    XML_SONAME " not found: %s (Debian: apt-get install "
		    "libxml2; without it Junos XML replies fall back to "
		    "text)", e ? e : names[i]);
		if (lib != NULL)
			dlclose(lib);
		return;
	}
	/* POSIX: a dlsym() result converts to a function pointer. */
	memcpy(&xml_fn.init_parser, &p[0], sizeof(p[0]));
	memcpy(&xml_fn.read_memory, &p[1], sizeof(p[1]));
	memcpy(&xml_fn.doc_get_root, &p[2], sizeof(p[2]));
	memcpy(&xml_fn.free_doc, &p[3], sizeof(p[3]));
	memcpy(&xml_fn.node_get_content, &p[4], sizeof(p[4]));
	memcpy(&xml_fn.mem_get, &p[5], sizeof(p[5]));
	xml_fn.init_parser();
	if (xml_fn.mem_get(&xml_fn.free, NULL, NULL, NULL) != 0 ||
	    xml_fn.free == NULL)
		snprintf(xml_load_err, sizeof(xml_load_err),
		    XML_SONAME ": xmlMemGet failed");
}

int
junos_xml_library(char *buf, size_t len)
{
	pthread_once(&xml_once, xml_init);
	if (xml_load_err[0] != '\0') {
		snprintf(buf, len, "%s", xml_load_err);
		return -ENOENT;
	}
	snprintf(buf, len, "libxml2 (" XML_SONAME ")");
	return 0;
}

/* Parse buf as XML and return the json_t form of the first element
 * named want (at most a few levels down: rpc-reply, multi-RE items). */
static int
xml_root(const char *buf, size_t len, const char *want, json_t **out,
    struct fd_error *err)
{
	xmlDoc *doc;
	xmlNode *n;
	const char *p = buf, *end;

	/* libxml2 refuses "{primary:node0}" after </rpc-reply>. */
	junos_status_trim(&p, &len);
	end = p + len;
	if (p == end || *p != '<')
		return fd_error_set(err, -EBADMSG, "not XML");
	if (len > 64u * 1024 * 1024)
		return fd_error_set(err, -EFBIG, "XML too large");
	pthread_once(&xml_once, xml_init);
	if (xml_load_err[0] != '\0')
		return fd_error_set(err, -ENOENT, "%s", xml_load_err);
	/* No network, no entity expansion, no DTD loading. */
	doc = xml_fn.read_memory(p, (int)(end - p), "junos.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return fd_error_set(err, -EBADMSG, "malformed XML");
	n = xml_find(xml_fn.doc_get_root(doc), want, 0);
	if (n == NULL) {
		xml_fn.free_doc(doc);
		return fd_error_set(err, -EBADMSG, "XML: no <%s>", want);
	}
	*out = xml_to_json(n, 0);
	xml_fn.free_doc(doc);
	if (*out == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

int
junos_xml_routes(const char *buf, size_t len, struct route_set *out,
    struct fd_error *err)
{
	json_t *ri;
	int rc;

	rc = xml_root(buf, len, "route-information", &ri, err);
	if (rc < 0)
		return rc;
	rc = routes_from_tree(ri, out, err);
	json_decref(ri);
	return rc;
}

int
junos_xml_bgp(const char *buf, size_t len, struct bgp_summary *out,
    struct fd_error *err)
{
	json_t *bi;
	int rc;

	rc = xml_root(buf, len, "bgp-information", &bi, err);
	if (rc < 0)
		return rc;
	rc = bgp_from_tree(bi, out, err);
	json_decref(bi);
	return rc;
}

int
junos_xml_version(const char *buf, size_t len, struct device_info *out,
    struct fd_error *err)
{
	json_t *t;
	int rc;

	rc = xml_root(buf, len, "multi-routing-engine-results", &t, err);
	if (rc == 0) {
		rc = version_from_cluster(t, out, err);
		json_decref(t);
		return rc;
	}
	if (rc != -EBADMSG)
		return rc;
	rc = xml_root(buf, len, "software-information", &t, err);
	if (rc < 0)
		return rc;
	rc = version_from_tree(t, out, err);
	json_decref(t);
	return rc;
}

int
junos_xml_traceroute(const char *buf, size_t len, struct hop_list *out,
    struct fd_error *err)
{
	struct hop_list *tmp;
	json_t *tr, *hop, *pr;
	size_t i, j;
	char a[FD_ADDR_STRLEN + 8];
	int rc = 0;

	rc = xml_root(buf, len, "traceroute-results", &tr, err);
	if (rc < 0)
		return rc;
	tmp = hop_list_new();
	if (tmp == NULL) {
		json_decref(tr);
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	*tmp = *out;
	snprintf(tmp->source, sizeof(tmp->source), "junos");
	jcopy(tr, "target-ip", a, sizeof(a));
	if (a[0] != '\0')
		addr_parse(a, &tmp->target, NULL);
	/* One <hop> per (ttl, responder); rtt in microseconds
	 * (FORMATS.md 5.2). */
	json_array_foreach(json_object_get(tr, "hop"), i, hop) {
		long long ttl = jnum(hop, "ttl-value");

		if (ttl < 1 || ttl > 255) {
			rc = fd_error_set(err, -EBADMSG, "hop %zu: bad "
			    "ttl-value", i);
			goto out;
		}
		json_array_foreach(json_object_get(hop, "probe-result"), j,
		    pr) {
			struct fd_addr ad;
			long long rtt = jnum(pr, "rtt");

			jcopy(pr, "ip-address", a, sizeof(a));
			if (addr_parse(a, &ad, NULL) < 0) {
				rc = hop_list_add_probe(tmp, (unsigned)ttl,
				    NULL, NULL, -1, "");
			} else {
				rc = hop_list_add_probe(tmp, (unsigned)ttl,
				    &ad, NULL, rtt < 0 ? -1 : rtt / 1000.0,
				    "");
			}
			if (rc < 0) {
				fd_error_set(err, rc, "too many hops/probes");
				goto out;
			}
		}
	}
	if (tmp->n == 0) {
		rc = fd_error_set(err, -EBADMSG,
		    "no hops in traceroute-results");
		goto out;
	}
	hop_list_finish(tmp);
	*out = *tmp;
out:
	hop_list_free(tmp);
	json_decref(tr);
	return rc;
}
