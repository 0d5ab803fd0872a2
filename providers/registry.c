/* The compiled-in providers: a static table each, no plugin loading. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "provider.h"
#include "registry.h"

static const struct cloud_ops *const clouds[] = {
	REGISTRY_CLOUDS
	NULL,
};

static const struct device_ops *const devices[] = {
	REGISTRY_DEVICES
	NULL,
};

static const struct probe_ops *const probes[] = {
	REGISTRY_PROBES
	NULL,
};

const struct cloud_ops *
provider_cloud(const char *name)
{
	size_t i;

	for (i = 0; clouds[i] != NULL; i++)
		if (strcmp(clouds[i]->name, name) == 0)
			return clouds[i];
	return NULL;
}

const struct device_ops *
provider_device(const char *kind)
{
	size_t i;

	for (i = 0; devices[i] != NULL; i++)
		if (strcmp(devices[i]->kind, kind) == 0)
			return devices[i];
	return NULL;
}

const struct probe_ops *
provider_probe(const char *name)
{
	size_t i;

	for (i = 0; probes[i] != NULL; i++)
		if (strcmp(probes[i]->name, name) == 0)
			return probes[i];
	return NULL;
}

int
provider_libraries(FILE *out)
{
	char buf[FD_ERROR_MSG];
	int bad = 0;
	size_t i;

	for (i = 0; clouds[i] != NULL; i++)
		if (clouds[i]->library != NULL) {
			bad += clouds[i]->library(buf, sizeof(buf)) < 0;
			fprintf(out, "%s: %s\n", clouds[i]->name, buf);
		}
	for (i = 0; devices[i] != NULL; i++)
		if (devices[i]->library != NULL) {
			bad += devices[i]->library(buf, sizeof(buf)) < 0;
			fprintf(out, "%s: %s\n", devices[i]->kind, buf);
		}
	return bad;
}

/* The engine's names of a peering state, as journals and result.json
 * have always recorded them. */
static const char *const cloud_states[] = {
	[CLOUD_STATE_NONE] = "",
	[CLOUD_STATE_ENABLED] = "Enabled",
	[CLOUD_STATE_DISABLED] = "Disabled",
	[CLOUD_STATE_UNKNOWN] = "unknown",
};

const char *
cloud_state_str(enum cloud_state st)
{
	if ((size_t)st >= sizeof(cloud_states) / sizeof(cloud_states[0]))
		return "unknown";
	return cloud_states[st];
}

int
cloud_state_parse(const char *s, enum cloud_state *out)
{
	size_t i;

	for (i = 0; i < sizeof(cloud_states) / sizeof(cloud_states[0]); i++)
		if (strcasecmp(s, cloud_states[i]) == 0) {
			*out = (enum cloud_state)i;
			return 0;
		}
	return -EINVAL;
}
