/*
 * Each provider declares its ops table here and adds it to the lists.
 * (Kept apart from provider.h so adding a provider touches one small file.)
 */
#ifndef FD_REGISTRY_H
#define FD_REGISTRY_H

#include "provider.h"

extern const struct cloud_ops azure_cloud_ops;		/* providers/azure */
extern const struct device_ops junos_device_ops;	/* providers/junos */
extern const struct probe_ops native_probe_ops;		/* providers/probe */

#ifndef REGISTRY_CLOUDS
#define REGISTRY_CLOUDS &azure_cloud_ops,
#endif
#ifndef REGISTRY_DEVICES
#define REGISTRY_DEVICES &junos_device_ops,
#endif
#ifndef REGISTRY_PROBES
#define REGISTRY_PROBES &native_probe_ops,
#endif

#endif
