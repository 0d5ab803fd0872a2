/*
 * The drill's lease on the circuit (issue 14): one tag, written and
 * removed through the tags API of the circuit's scope,
 * {circuit}/providers/Microsoft.Resources/tags/default (Tags_UpdateAtScope,
 * azure-rest-api-specs specification/resources/resource-manager/
 * Microsoft.Resources/stable/2021-04-01/resources.json).  Always PATCH:
 * "Merge" adds or updates our tag alone, "Delete" with name and value
 * removes it only while it holds our value ("The 'delete' option allows
 * selectively deleting tags based on given names or name/value pairs").
 * Never the PUT (Tags_CreateOrUpdateAtScope), which replaces every tag
 * the customer has.  The operation takes no If-Match (the spec lists no
 * such parameter), so no write here is conditional.  Reading the lease
 * needs no request of its own: the circuit's GET carries its tags.
 */
#include <stdio.h>
#include <string.h>

#include "azure_priv.h"

/* The Microsoft.Resources api-version of the tags API: ARM's own, not the
 * Microsoft.Network one the other calls carry. */
#define TAGS_API_VERSION "2021-04-01"

static void
info_from(const struct azure *az, long status, const char *rid,
    struct cloud_op_info *info)
{
	memset(info, 0, sizeof(*info));
	info->http_status = (int)status;
	snprintf(info->request_id, sizeof(info->request_id), "%s", rid);
	snprintf(info->client_request_id, sizeof(info->client_request_id),
	    "%s", az->arm.last_client_request_id);
	snprintf(info->correlation_id, sizeof(info->correlation_id), "%s",
	    az->arm.correlation_id);
	info->sent_ms = az->arm.last_sent_ms;
}

static int
lease_patch(struct azure *az, const char *operation, const char *value,
    struct cloud_op_info *info, struct fd_error *err)
{
	char url[AZURE_URL_MAX + 64];
	struct arm_resp r;
	json_t *body;
	int rc;

	if (value == NULL || strlen(value) > CLOUD_LEASE_MAX)
		return fd_error_set(err, -EINVAL, "lease tag value longer than "
		    "%d characters", CLOUD_LEASE_MAX);
	rc = snprintf(url, sizeof(url), "%s%s/providers/Microsoft.Resources/"
	    "tags/default?api-version=" TAGS_API_VERSION, az->arm.endpoint,
	    az->circuit_path);
	if (rc < 0 || (size_t)rc >= sizeof(url))
		return fd_error_set(err, -ENAMETOOLONG, "tags URL too long");
	body = json_pack("{s:s, s:{s:{s:s}}}", "operation", operation,
	    "properties", "tags", CLOUD_LEASE_TAG, value);
	if (body == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	rc = arm_call(&az->arm, "PATCH", url, body, NULL, &r, err);
	json_decref(body);
	if (rc < 0) {
		if (info != NULL)
			info_from(az, 0, err->request_id, info);
		return fd_error_prefix(err, "lease tag %s on circuit %s",
		    operation, az->cfg.circuit);
	}
	if (info != NULL)
		info_from(az, r.status, r.request_id, info);
	arm_resp_done(&r);
	return 0;
}

int
az_lease_set(void *ctx, const char *value, struct cloud_op_info *info,
    struct fd_error *err)
{
	return lease_patch(ctx, "Merge", value, info, err);
}

int
az_lease_clear(void *ctx, const char *value, struct cloud_op_info *info,
    struct fd_error *err)
{
	return lease_patch(ctx, "Delete", value, info, err);
}

void
az_lease_fill(const json_t *circuit, struct cloud_circuit *c)
{
	const json_t *v = json_object_get(json_object_get(circuit, "tags"),
	    CLOUD_LEASE_TAG);

	c->lease_found = json_is_string(v);
	snprintf(c->lease, sizeof(c->lease), "%s",
	    c->lease_found ? json_string_value(v) : "");
}
