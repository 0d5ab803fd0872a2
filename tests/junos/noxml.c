/*
 * Linked into the *_noxml tests (test_junos_fallback_noxml,
 * test_junos_netconf_noxml): the host as one without libxml2.
 * junos_json.c dlopen()s libxml2.so.2 on the first XML reply; this dlopen
 * (the executable's, found before libc's) refuses it and passes anything
 * else on.  NETCONF itself needs no libxml2 (transport/netconf.c reads its
 * own XML).
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

void *
dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);
	void *p;

	if (file != NULL && strstr(file, "libxml2") != NULL)
		return NULL;
	if (real == NULL) {
		p = dlsym(RTLD_NEXT, "dlopen");
		assert_non_null(p);
		/* POSIX: a dlsym() result converts to a function pointer. */
		memcpy(&real, &p, sizeof(p));
	}
	return real(file, mode);
}
