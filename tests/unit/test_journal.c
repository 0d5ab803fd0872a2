/* The journal: records, fsync'ed lines, torn last line, recover state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal.h"

static char dir[64];
static struct azure_cfg az;

static int
setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/fd-test-journal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	memset(&az, 0, sizeof(az));
	snprintf(az.subscription, sizeof(az.subscription), "0000-1111");
	snprintf(az.resource_group, sizeof(az.resource_group), "SEA-Cust11");
	snprintf(az.circuit, sizeof(az.circuit), "SEA-Cust11-ER");
	snprintf(az.peering, sizeof(az.peering), "AzurePrivatePeering");
	snprintf(az.arm_endpoint, sizeof(az.arm_endpoint),
	    "https://127.0.0.1:8443");
	snprintf(az.api_version, sizeof(az.api_version), "2025-07-01-preview");
	az.ipv6 = true;
	return 0;
}

static int
teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_lifecycle(void **st)
{
	struct journal *j = NULL, *j2 = NULL;
	struct journal_state js;
	struct fd_error err = { 0 };
	char path[PATH_MAX], moved[PATH_MAX], list[4][PATH_MAX];
	size_t n;

	(void)st;
	assert_int_equal(journal_open(dir, &az, "seed", "/x/seed.json", &j,
	    &err), 0);
	/* One unfinished journal per circuit. */
	assert_int_equal(journal_open(dir, &az, "seed", "", &j2, &err),
	    -EEXIST);
	assert_non_null(strstr(err.msg, "unfinished"));
	/* What restore and recover put back: IPv4 and IPv6 as they were. */
	assert_int_equal(journal_before(j, CLOUD_STATE_ENABLED,
	    CLOUD_STATE_DISABLED, &err), 0);
	assert_int_equal(journal_intent(j, JOURNAL_DISABLE, &err), 0);
	journal_path(dir, &az, path, sizeof(path));
	assert_int_equal(journal_read(path, &js, &err), 0);
	assert_true(js.have_before);
	assert_int_equal(js.state_before, CLOUD_STATE_ENABLED);
	assert_int_equal(js.ipv6_before, CLOUD_STATE_DISABLED);
	assert_int_equal(js.last, JOURNAL_INTENT);
	assert_true(js.disable_intent);
	assert_false(js.enable_done);
	assert_false(js.ended);
	assert_string_equal(js.azure.circuit, "SEA-Cust11-ER");
	assert_string_equal(js.azure.arm_endpoint, "https://127.0.0.1:8443");
	assert_string_equal(js.azure.api_version, "2025-07-01-preview");
	assert_true(js.azure.ipv6);
	assert_int_equal(js.pid, getpid());
	assert_int_equal(journal_list(dir, list, 4, &n, &err), 0);
	assert_int_equal(n, 1);

	assert_int_equal(journal_intent(j, JOURNAL_ENABLE, &err), 0);
	assert_int_equal(journal_done(j, JOURNAL_ENABLE, JOURNAL_OK, "req-2",
	    &err), 0);
	assert_int_equal(journal_read(path, &js, &err), 0);
	assert_true(js.enable_done);
	snprintf(moved, sizeof(moved), "%s/journal.jsonl", dir);
	assert_int_equal(journal_finish(j, "passed", moved, &err), 0);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(access(moved, F_OK), 0);
	assert_int_equal(journal_list(dir, list, 4, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void
test_torn_line(void **st)
{
	struct journal *j = NULL;
	struct journal_state js;
	struct fd_error err = { 0 };
	char path[PATH_MAX];
	FILE *f;

	(void)st;
	assert_int_equal(journal_open(dir, &az, "seed", "", &j, &err), 0);
	assert_int_equal(journal_intent(j, JOURNAL_DISABLE, &err), 0);
	journal_free(j);
	journal_path(dir, &az, path, sizeof(path));
	/* A kill -9 in the middle of a write leaves half a line. */
	f = fopen(path, "a");
	fputs("{\"event\":\"done\",\"act", f);
	fclose(f);
	assert_int_equal(journal_read(path, &js, &err), 0);
	assert_true(js.disable_intent);
	assert_false(js.enable_done);
	/* Garbage before the end is corruption, not a torn line. */
	f = fopen(path, "a");
	fputs("\n{\"event\":\"end\"}\n", f);
	fclose(f);
	assert_int_equal(journal_read(path, &js, &err), -EPROTO);
	assert_non_null(strstr(err.msg, ":3:"));
	unlink(path);
}

/* The records on disk keep their names: journals written by earlier
 * versions (no "before" record; a recover that wrote its outcome without
 * an intent; a record kind this version does not know) still read, and
 * what this version writes reads back the same. */
static const char old_journal[] =
    "{\"event\":\"begin\",\"pid\":4242,\"drill\":\"seed\",\"spec\":"
    "\"/etc/failover-drill/seed.json\",\"azure\":{\"subscription\":"
    "\"0000-1111\",\"resource_group\":\"SEA-Cust11\",\"circuit\":"
    "\"SEA-Cust11-ER\",\"peering\":\"AzurePrivatePeering\",\"cloud\":"
    "\"public\",\"arm_endpoint\":\"\",\"authority\":\"\",\"ca_bundle\":"
    "\"\",\"api_version\":\"2024-05-01\"},\"t\":1732850000.1}\n"
    "{\"event\":\"intent\",\"action\":\"disable\",\"t\":1732850001.2}\n"
    "{\"event\":\"done\",\"action\":\"disable\",\"status\":\"ok\","
    "\"detail\":\"req-1\",\"t\":1732850040.0}\n"
    "{\"event\":\"heartbeat\",\"t\":1732850050.0}\n"
    "{\"event\":\"intent\",\"action\":\"enable\",\"t\":1732850100.0}\n"
    "{\"event\":\"done\",\"action\":\"enable\",\"status\":\"error\","
    "\"detail\":\"RESTORE FAILED\",\"t\":1732850700.0}\n";

static void
test_old_journal_reads(void **st)
{
	struct journal_state js;
	struct fd_error err = { 0 };
	char path[PATH_MAX];
	FILE *f;

	(void)st;
	snprintf(path, sizeof(path), "%s/old.journal", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(old_journal, f);
	fclose(f);
	assert_int_equal(journal_read(path, &js, &err), 0);
	assert_int_equal(js.records, 6);
	assert_string_equal(js.drill, "seed");
	assert_string_equal(js.azure.circuit, "SEA-Cust11-ER");
	assert_int_equal(js.pid, 4242);
	assert_false(js.have_before);
	assert_int_equal(js.ipv6_before, CLOUD_STATE_NONE);
	assert_true(js.disable_intent);
	assert_false(js.enable_done);
	assert_false(js.ended);
	assert_int_equal(js.last, JOURNAL_DONE);
	/* An older recover wrote its outcome with no intent before it. */
	f = fopen(path, "a");
	fputs("{\"event\":\"done\",\"action\":\"enable\",\"status\":"
	    "\"ok\",\"detail\":\"recovered\",\"t\":1732851000.0}\n"
	    "{\"event\":\"end\",\"outcome\":\"recovered\",\"t\":"
	    "1732851000.5}\n", f);
	fclose(f);
	assert_int_equal(journal_read(path, &js, &err), 0);
	assert_true(js.enable_done);
	assert_true(js.ended);
	assert_int_equal(js.last, JOURNAL_END);
	unlink(path);
}

/* What journal_intent/done/before write, byte for byte the names an
 * older version reads. */
static void
test_names_on_disk(void **st)
{
	struct journal *j = NULL;
	struct fd_error err = { 0 };
	char path[PATH_MAX], buf[4096];
	size_t n;
	FILE *f;

	(void)st;
	assert_int_equal(journal_open(dir, &az, "seed", "", &j, &err), 0);
	assert_int_equal(journal_before(j, CLOUD_STATE_ENABLED,
	    CLOUD_STATE_NONE, &err), 0);
	assert_int_equal(journal_intent(j, JOURNAL_DISABLE, &err), 0);
	assert_int_equal(journal_done(j, JOURNAL_DISABLE, JOURNAL_REFUSED,
	    "403", &err), 0);
	journal_path(dir, &az, path, sizeof(path));
	journal_free(j);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "{\"event\":\"begin\","));
	assert_non_null(strstr(buf, "{\"event\":\"before\",\"state\":"
	    "\"Enabled\",\"ipv6_state\":\"\","));
	assert_non_null(strstr(buf, "{\"event\":\"intent\",\"action\":"
	    "\"disable\","));
	assert_non_null(strstr(buf, "{\"event\":\"done\",\"action\":"
	    "\"disable\",\"status\":\"refused\",\"detail\":\"403\","));
	unlink(path);
}

static void
test_lock(void **st)
{
	struct fd_error err = { 0 };
	int a = -1, b = -1;

	(void)st;
	assert_int_equal(journal_lock(dir, &az, &a, &err), 0);
	/* A second open file description conflicts even in one process. */
	assert_int_equal(journal_lock(dir, &az, &b, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "SEA-Cust11-ER"));
	journal_unlock(a);
	assert_int_equal(journal_lock(dir, &az, &b, &err), 0);
	journal_unlock(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_torn_line),
		cmocka_unit_test(test_old_journal_reads),
		cmocka_unit_test(test_names_on_disk),
		cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
