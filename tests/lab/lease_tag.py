#!/usr/bin/env python3
"""Put a lease tag on the lab circuit the way another operator's drill
would: a PATCH Merge of failover-drill-lease through the ARM mock's tags
API (issue 14), with the lab's credentials; or remove the one there as
an operator does by hand after recover (az tag update --operation Delete
with its name and value, read from the circuit).  Runs inside the lab's
srv namespace (the mock listens on its loopback); never from the host.

  lease_tag.py SPEC VALUE     (env: AZURE_TENANT_ID, AZURE_CLIENT_ID,
  lease_tag.py SPEC --delete   AZURE_CLIENT_SECRET, from lab.env)
"""
import json
import os
import ssl
import sys
import urllib.parse
import urllib.request


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        az = json.load(f)["azure"]
    base = az["arm_endpoint"].rstrip("/")
    ctx = ssl.create_default_context(cafile=az["ca_bundle"])
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_id": os.environ["AZURE_CLIENT_ID"],
        "client_secret": os.environ["AZURE_CLIENT_SECRET"],
        "scope": base + "/.default"}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            "%s/%s/oauth2/v2.0/token" % (az["authority"].rstrip("/"),
                                          os.environ["AZURE_TENANT_ID"]),
            data=form), context=ctx, timeout=30) as r:
        tok = json.load(r)["access_token"]
    ckt = ("%s/subscriptions/%s/resourceGroups/%s/providers/"
           "Microsoft.Network/expressRouteCircuits/%s" % (
               base, az["subscription"], az["resource_group"],
               az["circuit"]))
    hdr = {"Authorization": "Bearer " + tok,
           "Content-Type": "application/json"}
    op, value = "Merge", argv[2]
    if argv[2] == "--delete":
        with urllib.request.urlopen(urllib.request.Request(
                ckt + "?api-version=2024-05-01", headers=hdr),
                context=ctx, timeout=30) as r:
            value = (json.load(r).get("tags") or {}).get(
                "failover-drill-lease")
        if value is None:
            return 1
        op = "Delete"
    body = {"operation": op,
            "properties": {"tags": {"failover-drill-lease": value}}}
    req = urllib.request.Request(
        ckt + "/providers/Microsoft.Resources/tags/default"
        "?api-version=2021-04-01", method="PATCH",
        data=json.dumps(body).encode(), headers=hdr)
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        tags = json.load(r)["properties"]["tags"]
    if op == "Delete":
        return 0 if "failover-drill-lease" not in tags else 1
    return 0 if tags.get("failover-drill-lease") == value else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
