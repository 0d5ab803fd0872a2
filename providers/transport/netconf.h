/*
 * NETCONF 1.0 (RFC 6241) as the tool speaks it to Junos over SSH (RFC 6242):
 * pure functions over byte strings, no I/O and no libxml2 (which this code
 * base loads only on demand, junos_json.c).  The end-of-message framing
 * reader, the client's <hello> and the check of the server's, the <rpc>
 * of Junos's <command> (what PyEZ's Device.cli() sends: py-junos-eznc
 * lib/jnpr/junos/device.py), and the <rpc-reply>: its message-id, its
 * <rpc-error>s by severity, and its payload per format.
 *
 * The XML read here is what a NETCONF server sends: elements, attributes,
 * character data, CDATA, comments and processing instructions (Junos
 * sends an XML declaration and comments before its <hello>).  A DOCTYPE,
 * an entity other than the five predefined ones and a character
 * reference, or tags that do not nest are -EBADMSG.
 */
#ifndef FD_NETCONF_H
#define FD_NETCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* RFC 6242 4.3: the end-of-message marker of base:1.0 framing. */
#define NC_EOM "]]>]]>"
#define NC_EOM_LEN 6
#define NC_BASE_10 "urn:ietf:params:netconf:base:1.0"
#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"
/* A runaway reply must not eat the host's memory (as SSH_MAX_OUTPUT). */
#define NC_MAX_MESSAGE (64u * 1024 * 1024)

/*
 * The framing reader: bytes in as they arrive (any split, the marker
 * too), whole messages out.  nc_framer_feed: 0, or -EFBIG when a message
 * would pass NC_MAX_MESSAGE, -ENOMEM.  nc_framer_next: 1 and *msg (the
 * caller frees it, NUL-terminated, without the marker), 0 when no whole
 * message is buffered yet, -ENOMEM.
 */
struct nc_framer {
	char *buf;
	size_t n, cap;
	size_t scanned;		/* bytes known to hold no marker start */
};

void nc_framer_init(struct nc_framer *f);
void nc_framer_done(struct nc_framer *f);
int nc_framer_feed(struct nc_framer *f, const char *data, size_t n);
int nc_framer_next(struct nc_framer *f, char **msg, size_t *len);
/* Bytes buffered that are not yet a whole message (a session that ends
 * with some is truncated). */
size_t nc_framer_pending(const struct nc_framer *f);

/* The client's <hello>: base:1.0 only, so the session keeps end-of-
 * message framing (RFC 6242 4.1: chunked only when both say base:1.1). */
const char *nc_hello_client(void);

struct nc_hello {
	unsigned long session_id;
	bool base10, base11;
	bool junos;		/* http://xml.juniper.net/netconf/junos/1.0 */
};

/* Check the server's <hello>: the root element is hello, it lists
 * base:1.0 and carries a session-id (RFC 6241 8.1).  -EPROTO naming what
 * is wrong, -EBADMSG for XML that is not well formed. */
int nc_hello_parse(const char *msg, size_t len, struct nc_hello *out,
    struct fd_error *err);

/* The display formats of Junos's <command format="...">. */
enum nc_format { NC_JSON, NC_XML, NC_TEXT };

/* <rpc message-id="id"><command format="F">cmd</command></rpc>, cmd
 * XML-escaped; malloc'd (NULL: no memory). */
char *nc_rpc_command(unsigned long id, enum nc_format f, const char *cmd);
/* <rpc message-id="id"><close-session/></rpc> (RFC 6241 7.8). */
char *nc_rpc_close(unsigned long id);
/* The <command> element alone: a query's key before it has an id. */
char *nc_command_op(enum nc_format f, const char *cmd);
/* The whole <rpc> around an operation built by nc_command_op. */
char *nc_rpc_wrap(unsigned long id, const char *op);

/* What an <rpc-reply> said. */
struct nc_reply {
	unsigned long message_id;
	bool ok;			/* <ok/> */
	unsigned errors;		/* <rpc-error>s of severity error */
	unsigned warnings;		/* ... of severity warning */
	/* The first error's (or, with none, the first warning's) tag and
	 * message ("syntax error, expecting <command>: foo"), unescaped,
	 * whitespace collapsed. */
	char tag[48];
	char message[200];
	char bad_element[64];		/* the first error's, or "" */
	char warning[200];		/* the first warning's message */
};

/*
 * Read one <rpc-reply>: the root element is rpc-reply and its message-id
 * is want (-EPROTO otherwise, naming both).  An <rpc-error> without a
 * severity counts as an error.  The reply's errors are not an error of
 * this function: the caller judges out->errors.
 */
int nc_reply_parse(const char *msg, size_t len, unsigned long want,
    struct nc_reply *out, struct fd_error *err);

/*
 * The payload of a reply to <command format=f>, malloc'd and
 * NUL-terminated, for the CLI's parsers (junos_parse.h):
 *   NC_XML:  the reply itself (those parsers look for their element,
 *            e.g. <route-information>, below any <rpc-reply>);
 *   NC_JSON: the rpc-reply's own character content, unescaped (PyEZ
 *            json.loads() the reply's text: py-junos-eznc device.py);
 *   NC_TEXT: the content of <output>, unescaped; a reply with no
 *            element but rpc-errors and blanks is empty text (Junos
 *            prints nothing when no route matches); any other element
 *            without <output> is -EBADMSG.
 */
int nc_reply_payload(const char *msg, size_t len, enum nc_format f,
    char **out, size_t *out_len, struct fd_error *err);

#endif
