/*
 * libFuzzer harness for the known_hosts reader (transport/knownhosts.c):
 * never crash, and what it keeps is consistent: every entry's line exists,
 * has a key type and a key, and the algorithm order it proposes is a
 * reordering of what was offered, certificates left out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/knownhosts.h"

static const char avail[] = "ssh-ed25519,ecdsa-sha2-nistp256,"
    "ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512,ssh-rsa";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "example.net", "[10.1.11.1]:2222",
	    "10.1.11.1" };
	unsigned lines = 1, k;
	size_t i;
	char buf[512];

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		struct kh_set s;
		int n;

		if (kh_parse((const char *)data, size, names[k], &s) < 0)
			continue;
		for (i = 0; i < s.n; i++) {
			if (s.v[i].line < 1 || s.v[i].line > lines ||
			    s.v[i].type[0] == '\0' || s.v[i].b64 == NULL ||
			    s.v[i].b64[0] == '\0')
				abort();
			(void)kh_check(&s, s.v[i].type, s.v[i].b64, NULL);
		}
		n = kh_order_algs(&s, avail, buf, sizeof(buf));
		if (n < 0 || (size_t)n != strlen(buf) ||
		    strlen(buf) != strlen(avail) -
		    strlen(",ecdsa-sha2-nistp256-cert-v01@openssh.com") ||
		    strstr(buf, "cert") != NULL)
			abort();
		kh_set_done(&s);
	}
	return 0;
}
