/*
 * libFuzzer harness for NETCONF messages (transport/netconf.c): the
 * framing reader fed the input in two reads split where the first byte
 * says, then every whole message read as a hello, as a reply, and as each
 * format's payload.  Never crash; the framer accounts for every byte
 * (messages + markers + what is pending) and no message holds a marker.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/netconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_message(const char *m, size_t n)
{
	struct fd_error e = { 0 };
	struct nc_hello h;
	struct nc_reply r;
	char *p;
	size_t pn;
	int f;

	(void)nc_hello_parse(m, n, &h, &e);
	(void)nc_reply_parse(m, n, 1, &r, &e);
	for (f = NC_JSON; f <= NC_TEXT; f++) {
		p = NULL;
		if (nc_reply_payload(m, n, (enum nc_format)f, &p, &pn,
		    &e) == 0) {
			if (p == NULL || p[pn] != '\0')
				abort();
			free(p);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nc_framer fr;
	size_t cut, seen = 0, n;
	char *m;
	int rc;

	if (size == 0)
		return 0;
	cut = data[0] % size;
	nc_framer_init(&fr);
	if (nc_framer_feed(&fr, (const char *)data + 1, cut) < 0 ||
	    nc_framer_feed(&fr, (const char *)data + 1 + cut,
	    size - 1 - cut) < 0)
		abort();
	while ((rc = nc_framer_next(&fr, &m, &n)) == 1) {
		if (memmem(m, n, NC_EOM, NC_EOM_LEN) != NULL)
			abort();
		seen += n + NC_EOM_LEN;
		read_message(m, n);
		free(m);
	}
	if (rc < 0 || seen + fr.n != size - 1)
		abort();
	nc_framer_done(&fr);
	return 0;
}
