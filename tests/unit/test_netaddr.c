#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "netaddr.h"

static void
test_addr_parse(void **state)
{
	struct fd_addr a;
	struct fd_error err = { 0 };
	char buf[FD_ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("10.1.11.1", &a, &err), 0);
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(addr_str(&a, buf, sizeof(buf)), "10.1.11.1");
	assert_int_equal(addr_parse("2001:db8::1", &a, &err), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(addr_parse("10.1.11", &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "10.1.11"));
	assert_int_equal(addr_parse("", &a, &err), -EINVAL);
	assert_int_equal(addr_parse("host.example", &a, &err), -EINVAL);
}

static void
test_prefix(void **state)
{
	struct fd_prefix p;
	struct fd_addr a;
	struct fd_error err = { 0 };
	char buf[FD_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(prefix_parse("192.168.11.16/30", &p, &err), 0);
	assert_int_equal(p.len, 30);
	assert_string_equal(prefix_str(&p, buf, sizeof(buf)),
	    "192.168.11.16/30");
	addr_parse("192.168.11.18", &a, NULL);
	assert_true(prefix_contains(&p, &a));
	addr_parse("192.168.11.22", &a, NULL);
	assert_false(prefix_contains(&p, &a));
	/* Host bits set is an error, not silently masked. */
	assert_int_equal(prefix_parse("192.168.11.18/30", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "host bits"));
	assert_int_equal(prefix_parse("10.0.0.0/33", &p, &err), -EINVAL);
	assert_int_equal(prefix_parse("10.0.0.0/", &p, &err), -EINVAL);
	assert_int_equal(prefix_parse("10.0.0.0/8x", &p, &err), -EINVAL);
	assert_int_equal(prefix_parse("10.0.0.1", &p, &err), -EINVAL);
	assert_int_equal(prefix_parse_host("10.0.0.1", &p, &err), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(prefix_parse("2001:db8::/32", &p, &err), 0);
	addr_parse("2001:db8:1::5", &a, NULL);
	assert_true(prefix_contains(&p, &a));
	addr_parse("10.1.1.1", &a, NULL);
	assert_false(prefix_contains(&p, &a));	/* family mismatch */
	assert_int_equal(prefix_parse("0.0.0.0/0", &p, &err), 0);
	assert_true(prefix_contains(&p, &a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
