/*
 * routes_check() and prefixes_check() on their own (issue 12 item 6):
 * the verdicts the drill's route checks rest on, over hand-built route
 * sets shaped like the firewall's Cust11.inet.0 in the article (the
 * ExpressRoute path active with AS path 12076, the VPN path inactive
 * with 65515 over st0.0).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "routes.h"

static void
add(struct route_set *s, const char *pfx, bool active, const char *proto,
    const char *as_path, long long lp, const char *nh, const char *iface)
{
	struct route r;

	route_init(&r);
	assert_int_equal(prefix_parse(pfx, &r.prefix, NULL), 0);
	r.active = active;
	snprintf(r.protocol, sizeof(r.protocol), "%s", proto);
	snprintf(r.as_path, sizeof(r.as_path), "%s", as_path);
	r.local_pref = lp;
	if (nh != NULL) {
		assert_int_equal(addr_parse(nh, &r.nh[0].addr, NULL), 0);
		snprintf(r.nh[0].iface, sizeof(r.nh[0].iface), "%s", iface);
		r.nh[0].selected = true;
		r.n_nh = 1;
	}
	assert_int_equal(route_set_add(s, &r), 0);
}

/* The firewall's table before the drill: ER active, VPN backup. */
static void
baseline(struct route_set *s)
{
	route_set_init(s);
	add(s, "10.17.11.0/25", true, "BGP", "12076 I", 150, "192.168.11.1",
	    "reth1.100");
	add(s, "10.17.11.0/25", false, "BGP", "65515 I", 100, "10.17.11.76",
	    "st0.0");
	add(s, "10.17.11.128/26", true, "BGP", "12076 I", 150,
	    "192.168.11.1", "reth1.100");
}

static struct route_expect
want(const char *pfx)
{
	struct route_expect e;

	route_expect_init(&e);
	assert_int_equal(prefix_parse(pfx, &e.prefix, NULL), 0);
	return e;
}

static void
test_active_and_backup(void **st)
{
	struct route_set s;
	struct route_expect e = want("10.17.11.0/25");
	struct fd_error err = { 0 };

	(void)st;
	baseline(&s);
	snprintf(e.protocol, sizeof(e.protocol), "bgp");	/* any case */
	snprintf(e.as_path, sizeof(e.as_path), "12076  I");	/* folded */
	e.local_pref = 150;
	assert_int_equal(routes_check(&e, &s, &err), 0);
	e.backup = true;
	snprintf(e.backup_as_path, sizeof(e.backup_as_path), "65515 I");
	snprintf(e.backup_nh_iface, sizeof(e.backup_nh_iface), "st0.*");
	assert_int_equal(routes_check(&e, &s, &err), 0);

	/* The backup over another tunnel interface: no backup. */
	snprintf(e.backup_nh_iface, sizeof(e.backup_nh_iface), "st1.*");
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "no inactive backup route"));
	assert_non_null(strstr(err.msg, "st1.*"));
	route_set_done(&s);
}

static void
test_active_mismatch(void **st)
{
	struct route_set s;
	struct route_expect e = want("10.17.11.0/25");
	struct fd_error err = { 0 };

	(void)st;
	baseline(&s);
	/* The failover expectation on the baseline table: the VPN path is
	 * not active, and the message shows what is. */
	snprintf(e.as_path, sizeof(e.as_path), "65515 I");
	snprintf(e.nh_iface, sizeof(e.nh_iface), "st0.*");
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "10.17.11.0/25"));
	assert_non_null(strstr(err.msg, "AS path '12076 I', expected "
	    "'65515 I'"));
	e = want("10.17.11.0/25");
	e.local_pref = 200;
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "local-pref 150, expected 200"));
	e = want("10.17.11.0/25");
	snprintf(e.protocol, sizeof(e.protocol), "Static");
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	e = want("10.17.11.0/25");
	e.has_nh_addr = true;
	assert_int_equal(prefix_parse("192.168.11.0/30", &e.nh_addr, NULL), 0);
	assert_int_equal(routes_check(&e, &s, &err), 0);
	assert_int_equal(prefix_parse("10.17.11.76/32", &e.nh_addr, NULL), 0);
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	route_set_done(&s);
}

static void
test_presence(void **st)
{
	struct route_set s, empty;
	struct route_expect e = want("10.17.11.0/24");
	struct fd_error err = { 0 };

	(void)st;
	baseline(&s);
	route_set_init(&empty);
	/* Exact prefixes: the /24 is not there, though /25 and /26 are. */
	assert_int_equal(routes_check(&e, &s, &err), -ENODATA);
	assert_non_null(strstr(err.msg, "10.17.11.0/24: no route"));
	e.present = false;
	assert_int_equal(routes_check(&e, &s, &err), 0);
	assert_int_equal(routes_check(&e, &empty, &err), 0);
	e = want("10.17.11.128/26");
	e.present = false;
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "expected no route"));
	/* Only inactive paths: no active route. */
	route_set_done(&s);
	route_set_init(&s);
	add(&s, "10.17.11.0/25", false, "BGP", "65515 I", 100, "10.17.11.76",
	    "st0.0");
	e = want("10.17.11.0/25");
	assert_int_equal(routes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "no active route"));
	route_set_done(&s);
	route_set_done(&empty);
}

static void
test_prefixes(void **st)
{
	struct route_set s, empty;
	struct prefix_expect e;
	struct fd_error err = { 0 };

	(void)st;
	baseline(&s);
	route_set_init(&empty);
	prefix_expect_init(&e);
	assert_int_equal(prefix_parse("10.17.11.0/25", &e.includes[0], NULL), 0);
	assert_int_equal(prefix_parse("10.17.11.128/26", &e.includes[1], NULL),
	    0);
	e.n_includes = 2;
	assert_int_equal(prefixes_check(&e, &s, &err), 0);
	assert_int_equal(prefixes_check(&e, &empty, &err), -ENODATA);
	assert_int_equal(prefix_parse("0.0.0.0/0", &e.excludes[0], NULL), 0);
	e.n_excludes = 1;
	assert_int_equal(prefixes_check(&e, &s, &err), 0);
	assert_int_equal(prefix_parse("10.17.11.0/25", &e.excludes[0], NULL), 0);
	assert_int_equal(prefixes_check(&e, &s, &err), -EBADMSG);
	e.n_excludes = 0;
	snprintf(e.as_path, sizeof(e.as_path), "65515 I");
	assert_int_equal(prefixes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "AS path '12076 I'"));
	assert_int_equal(prefix_parse("10.1.11.0/25", &e.includes[0], NULL), 0);
	e.as_path[0] = '\0';
	assert_int_equal(prefixes_check(&e, &s, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "10.1.11.0/25 missing"));
	route_set_done(&s);
	route_set_done(&empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_and_backup),
		cmocka_unit_test(test_active_mismatch),
		cmocka_unit_test(test_presence),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
