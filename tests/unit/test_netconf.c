/*
 * NETCONF 1.0 messages (providers/transport/netconf.c) on byte strings:
 * the end-of-message framing reader (whole, split anywhere, the marker
 * split across reads, truncated, too large), the server's <hello> (a real
 * Junos one with its comments, an old release's namespace-form base:1.0,
 * base:1.1 only, no session-id, not a hello, garbage), the <rpc> with its
 * escaping, and <rpc-reply>: message-id, rpc-error by severity, payload
 * per format.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "transport/netconf.h"

/* A Junos server's hello as "ssh -s HOST netconf" shows it (comments
 * before the element; Juniper's NETCONF XML management protocol guide,
 * ncclient's and go-netconf's test data). */
static const char junos_hello[] =
    "<!-- No zombies were killed during the creation of this user "
    "interface -->\n"
    "<!-- user netops, class j-super-user -->\n"
    "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">\n"
    "  <capabilities>\n"
    "    <capability>urn:ietf:params:netconf:base:1.0</capability>\n"
    "    <capability>urn:ietf:params:netconf:capability:candidate:1.0"
    "</capability>\n"
    "    <capability>http://xml.juniper.net/netconf/junos/1.0"
    "</capability>\n"
    "  </capabilities>\n"
    "  <session-id>35545</session-id>\n"
    "</hello>\n";

static void
feed(struct nc_framer *f, const char *s)
{
	assert_int_equal(nc_framer_feed(f, s, strlen(s)), 0);
}

static void
test_framer_whole(void **st)
{
	struct nc_framer f;
	char *m = NULL;
	size_t n = 0;

	(void)st;
	nc_framer_init(&f);
	assert_int_equal(nc_framer_next(&f, &m, &n), 0);
	feed(&f, "<a/>]]>]]>\n<b/>]]>]]>");
	assert_int_equal(nc_framer_next(&f, &m, &n), 1);
	assert_string_equal(m, "<a/>");
	assert_int_equal(n, 4);
	free(m);
	assert_int_equal(nc_framer_next(&f, &m, &n), 1);
	assert_string_equal(m, "\n<b/>");
	free(m);
	assert_int_equal(nc_framer_next(&f, &m, &n), 0);
	assert_int_equal(nc_framer_pending(&f), 0);
	nc_framer_done(&f);
}

/* The marker split at every point across two reads, and a message fed
 * byte by byte. */
static void
test_framer_split(void **st)
{
	const char msg[] = "<rpc-reply message-id=\"1\"><ok/></rpc-reply>"
	    "]]>]]>";
	size_t cut, i, n;
	struct nc_framer f;
	char *m;

	(void)st;
	for (cut = 1; cut < sizeof(msg) - 1; cut++) {
		nc_framer_init(&f);
		assert_int_equal(nc_framer_feed(&f, msg, cut), 0);
		m = NULL;
		assert_int_equal(nc_framer_next(&f, &m, &n), 0);
		assert_int_equal(nc_framer_feed(&f, msg + cut,
		    sizeof(msg) - 1 - cut), 0);
		assert_int_equal(nc_framer_next(&f, &m, &n), 1);
		assert_string_equal(m, "<rpc-reply message-id=\"1\"><ok/>"
		    "</rpc-reply>");
		free(m);
		nc_framer_done(&f);
	}
	nc_framer_init(&f);
	for (i = 0; i < sizeof(msg) - 1; i++) {
		assert_int_equal(nc_framer_feed(&f, msg + i, 1), 0);
		m = NULL;
		assert_int_equal(nc_framer_next(&f, &m, &n),
		    i == sizeof(msg) - 2 ? 1 : 0);
	}
	free(m);
	nc_framer_done(&f);
}

/* "]]>" of a CDATA end and a lone "]]>]]" are no marker; a session that
 * ends without one leaves the bytes pending (truncated). */
static void
test_framer_truncated(void **st)
{
	struct nc_framer f;
	char *m = NULL;
	size_t n;

	(void)st;
	nc_framer_init(&f);
	feed(&f, "<x><![CDATA[a]]></x>]]>]]");
	assert_int_equal(nc_framer_next(&f, &m, &n), 0);
	assert_int_equal(nc_framer_pending(&f), 25);
	feed(&f, ">");
	assert_int_equal(nc_framer_next(&f, &m, &n), 1);
	assert_string_equal(m, "<x><![CDATA[a]]></x>");
	free(m);
	nc_framer_done(&f);
}

static void
test_framer_too_big(void **st)
{
	struct nc_framer f;
	char *chunk = malloc(1u << 20);

	(void)st;
	assert_non_null(chunk);
	memset(chunk, 'x', 1u << 20);
	nc_framer_init(&f);
	for (unsigned i = 0; i < NC_MAX_MESSAGE >> 20; i++)
		assert_int_equal(nc_framer_feed(&f, chunk, 1u << 20), 0);
	assert_int_equal(nc_framer_feed(&f, chunk, 1u << 20), -EFBIG);
	nc_framer_done(&f);
	free(chunk);
}

static void
test_hello_junos(void **st)
{
	struct nc_hello h;
	struct fd_error e = { 0 };

	(void)st;
	assert_int_equal(nc_hello_parse(junos_hello, strlen(junos_hello), &h,
	    &e), 0);
	assert_true(h.base10);
	assert_false(h.base11);
	assert_true(h.junos);
	assert_int_equal(h.session_id, 35545);
	/* An old release names base:1.0 by its namespace; a prefixed
	 * hello (nc:) reads the same. */
	static const char old[] =
	    "<?xml version=\"1.0\"?><nc:hello xmlns:nc=\"" NC_NS "\">"
	    "<nc:capabilities><nc:capability>\n  " NC_NS "\n"
	    "</nc:capability></nc:capabilities>"
	    "<nc:session-id>7</nc:session-id></nc:hello>";
	assert_int_equal(nc_hello_parse(old, strlen(old), &h, &e), 0);
	assert_true(h.base10);
	assert_int_equal(h.session_id, 7);
}

static void
hello_fails(const char *msg, int code, const char *words)
{
	struct nc_hello h;
	struct fd_error e = { 0 };

	assert_int_equal(nc_hello_parse(msg, strlen(msg), &h, &e), code);
	if (strstr(e.msg, words) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", e.msg, words);
}

static void
test_hello_bad(void **st)
{
	(void)st;
	hello_fails("<hello><capabilities><capability>urn:ietf:params:"
	    "netconf:base:1.1</capability></capabilities><session-id>3"
	    "</session-id></hello>", -EPROTO, "offers no base:1.0 (only "
	    "base:1.1");
	hello_fails("<hello><capabilities><capability>urn:ietf:params:"
	    "netconf:base:1.0</capability></capabilities></hello>", -EPROTO,
	    "no session-id");
	hello_fails("<hello><capabilities><capability>urn:ietf:params:"
	    "netconf:base:1.0</capability></capabilities><session-id>x"
	    "</session-id></hello>", -EPROTO, "bad session-id 'x'");
	/* A reply before the hello is a protocol error. */
	hello_fails("<rpc-reply message-id=\"1\"><ok/></rpc-reply>", -EPROTO,
	    "expected the server's <hello>, got <rpc-reply>");
	hello_fails("% Login incorrect\n", -EBADMSG, "not XML");
	hello_fails("<hello><capabilities></hello>", -EBADMSG,
	    "</hello> does not close <capabilities>");
	hello_fails("<hello><capabilities>", -EBADMSG, "ends inside");
	hello_fails("<!DOCTYPE x [<!ENTITY a \"b\">]><hello/>", -EBADMSG,
	    "DOCTYPE");
	hello_fails("", -EBADMSG, "no XML element");
	hello_fails("<hello/><hello/>", -EBADMSG, "second root");
}

static void
test_rpc_escaped(void **st)
{
	char *r;

	(void)st;
	r = nc_rpc_command(3, NC_JSON, "show route table inet.0");
	assert_string_equal(r, "<rpc message-id=\"3\" xmlns=\"" NC_NS "\">"
	    "<command format=\"json\">show route table inet.0</command>"
	    "</rpc>");
	free(r);
	r = nc_rpc_command(4, NC_TEXT, "a<b & c>d ]]>]]>");
	assert_string_equal(r, "<rpc message-id=\"4\" xmlns=\"" NC_NS "\">"
	    "<command format=\"text\">a&lt;b &amp; c&gt;d ]]&gt;]]&gt;"
	    "</command></rpc>");
	assert_null(strstr(r, NC_EOM));
	free(r);
	r = nc_rpc_close(9);
	assert_string_equal(r, "<rpc message-id=\"9\" xmlns=\"" NC_NS "\">"
	    "<close-session/></rpc>");
	free(r);
	assert_non_null(strstr(nc_hello_client(), NC_BASE_10));
	assert_null(strstr(nc_hello_client(), "base:1.1"));
	assert_null(strstr(nc_hello_client(), "session-id"));
}

#define REPLY_HEAD "<rpc-reply xmlns=\"" NC_NS "\" xmlns:junos=\"http://" \
	"xml.juniper.net/junos/21.4R3/junos\" message-id=\"5\">"

static void
test_reply_ok_and_id(void **st)
{
	static const char ok[] = REPLY_HEAD "<ok/></rpc-reply>";
	struct nc_reply r;
	struct fd_error e = { 0 };

	(void)st;
	assert_int_equal(nc_reply_parse(ok, strlen(ok), 5, &r, &e), 0);
	assert_true(r.ok);
	assert_int_equal(r.errors, 0);
	assert_int_equal(nc_reply_parse(ok, strlen(ok), 6, &r, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "message-id '5', expected 6"));
	assert_int_equal(nc_reply_parse("<rpc-reply><ok/></rpc-reply>", 28, 1,
	    &r, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "without a message-id"));
	assert_int_equal(nc_reply_parse("<hello/>", 8, 1, &r, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "expected <rpc-reply>, got <hello>"));
	assert_int_equal(nc_reply_parse(REPLY_HEAD "<a>", strlen(REPLY_HEAD)
	    + 3, 5, &r, &e), -EBADMSG);
}

/* The shape Junos answers an unknown command with (the contract's
 * section 5; error-message text from the CLI's parser). */
static void
test_reply_rpc_error(void **st)
{
	static const char m[] = REPLY_HEAD
	    "<rpc-error>\n<error-type>protocol</error-type>\n"
	    "<error-tag>operation-failed</error-tag>\n"
	    "<error-severity>error</error-severity>\n"
	    "<error-message>\nsyntax error, expecting &lt;command&gt;: foo\n"
	    "</error-message>\n<error-info>\n<bad-element>foo</bad-element>\n"
	    "</error-info>\n</rpc-error>\n</rpc-reply>";
	struct nc_reply r;
	struct fd_error e = { 0 };

	(void)st;
	assert_int_equal(nc_reply_parse(m, strlen(m), 5, &r, &e), 0);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.warnings, 0);
	assert_string_equal(r.tag, "operation-failed");
	assert_string_equal(r.message,
	    "syntax error, expecting <command>: foo");
	assert_string_equal(r.bad_element, "foo");
}

/* A warning beside data fails nothing; the data is read. */
static void
test_reply_warning_and_data(void **st)
{
	static const char m[] = REPLY_HEAD
	    "<route-information xmlns=\"http://xml.juniper.net/junos/21.4R3/"
	    "junos-routing\"><route-table><table-name>inet.0</table-name>"
	    "</route-table></route-information>"
	    "<rpc-error><error-severity>warning</error-severity>"
	    "<error-message>statement has no contents; ignored"
	    "</error-message></rpc-error></rpc-reply>";
	struct nc_reply r;
	struct fd_error e = { 0 };
	char *p = NULL;
	size_t n;

	(void)st;
	assert_int_equal(nc_reply_parse(m, strlen(m), 5, &r, &e), 0);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, 1);
	assert_string_equal(r.warning, "statement has no contents; ignored");
	assert_int_equal(nc_reply_payload(m, strlen(m), NC_XML, &p, &n, &e),
	    0);
	assert_string_equal(p, m);
	free(p);
	/* The newline behind the last marker goes: an XML declaration must
	 * start the document. */
	static const char decl[] = "\n<?xml version=\"1.0\"?>" REPLY_HEAD
	    "<ok/></rpc-reply>";
	assert_int_equal(nc_reply_payload(decl, strlen(decl), NC_XML, &p, &n,
	    &e), 0);
	assert_string_equal(p, decl + 1);
	assert_int_equal(n, strlen(decl) - 1);
	free(p);
}

static void
test_payload_json(void **st)
{
	static const char m[] = REPLY_HEAD "\n{\n\"software-information\" : "
	    "[{\"host-name\" : [{\"data\" : \"a&amp;b &lt;c&gt;\"}]}]\n}\n"
	    "</rpc-reply>";
	static const char cd[] = REPLY_HEAD "<![CDATA[{\"x\" : \"<&>\"}]]>"
	    "</rpc-reply>";
	struct fd_error e = { 0 };
	char *p = NULL;
	size_t n;

	(void)st;
	assert_int_equal(nc_reply_payload(m, strlen(m), NC_JSON, &p, &n, &e),
	    0);
	assert_string_equal(p, "\n{\n\"software-information\" : [{"
	    "\"host-name\" : [{\"data\" : \"a&b <c>\"}]}]\n}\n");
	assert_int_equal(n, strlen(p));
	free(p);
	assert_int_equal(nc_reply_payload(cd, strlen(cd), NC_JSON, &p, &n,
	    &e), 0);
	assert_string_equal(p, "{\"x\" : \"<&>\"}");
	free(p);
	/* Character references: Junos escapes control characters. */
	static const char ref[] = REPLY_HEAD "&#x41;&#66;&#xe9;</rpc-reply>";
	assert_int_equal(nc_reply_payload(ref, strlen(ref), NC_JSON, &p, &n,
	    &e), 0);
	assert_string_equal(p, "AB\xc3\xa9");
	free(p);
	static const char bad[] = REPLY_HEAD "&nbsp;</rpc-reply>";
	assert_int_equal(nc_reply_payload(bad, strlen(bad), NC_JSON, &p, &n,
	    &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "unknown entity '&nbsp;'"));
}

static void
test_payload_text(void **st)
{
	static const char m[] = REPLY_HEAD "<output>\nHostname: fw &amp; co\n"
	    "Junos: 21.4R3-S5.4\n</output></rpc-reply>";
	static const char empty[] = REPLY_HEAD "\n</rpc-reply>";
	static const char noout[] = REPLY_HEAD "<route-information/>"
	    "</rpc-reply>";
	struct fd_error e = { 0 };
	char *p = NULL;
	size_t n;

	(void)st;
	assert_int_equal(nc_reply_payload(m, strlen(m), NC_TEXT, &p, &n, &e),
	    0);
	assert_string_equal(p, "\nHostname: fw & co\nJunos: 21.4R3-S5.4\n");
	free(p);
	assert_int_equal(nc_reply_payload(empty, strlen(empty), NC_TEXT, &p,
	    &n, &e), 0);
	assert_string_equal(p, "");
	free(p);
	assert_int_equal(nc_reply_payload(noout, strlen(noout), NC_TEXT, &p,
	    &n, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "without <output> (it holds "
	    "<route-information>)"));
	/* An error as the reply's bare text (py-junos-eznc device.py
	 * execute()) is no empty answer. */
	static const char bare[] = REPLY_HEAD "\nprotocol: operation-failed\n"
	    "error: device asdf not found\n</rpc-reply>";
	assert_int_equal(nc_reply_payload(bare, strlen(bare), NC_TEXT, &p,
	    &n, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "without <output>: 'protocol: "
	    "operation-failed error: device asdf not found'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framer_whole),
		cmocka_unit_test(test_framer_split),
		cmocka_unit_test(test_framer_truncated),
		cmocka_unit_test(test_framer_too_big),
		cmocka_unit_test(test_hello_junos),
		cmocka_unit_test(test_hello_bad),
		cmocka_unit_test(test_rpc_escaped),
		cmocka_unit_test(test_reply_ok_and_id),
		cmocka_unit_test(test_reply_rpc_error),
		cmocka_unit_test(test_reply_warning_and_data),
		cmocka_unit_test(test_payload_json),
		cmocka_unit_test(test_payload_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
