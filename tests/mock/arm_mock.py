#!/usr/bin/env python3
"""Mock of Entra ID + Azure Resource Manager for failover-drill tests and the lab.

Python 3 standard library only (plus the `openssl` CLI to make a CA and a
server certificate at start-up).  Shapes follow
../shared/reference/AZURE-REST.md and ../shared/reference/azure-examples/.

Usage (stable; the lab and the lead start it this way):

  python3 tests/mock/arm_mock.py --state-dir DIR --state STATE.json
      [--faults FAULTS.json] [--port N | --port-file F] [--bind ADDR]
      [--san NAME]... [--on-change CMD] [--routes-cmd CMD | --routes-py PY]
      [--log LOG.jsonl]
      [--lro-seconds S] [--retry-after S] [--token-lifetime S] [--realistic]
      [--arc-key-dir DIR]

  --state-dir DIR    where ca.pem, ca.key, server.pem, server.key are made;
                     the CA path is printed on stdout as "CA <path>" and
                     "PORT <n>" follows once listening.
  --state FILE       initial state (see tests/mock/seed-state.json): the
                     subscription, resource group, accepted credentials
                     (tenant, client_id, client_secret, and "certificate":
                     the PEM file of the app's registered certificate,
                     against which client assertions are verified, and
                     "object_id", the principal's oid in the issued
                     tokens, which are JWTs as Entra's),
                     circuit, peerings, gateway routes/BGP peers, circuit
                     route tables, connectivity-check results.
  --faults FILE      fault rules, re-read on every request:
                     {"rules": [{"match": {"method": "PUT",
                       "path_re": "peerings"}, "times": 1,
                       "action": "429", "retry_after": 2}, ...]}
                     (a bare list works too).  match keys: method, path_re,
                     query_re (regular expressions searched),
                     after_state ("Enabled"|"Disabled": the private
                     peering's state at the request), if_match (true:
                     only requests with If-Match, false: without).
                     times: how often the rule fires (default 1, 0 =
                     always); for_seconds: instead, every match for this
                     long from the first (an outage).
                     actions: "429" (optional "code", e.g.
                     RetryableErrorDueToAnotherOperation), "500", "502",
                     "503", "504", "409", "412" (ARM error bodies,
                     optional "retry_after"), "drop" (close the
                     connection without answering), "drop_after"
                     (process the request, then close the connection
                     instead of answering), "lro_failed" (the
                     PUT is accepted, its operation ends Failed with
                     "code" (default InternalServerError; NRP reports
                     AnotherOperationInProgress this way) and the
                     peering reverts with provisioningState Failed),
                     "put_reply" ("variant": how the PUT is answered:
                     200-async, 201-async, 202-location, 202-both,
                     200-sync, 201-sync, 200-async-http (its status URL
                     is http://); the state key "put_reply" sets
                     the default, 200-async), "400", "403", "404",
                     "slow_lro" ("seconds": operation duration),
                     "token_expired" (401 ExpiredAuthenticationToken and
                     the presented token is revoked), "delay" ("seconds"
                     before answering normally), "await" (hold the
                     request until one matching "for" (method, path_re)
                     has arrived, up to "seconds" (default 5), then
                     answer normally; if none came, 400 AwaitTimeout:
                     the client sent them one after the other).
  --port N / --port-file F
                     fixed port, or port 0 with the chosen port written to
                     F (atomically, after the socket listens).
  --on-change CMD    run as argv (shlex-split, no shell) plus
                     "<peering-name> <Enabled|Disabled>" whenever a
                     peering's effective state changes.
  --routes-cmd CMD   live routes: run as argv plus one of
                       learned | advertised <peer> | bgp-peers |
                       route-table <peering> <Primary|Secondary> |
                       route-table-summary <peering> <Primary|Secondary>
                     printing {"value": [...]} (or a list) on stdout.
                     Without it (and without "routes_cmd" in the state)
                     the static lists of the state file are served.
  --routes-py PY     the same from a Python file loaded into the mock:
                     "FILE.py ARG..." (shlex-split), answered by the
                     file's query(ARG..., <request>...) returning the
                     list; no interpreter started per read
                     (tests/lab/azure_routes.py).
  --log FILE         one JSON line per request: ts, method, path, query,
                     selected headers (If-Match, x-ms-client-request-id,
                     x-ms-correlation-request-id, Content-Type), auth
                     (was an Authorization header present; never its
                     value), status, fault, request_id.  Token requests log
                     only the names of the form fields.
  State keys besides the resources: "lro_seconds" (peering PUT operation
                     duration), "action_seconds" (POST read actions: time
                     until their Location answers 200), "action_sync"
                     (true: read actions answer 200 with the result at
                     once, which the spec allows; the lab uses it),
                     "action_reply" (how read actions answer otherwise:
                     "both" (default) 202 with Azure-AsyncOperation,
                     whose status body is {"status": ...}, and Location,
                     which serves the result; "async" the status body
                     alone, with the result in its "properties";
                     "location" Location alone; a fault rule
                     {"action": "action_reply", "variant": V} picks one
                     for a request),
                     "permissions" (the principal's
                     Microsoft.Authorization/permissions entries; default:
                     drills/roles/azure-failover-drill.json; every ARM call
                     is authorized against them: 403 AuthorizationFailed),
                     gateway "connections" (connection resources),
                     "active_active", "instances" (BGP address per
                     instance), "link_failover_tests"
                     (getCircuitLinkFailoverAllTestsDetails entries),
                     circuit "tags" (its tags: the circuit's GET shows
                     them; {circuit}/providers/Microsoft.Resources/tags/
                     default serves GET, PUT and PATCH Merge/Replace/
                     Delete on them, api-version 2019-10-01 or later,
                     reads need Microsoft.Resources/tags/read, writes
                     Microsoft.Resources/tags/write; log records of a
                     write carry "tags_operation"),
                     "link_bgp_seconds" (after an enable the static
                     routeTablesSummary shows the CE neighbours Active
                     this long; default 2).
  --lro-seconds S    peering PUT operation duration (default: the state's
                     "lro_seconds", else 2).
  --retry-after S    Retry-After sent with LROs (default 1).
  --realistic        ARM's timing: peering operations take 30-60 s (drawn
                     per operation unless --lro-seconds or the state's
                     lro_seconds pins it) and LROs carry Retry-After 10
                     (unless --retry-after).  The peering PUT must carry
                     the whole peering in every mode: dropping
                     connections, ipv6PeeringConfig,
                     microsoftPeeringConfig or routeFilter is a 400.
  --token-lifetime S expires_in of issued tokens (default 3599).
  --arc-key-dir DIR  where the Azure Arc endpoint writes its challenge's
                     key files.
  --audience URI     the cloud's ARM token audience ("audience" in the
                     state wins; default: the mock's own https URL).
                     Tokens are issued only for it (else 400
                     AADSTS500011) and ARM accepts only tokens for it
                     (else 401 InvalidAuthenticationTokenAudience).
                     GET /metadata/endpoints?api-version=2022-09-01
                     serves it as authentication.audiences[0].

Endpoints: POST /{tenant}/oauth2/v2.0/token (client_credentials with
client_secret or client_assertion); managed identity tokens: GET
/metadata/identity/oauth2/token (IMDS: Metadata: true, api-version
2018-02-01; the state's "identity" {"imds": [410, 404, ...]} answers
first, "imds_no_identity": true is a 400), /msi/token (App Service:
X-IDENTITY-HEADER = identity.app_service_header, 2019-08-01) and
/arc/token (Azure Arc, 2020-06-01: 401 with WWW-Authenticate: Basic
realm=<a key file written in --arc-key-dir>, then its content as the
Basic credential); GET/PUT circuit and peering (etag,
If-Match -> 412); GET operation status; POST getLearnedRoutes,
getAdvertisedRoutes?peer=, getBgpPeerStatus, routeTables/{path},
routeTablesSummary/{path}, connectivityCheck (202 + Azure-AsyncOperation
and/or Location, see action_reply); GET
{circuit}/providers/Microsoft.Authorization/permissions (paged); GET
gateway, its connections and connections/{name};
POST getCircuitLinkFailoverAllTestsDetails.
"""

import argparse
import base64
import copy
import importlib.util
import json
import os
import queue
import random
import re
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
TERMINAL = ("Succeeded", "Failed", "Canceled")
# Managed identity token endpoints and their api-versions
# (AZURE-REST.md §4.3; azure-identity imds.py, app_service.py,
# azure_arc.py).
IDENTITY_PATHS = {"/metadata/identity/oauth2/token": "imds",
                  "/msi/token": "app_service", "/arc/token": "arc"}
IDENTITY_API = {"imds": "2018-02-01", "app_service": "2019-08-01",
                "arc": "2020-06-01"}
# Microsoft.Network api-versions: the stable folders of azure-rest-api-specs
# specification/network/resource-manager/Microsoft.Network/stable/ that
# hold the ExpressRoute, gateway and watcher specs (2016-03-30: network.json
# alone; 2025-09-01: consolidated files, AZURE-REST.md).  ARM refuses any
# other with 400 NoRegisteredProviderFound, naming the supported versions
# (MicrosoftDocs resource-manager-common-deployment-errors.md: "No
# registered resource provider found for location '<location>' and API
# version '<api-version>' for type '<resource-type>'").
NETWORK_API_VERSIONS = (
    "2015-06-15", "2016-03-30", "2016-09-01", "2016-12-01", "2017-03-01",
    "2017-06-01", "2017-08-01", "2017-09-01", "2017-10-01", "2017-11-01",
    "2018-01-01", "2018-02-01", "2018-04-01", "2018-06-01", "2018-07-01",
    "2018-08-01", "2018-10-01", "2018-11-01", "2018-12-01", "2019-02-01",
    "2019-04-01", "2019-06-01", "2019-07-01", "2019-08-01", "2019-09-01",
    "2019-11-01", "2019-12-01", "2020-03-01", "2020-04-01", "2020-05-01",
    "2020-06-01", "2020-07-01", "2020-08-01", "2020-11-01", "2021-03-01",
    "2021-05-01", "2021-08-01", "2022-01-01", "2022-05-01", "2022-09-01",
    "2022-11-01", "2023-04-01", "2023-05-01", "2023-06-01", "2023-11-01",
    "2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01", "2024-10-01",
    "2025-01-01", "2025-03-01", "2025-05-01", "2025-07-01", "2025-09-01")
# Microsoft.Resources api-versions that serve the tags of a scope
# ({scope}/providers/Microsoft.Resources/tags/default: Tags_GetAtScope,
# Tags_CreateOrUpdateAtScope, Tags_UpdateAtScope), the stable folders of
# azure-rest-api-specs specification/resources/resource-manager/
# Microsoft.Resources/stable/ from 2019-10-01, which introduced them.  ARM
# refuses any other with 400 InvalidApiVersionParameter naming them.
TAGS_API_VERSIONS = ("2019-10-01", "2020-06-01", "2020-08-01", "2020-10-01",
                     "2021-01-01", "2021-04-01", "2022-09-01", "2023-07-01",
                     "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01",
                     "2025-04-01")
# Tag limits (MicrosoftDocs azure-resource-manager/management/
# tag-resources.md "Limitations": a name at most 512 characters, a value
# at most 256, none of < > % & \ ? / in a name; at most 50 tags on a
# resource).  ARM's codes for them, as azure-powershell's
# Az.RecoveryServices tag checks repeat them: InvalidTagName (name too
# long), InvalidTagValueLength, InvalidTagNameCharacters.
TAG_NAME_MAX = 512
TAG_VALUE_MAX = 256
TAG_NAME_BAD = set('<>%&\\?/')
TAGS_MAX = 50
# Microsoft.Authorization api-versions that serve permissions.
AUTHZ_API_VERSIONS = ("2015-07-01", "2018-01-01-preview", "2022-04-01",
                      "2022-05-01-preview")
PROV = "/providers/Microsoft.Network/"


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def now():
    return time.time()


def new_etag():
    return 'W/"%s"' % uuid.uuid4()


def arm_error(code, message):
    return {"error": {"code": code, "message": message}}


# The custom role the repository ships; the principal's default
# permissions.
ROLE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                         "..", "drills", "roles", "azure-failover-drill.json")


def role_permissions(path):
    """A role definition file (az role definition create format: Actions,
    NotActions, ...) as Microsoft.Authorization/permissions entries."""
    with open(path) as f:
        r = json.load(f)
    return [{"actions": r.get("Actions", []),
             "notActions": r.get("NotActions", []),
             "dataActions": r.get("DataActions", []),
             "notDataActions": r.get("NotDataActions", [])}]


def action_match(pattern, action):
    """ARM RBAC matching: case-insensitive, '*' matches any run of
    characters, '/' included ("Microsoft.Network/*/read")."""
    rx = ".*".join(re.escape(x) for x in pattern.split("*"))
    return re.fullmatch(rx, action, re.I) is not None


def allowed(perms, action):
    """An action is allowed when one Permission entry grants it and that
    same entry's notActions do not take it away (Azure RBAC: NotActions
    subtract from the Actions of their own role; roles add up)."""
    for p in perms:
        if any(action_match(a, action) for a in p.get("actions", [])) and \
                not any(action_match(n, action)
                        for n in p.get("notActions", [])):
            return True
    return False


# ------------------------------------------------------------- certificates

def make_certs(state_dir, sans):
    os.makedirs(state_dir, exist_ok=True)
    ca_key = os.path.join(state_dir, "ca.key")
    ca = os.path.join(state_dir, "ca.pem")
    key = os.path.join(state_dir, "server.key")
    csr = os.path.join(state_dir, "server.csr")
    crt = os.path.join(state_dir, "server.pem")
    ext = os.path.join(state_dir, "server.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]

    def run(args):
        subprocess.run(["openssl"] + args, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    run(["req", "-x509"] + ec + ["-keyout", ca_key, "-out", ca,
         "-days", "2", "-subj", "/CN=failover-drill ARM mock CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run(["req"] + ec + ["-keyout", key, "-out", csr,
         "-subj", "/CN=arm-mock"])
    alt = []
    for s in sans:
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in s else socket.AF_INET,
                             s)
            alt.append("IP:" + s)
        except OSError:
            alt.append("DNS:" + s)
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=%s\n" % ",".join(alt))
    run(["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext])
    return ca, crt, key


# -------------------------------------------------------------------- state

class Mock:
    def __init__(self, args):
        self.args = args
        with open(args.state) as f:
            st = json.load(f)
        self.lock = threading.RLock()
        self.sub = st.get("subscription", "00000000-0000-0000-0000-000000000000")
        self.rg = st.get("resource_group", "rg1")
        self.location = st.get("location", "westus2")
        self.creds = st.get("credentials", {})
        self.circuit = st["circuit"]
        self.circuit.setdefault("etag", new_etag())
        self.peerings = {}
        for p in st.get("peerings", []):
            p = copy.deepcopy(p)
            p.setdefault("etag", new_etag())
            p.setdefault("type", "Microsoft.Network/expressRouteCircuits/peerings")
            p.setdefault("properties", {}).setdefault("provisioningState",
                                                      "Succeeded")
            self.peerings[p["name"].lower()] = p
        self.gateway = st.get("gateway", {})
        self.route_tables = st.get("route_tables", {})
        self.route_summaries = st.get("route_table_summaries", {})
        self.conncheck = st.get("connectivity", {})
        # Microsoft.Authorization/permissions of the calling principal: a
        # list of Permission {actions, notActions, dataActions,
        # notDataActions}; default: the role the repository ships.
        self.permissions = st.get("permissions")
        if self.permissions is None:
            self.permissions = role_permissions(ROLE_FILE)
        # Microsoft link-failover tests of the circuit
        # (getCircuitLinkFailoverAllTestsDetails result entries).
        self.link_tests = st.get("link_failover_tests", [])
        # BGP on the links comes back this long after the peering is
        # enabled: until then the summaries show the CE neighbour Active.
        self.link_bgp_seconds = float(st.get("link_bgp_seconds", 2))
        self.enabled_at = {}      # peering (lower) -> when it was enabled
        self.routes_cmd = (shlex.split(args.routes_cmd) if args.routes_cmd
                           else st.get("routes_cmd"))
        self.routes_py = None
        self.hook_q = None      # run_hook()
        if getattr(args, "routes_py", None):
            argv = shlex.split(args.routes_py)
            spec = importlib.util.spec_from_file_location(
                "routes_py", argv[0])
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            self.routes_py = (mod.query, argv[1:])
        self.lro_seconds = (args.lro_seconds if args.lro_seconds is not None
                            else float(st.get("lro_seconds", 2)))
        # How peering PUTs are answered by default (see peering()).
        self.put_reply = st.get("put_reply", "200-async")
        # --realistic: peering operations take what ARM's do (30-60 s,
        # drawn per operation; --lro-seconds pins one value) and LROs
        # carry Retry-After 10.
        self.realistic = bool(args.realistic or st.get("realistic"))
        if self.realistic:
            if args.retry_after_given is None:
                args.retry_after = 10
            if args.lro_seconds is None and "lro_seconds" not in st:
                self.lro_seconds = None
        self.action_seconds = float(st.get("action_seconds", 0))
        self.action_sync = bool(st.get("action_sync", False))
        # How read actions answer (unless action_sync): "both" (202 with
        # Azure-AsyncOperation and Location, as NRP does), "async"
        # (Azure-AsyncOperation only: the result in the status body's
        # "properties") or "location" (Location only).
        self.action_reply = st.get("action_reply", "both")
        # Managed identity endpoints: "imds" (statuses IMDS answers, in
        # order, before a token), "imds_no_identity" (400),
        # "app_service_header" (the X-IDENTITY-HEADER secret).
        self.identity = st.get("identity", {})
        self.arc_keys = set()
        self.tokens = {}          # token -> expiry (epoch seconds)
        self.token_aud = {}       # token -> audience it was issued for
        # The cloud's ARM token audience ("audience" in the state, else
        # --audience, else the ARM URL itself as for the public clouds);
        # served by /metadata/endpoints and checked on every ARM call.
        self.audience = st.get("audience") or args.audience
        self.ops = {}             # id -> operation dict
        self.results = {}         # id -> POST action result
        self.fault_used = {}      # rule key -> times fired
        self.fault_first = {}     # rule key -> first firing (for_seconds)
        self.arrivals = []        # (method, path) of every request
        self.arrived_cv = threading.Condition()
        self.reads = 12000
        self.writes = 1200
        self.port = 0
        # One os.write per record on an O_APPEND descriptor: a reader
        # polling the log while the mock runs (tests/azure/integration.py)
        # never sees half a record, which a buffered file's chunked
        # writes of a record longer than its buffer could show.
        self.logfd = (os.open(args.log, os.O_WRONLY | os.O_APPEND
                              | os.O_CREAT, 0o644) if args.log else None)

    # ---- helpers
    def client_cert(self):
        """The certificate registered for the app (credentials.
        certificate: a PEM file), or None."""
        path = self.creds.get("certificate")
        if not path:
            return None
        from cryptography import x509
        with open(path, "rb") as f:
            return x509.load_pem_x509_certificate(f.read())

    def op_seconds(self):
        if self.lro_seconds is None:
            return random.uniform(30, 60)
        return self.lro_seconds

    def object_id(self, app_id):
        """The service principal's object id: credentials.object_id, or
        one derived from the app id -- never equal to it, as in Entra,
        where the app (client) id and the principal's object id are two
        GUIDs."""
        return self.creds.get("object_id") or str(
            uuid.uuid5(uuid.NAMESPACE_URL, "sp:" + app_id))

    def access_token(self, aud, tenant, app_id, appidacr, life):
        """An access token as Entra issues one for ARM: a v1.0 JWT
        (header.payload.signature, base64url) whose claims name the
        caller -- appid, oid, tid, idtyp (Microsoft identity platform,
        "Access token claims reference",
        learn.microsoft.com/entra/identity-platform/
        access-token-claims-reference).  The signature is random bytes:
        only this mock checks its tokens, by lookup."""
        def b64(obj):
            raw = obj if isinstance(obj, bytes) else \
                json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")
        t = int(now())
        claims = {"aud": aud + "/", "iss": "https://sts.windows.net/%s/"
                  % tenant, "iat": t, "nbf": t, "exp": t + life,
                  "appid": app_id, "appidacr": appidacr, "idp":
                  "https://sts.windows.net/%s/" % tenant, "idtyp": "app",
                  "oid": self.object_id(app_id), "sub":
                  self.object_id(app_id), "tid": tenant, "ver": "1.0",
                  "uti": b64(os.urandom(16))}
        return "%s.%s.%s" % (b64({"typ": "JWT", "alg": "RS256",
                                  "x5t": "mock", "kid": "mock"}),
                             b64(claims), b64(os.urandom(256)))

    def expected_audience(self):
        return (self.audience or self.base()).rstrip("/")

    def base(self):
        host = self.args.bind
        if ":" in host:
            host = "[%s]" % host
        return "https://%s:%d" % (host, self.port)

    def circuit_path(self):
        return ("/subscriptions/%s/resourceGroups/%s%sexpressRouteCircuits/%s"
                % (self.sub, self.rg, PROV, self.circuit["name"]))

    def log(self, rec):
        if self.logfd is None:
            return
        data = (json.dumps(rec, sort_keys=True) + "\n").encode()
        with self.lock:
            while data:
                data = data[os.write(self.logfd, data):]

    def run_hook(self, peering, state):
        """Queue the --on-change hook for a state change; call it under
        self.lock, where the change is made.  One thread runs the hooks
        in the order the changes were made, as the data plane follows the
        operations one after another: a thread per hook let a failed
        enable's revert (Disabled) and the next enable (Enabled), 50 ms
        apart, reach the lab in either order (lab scenario d)."""
        if not self.args.on_change:
            return
        if self.hook_q is None:
            self.hook_q = queue.Queue()
            threading.Thread(target=self.hook_worker, daemon=True).start()
        self.hook_q.put(shlex.split(self.args.on_change) + [peering, state])

    def hook_worker(self):
        while True:
            argv = self.hook_q.get()
            try:
                r = subprocess.run(argv, timeout=120, stdin=subprocess.DEVNULL)
                sys.stderr.write("arm_mock: on-change %s %s: exit %d\n"
                                 % (argv[-2], argv[-1], r.returncode))
            except (OSError, subprocess.TimeoutExpired) as e:
                sys.stderr.write("arm_mock: on-change failed: %s\n" % e)

    def routes(self, *what):
        """Live routes from --routes-py or --routes-cmd, or None to use
        the static ones."""
        if self.routes_py is not None:
            fn, fixed = self.routes_py
            try:
                return fn(*(list(fixed) + list(what)))
            except (OSError, ValueError, subprocess.SubprocessError) as e:
                raise RuntimeError("routes-py: %s" % e)
        if not self.routes_cmd:
            return None
        r = subprocess.run(list(self.routes_cmd) + list(what), timeout=60,
                           stdin=subprocess.DEVNULL, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("routes-cmd exit %d" % r.returncode)
        v = json.loads(r.stdout or b"[]")
        return v.get("value", []) if isinstance(v, dict) else v

    def peering_enabled(self, name="AzurePrivatePeering"):
        p = self.peerings.get(name.lower())
        return p is not None and p["properties"].get("state") == "Enabled"

    def by_state(self, v):
        """Static lists may be {"Enabled": [...], "Disabled": [...]}, picked
        by the private peering's state."""
        if isinstance(v, dict) and ("Enabled" in v or "Disabled" in v):
            return v.get("Enabled" if self.peering_enabled() else "Disabled",
                         [])
        return v or []

    # ---- operations
    def tick(self):
        t = now()
        with self.lock:
            for op in self.ops.values():
                if op["status"] in TERMINAL or t < op["end"]:
                    continue
                p = self.peerings.get(op["peering"])
                if op["fail"]:
                    op["status"] = "Failed"
                    op["error"] = {"code": op.get("fail_code") or
                                   "InternalServerError",
                                   "message": op.get("fail_message") or
                                   "Injected LRO failure."}
                    if p is not None:
                        old = p["properties"].get("state")
                        p["properties"]["state"] = op["old_state"]
                        if op.get("old_v6") is not None and \
                                "ipv6PeeringConfig" in p["properties"]:
                            p["properties"]["ipv6PeeringConfig"]["state"] = \
                                op["old_v6"]
                        p["properties"]["provisioningState"] = "Failed"
                        p["etag"] = new_etag()
                        if old != op["old_state"]:
                            self.run_hook(p["name"], op["old_state"])
                else:
                    op["status"] = "Succeeded"
                    if p is not None:
                        p["properties"]["provisioningState"] = "Succeeded"
                        p["etag"] = new_etag()
                op["endTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                              time.gmtime())

    # ---- faults
    def arrived(self, method, path):
        with self.arrived_cv:
            self.arrivals.append((method, path))
            self.arrived_cv.notify_all()

    def await_arrival(self, match, seconds):
        """Has a request matching match (method, path_re) arrived, waiting
        up to seconds for it?"""
        def seen():
            return any(("method" not in match or
                        match["method"].upper() == am) and
                       ("path_re" not in match or
                        re.search(match["path_re"], ap))
                       for am, ap in self.arrivals)
        with self.arrived_cv:
            return self.arrived_cv.wait_for(seen, timeout=seconds)

    def fault_for(self, method, path, query, headers=None):
        fp = self.args.faults
        if not fp or not os.path.exists(fp):
            return None
        try:
            with open(fp) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            return None
        rules = doc.get("rules", []) if isinstance(doc, dict) else doc
        state = "Enabled" if self.peering_enabled() else "Disabled"
        has_im = headers is not None and "If-Match" in headers
        with self.lock:
            for i, rule in enumerate(rules):
                m = rule.get("match", {})
                if "method" in m and m["method"].upper() != method:
                    continue
                # The private peering's state now (e.g. "Disabled": only
                # once the drill's disable was accepted).
                if "after_state" in m and m["after_state"] != state:
                    continue
                if "if_match" in m and bool(m["if_match"]) != has_im:
                    continue
                if "path_re" in m and not re.search(m["path_re"], path):
                    continue
                if "query_re" in m and not re.search(m["query_re"], query):
                    continue
                key = "%d:%s" % (i, json.dumps(rule, sort_keys=True))
                if "for_seconds" in rule:
                    # Every match for this long from the first one (an
                    # outage), then never again.
                    first = self.fault_first.setdefault(key, now())
                    if now() - first > float(rule["for_seconds"]):
                        continue
                    self.fault_used[key] = self.fault_used.get(key, 0) + 1
                    return rule
                times = rule.get("times", 1)
                used = self.fault_used.get(key, 0)
                if times and used >= times:
                    continue
                self.fault_used[key] = used + 1
                return rule
        return None


# ------------------------------------------------------------------ handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "arm-mock/1"
    # http.server writes a reply's headers and its body in two send()s.
    # With Nagle on, the body waited for the client's ACK of the headers,
    # which the client delays (Linux delayed ACK, 40 ms): every request
    # on a kept-alive connection took 40-44 ms instead of 2-3 ms (lab -vv
    # traces: metadata, token, each lease read and write, each PUT and
    # poll).  ARM's front end sends a reply without that stall; the lab
    # charged it to the drill.  socketserver.StreamRequestHandler sets
    # TCP_NODELAY on the connection when this is true.
    disable_nagle_algorithm = True
    mock = None

    def log_message(self, fmt, *a):  # quiet; the JSON log is the record
        pass

    # ---- plumbing
    def body_bytes(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    drop_reply = False

    def reply(self, status, body=None, headers=None):
        m = self.mock
        self.rec["status"] = status
        if self.drop_reply:
            # The request was processed; its answer is lost.
            self.drop_reply = False
            self.rec["dropped_reply"] = status
            return self.drop()
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        rid = self.rec["request_id"]
        self.send_header("x-ms-request-id", rid)
        self.send_header("x-ms-correlation-request-id",
                         self.headers.get("x-ms-correlation-request-id")
                         or str(uuid.uuid4()))
        self.send_header("x-ms-routing-request-id", "%s:%s:%s" % (
            m.location.upper(), time.strftime("%Y%m%dT%H%M%SZ",
                                              time.gmtime()), rid))
        if (self.headers.get("x-ms-return-client-request-id") or "").lower() \
                == "true" and self.headers.get("x-ms-client-request-id"):
            self.send_header("x-ms-client-request-id",
                             self.headers["x-ms-client-request-id"])
        with m.lock:
            if self.command == "GET":
                m.reads = max(m.reads - 1, 0)
                self.send_header(
                    "x-ms-ratelimit-remaining-subscription-reads",
                    str(m.reads))
            else:
                m.writes = max(m.writes - 1, 0)
                self.send_header(
                    "x-ms-ratelimit-remaining-subscription-writes",
                    str(m.writes))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(data)
        m.log(self.rec)

    def err(self, status, code, message, headers=None):
        self.reply(status, arm_error(code, message), headers)

    def drop(self):
        self.rec["status"] = 0
        self.mock.log(self.rec)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- dispatch
    def do_GET(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        m = self.mock
        m.tick()
        u = urllib.parse.urlsplit(self.path)
        self.upath = u.path
        self.query = dict(urllib.parse.parse_qsl(u.query,
                                                 keep_blank_values=True))
        raw = self.body_bytes()
        self.rec = {
            "ts": round(now(), 3), "method": self.command, "path": u.path,
            "query": self.query,
            "headers": {k: self.headers[k] for k in (
                "If-Match", "x-ms-client-request-id",
                "x-ms-correlation-request-id", "Content-Type",
                "x-ms-return-client-request-id", "User-Agent")
                if k in self.headers},
            "auth": "Authorization" in self.headers,
            "fault": None, "request_id": str(uuid.uuid4()),
        }
        m.arrived(self.command, u.path)
        fault = m.fault_for(self.command, u.path, u.query, self.headers)
        self.fault = fault
        if fault is not None:
            self.rec["fault"] = fault.get("action")
            act = str(fault.get("action"))
            if act == "drop":
                return self.drop()
            if act == "drop_after":
                self.drop_reply = True
            if act == "delay":
                time.sleep(float(fault.get("seconds", 1)))
            elif act == "await" and not m.await_arrival(
                    fault.get("for", {}), float(fault.get("seconds", 5))):
                return self.err(400, "AwaitTimeout", "The request this one "
                                "awaited (%s) did not arrive while it was "
                                "held." % json.dumps(fault.get("for", {})))
            elif act == "token_expired" and not u.path.endswith("/token"):
                tok = self.bearer()
                with m.lock:
                    if tok in m.tokens:
                        m.tokens[tok] = 0
                return self.err(401, "ExpiredAuthenticationToken",
                                "The access token expiry UTC time is "
                                "earlier than current UTC time.",
                                {"WWW-Authenticate":
                                 'Bearer error="invalid_token"'})
            elif act.isdigit():
                st = int(act)
                codes = {400: "InvalidRequestFormat",
                         403: "AuthorizationFailed", 404: "NotFound",
                         429: "TooManyRequests", 500: "InternalServerError",
                         502: "BadGateway", 503: "ServiceUnavailable",
                         504: "GatewayTimeout", 409: "AnotherOperationInProgress",
                         412: "PreconditionFailed"}
                hdr = {}
                if "retry_after" in fault:
                    hdr["Retry-After"] = fault["retry_after"]
                return self.err(st, fault.get("code", codes.get(st, "Error")),
                                fault.get("message",
                                          "Injected fault %d." % st), hdr)
        try:
            if u.path in IDENTITY_PATHS:
                return self.identity(u.path)
            if u.path.endswith("/oauth2/v2.0/token"):
                return self.token(raw)
            if u.path == "/metadata/endpoints":
                return self.metadata()
            if not self.check_auth() or not self.check_api_version():
                return
            self.route(raw, fault)
        except (ValueError, KeyError, RuntimeError) as e:
            self.err(500, "InternalServerError", "mock: %s" % e)

    # ---- Entra ID
    def token(self, raw):
        m = self.mock
        form = dict(urllib.parse.parse_qsl(raw.decode(errors="replace")))
        self.rec["form_keys"] = sorted(form)
        tenant = self.upath.split("/")[1]
        if self.command != "POST":
            return self.reply(405, {"error": "invalid_request"})
        if form.get("grant_type") != "client_credentials":
            return self.reply(400, {"error": "unsupported_grant_type",
                                    "error_description": "AADSTS70003: "
                                    "grant type not supported."})
        if not form.get("scope", "").endswith("/.default"):
            return self.reply(400, {"error": "invalid_scope",
                                    "error_description": "AADSTS70011: The "
                                    "provided value for scope is not valid."})
        # Entra issues tokens only for resources it knows: the cloud's ARM
        # audience (and Microsoft Graph); any other is AADSTS500011
        # invalid_resource, what a custom cloud that sends its ARM URL
        # as the audience meets on Azure Stack Hub.
        aud = form["scope"][:-len("/.default")].rstrip("/")
        if aud not in (m.expected_audience(),
                       "https://graph.microsoft.com"):
            return self.reply(400, {"error": "invalid_resource",
                                    "error_description": "AADSTS500011: "
                                    "The resource principal named %s was "
                                    "not found in the tenant." % aud})
        c = m.creds
        if c.get("tenant") and tenant != c["tenant"]:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "AADSTS90002: "
                                    "Tenant not found."})
        if c.get("client_id") and form.get("client_id") != c["client_id"]:
            return self.reply(400, {"error": "unauthorized_client",
                                    "error_description": "AADSTS700016: "
                                    "Application not found."})
        ok = False
        if "client_secret" in form:
            ok = not c.get("client_secret") or \
                form["client_secret"] == c["client_secret"]
        elif form.get("client_assertion_type") == \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            why = self.assertion_error(form.get("client_assertion", ""),
                                       form.get("client_id", ""), tenant)
            if why is not None:
                return self.reply(401, {"error": "invalid_client",
                                        "error_description": why})
            ok = True
        if not ok:
            return self.reply(401, {"error": "invalid_client",
                                    "error_description": "AADSTS7000215: "
                                    "Invalid client secret provided."})
        life = int(m.args.token_lifetime)
        tok = m.access_token(aud, tenant, form.get("client_id", ""),
                             "2" if "client_assertion" in form else "1",
                             life)
        with m.lock:
            m.tokens[tok] = now() + life
            m.token_aud[tok] = aud
        self.reply(200, {"token_type": "Bearer", "expires_in": life,
                         "ext_expires_in": life, "access_token": tok})

    # ---- Managed identity endpoints
    def identity(self, path):
        """IMDS (/metadata/identity/oauth2/token), App Service
        (/msi/token) and Azure Arc (/arc/token) token endpoints, with
        their own api-versions, headers and answer shapes."""
        m = self.mock
        ident = m.identity
        q = self.query
        kind = IDENTITY_PATHS[path]
        if self.command != "GET":
            return self.reply(405, {"error": "invalid_request"})
        if q.get("api-version") != IDENTITY_API[kind]:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "Invalid "
                                    "api-version %s" % q.get("api-version")})
        if kind in ("imds", "arc") and self.headers.get("Metadata") != "true":
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "Required metadata "
                                    "header not specified"})
        if kind == "imds":
            if ident.get("imds_no_identity"):
                # What IMDS answers on a VM without a (matching) identity.
                return self.reply(400, {"error": "invalid_request",
                                        "error_description": "Identity not "
                                        "found"})
            with m.lock:
                script = ident.setdefault("imds", [])
                st = script.pop(0) if script else 200
            if st != 200:
                # 410 while IMDS is updated, 404 while it starts, 429
                # throttled, 5xx (how-to-use-vm-token.md, Error handling).
                return self.reply(st, {"error": "unavailable",
                                       "error_description": "IMDS answered "
                                       "%d" % st})
        elif kind == "app_service":
            want = ident.get("app_service_header")
            if not want or self.headers.get("X-IDENTITY-HEADER") != want:
                return self.reply(401, {"error": "unauthorized",
                                        "error_description": "Missing or "
                                        "wrong X-IDENTITY-HEADER"})
        else:
            auth = self.headers.get("Authorization")
            if auth is None:
                # Azure Arc's challenge: a fresh key in a file only the
                # himds group may read, named by the realm.
                key = base64.b64encode(os.urandom(24)).decode()
                kd = m.args.arc_key_dir
                if not kd:
                    return self.reply(500, {"error": "no --arc-key-dir"})
                os.makedirs(kd, exist_ok=True)
                kp = os.path.join(kd, "%s.key" % uuid.uuid4())
                with open(kp, "w") as f:
                    f.write(key)
                with m.lock:
                    m.arc_keys.add(key)
                return self.reply(401, {"error": "unauthorized"},
                                  {"WWW-Authenticate": "Basic realm=%s" % kp})
            with m.lock:
                ok = auth.startswith("Basic ") and \
                    auth[len("Basic "):] in m.arc_keys
            if not ok:
                return self.reply(401, {"error": "unauthorized",
                                        "error_description": "Invalid key"})
        aud = q.get("resource", "").rstrip("/")
        if aud != m.expected_audience():
            return self.reply(400, {"error": "invalid_resource",
                                    "error_description": "AADSTS500011: The "
                                    "resource principal named %s was not "
                                    "found in the tenant." % aud})
        life = int(m.args.token_lifetime)
        tok = m.access_token(aud, m.creds.get("tenant") or "mock-tenant",
                             q.get("client_id") or ident.get("client_id")
                             or "mock-managed-identity", "2", life)
        with m.lock:
            m.tokens[tok] = now() + life
            m.token_aud[tok] = aud
        # Managed identity endpoints answer numbers as strings.
        body = {"access_token": tok, "expires_on": str(int(now() + life)),
                "resource": q.get("resource"), "token_type": "Bearer"}
        if kind != "app_service":
            body.update({"expires_in": str(life), "refresh_token": "",
                         "not_before": str(int(now()))})
        self.reply(200, body)

    def assertion_error(self, jwt, client_id, tenant):
        """Why Entra would refuse a client assertion, or None.  A
        certificate assertion (header x5t) is checked as Entra does
        (Microsoft identity platform "certificate credentials"): RS256
        signed by the key of the certificate registered for the app
        (credentials.certificate, a PEM file), x5t its base64url SHA-1
        thumbprint, aud the token endpoint, iss = sub = client id, exp in
        the future and nbf not in it.  Without x5t it is a federated
        token (workload identity), whose issuer's keys the mock does not
        know: it must name a subject and be unexpired."""
        parts = jwt.split(".")
        if len(parts) != 3:
            return "AADSTS50027: JWT token is invalid or malformed."
        try:
            hdr = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except ValueError:
            return "AADSTS50027: JWT token is invalid or malformed."
        t = now()
        if "x5t" not in hdr and "x5t#S256" not in hdr:
            if claims.get("exp", 0) < t or not claims.get("sub"):
                return ("AADSTS700024: Client assertion is not within its "
                        "valid time range.")
            return None
        cert = self.mock.client_cert()
        if cert is None:
            return ("AADSTS700027: Client assertion contains an invalid "
                    "signature. [Reason - The key was not found.]")
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.exceptions import InvalidSignature
        x5t = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA1())) \
            .decode().rstrip("=")
        if hdr.get("x5t") != x5t:
            return ("AADSTS700027: Client assertion contains an invalid "
                    "signature. [Reason - The key was not found., "
                    "Thumbprint of key used by client: '%s']"
                    % hdr.get("x5t"))
        if hdr.get("alg") != "RS256":
            return ("AADSTS700027: Client assertion contains an invalid "
                    "signature. [Reason - alg %s]" % hdr.get("alg"))
        try:
            cert.public_key().verify(
                sig, (parts[0] + "." + parts[1]).encode(),
                padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return ("AADSTS700027: Client assertion contains an invalid "
                    "signature. [Reason - The signature does not verify "
                    "with the registered certificate.]")
        want = "%s/%s/oauth2/v2.0/token" % (self.mock.base(), tenant)
        if claims.get("aud") != want:
            return ("Client assertion audience %r is not the token "
                    "endpoint %s." % (claims.get("aud"), want))
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            return ("Client assertion iss/sub %r/%r is not the client id "
                    "%s." % (claims.get("iss"), claims.get("sub"),
                             client_id))
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= t or \
                claims.get("nbf", 0) > t + 300:
            return ("AADSTS700024: Client assertion is not within its "
                    "valid time range.")
        return None

    # ---- ARM checks
    def bearer(self):
        h = self.headers.get("Authorization") or ""
        return h[7:] if h.startswith("Bearer ") else None

    def check_auth(self):
        m = self.mock
        hdr = {"WWW-Authenticate": 'Bearer authorization_uri="%s", '
               'error="invalid_token"' % m.base()}
        if "Authorization" not in self.headers:
            self.err(401, "AuthenticationFailed", "Authentication failed. "
                     "The 'Authorization' header is missing.", hdr)
            return False
        tok = self.bearer()
        with m.lock:
            exp = m.tokens.get(tok)
        if exp is None:
            self.err(401, "InvalidAuthenticationToken", "The access token "
                     "is invalid.", hdr)
            return False
        if exp < now():
            self.err(401, "ExpiredAuthenticationToken", "The access token "
                     "expiry UTC time is earlier than current UTC time.", hdr)
            return False
        with m.lock:
            aud = m.token_aud.get(tok)
        if aud != m.expected_audience():
            self.err(401, "InvalidAuthenticationTokenAudience", "The access "
                     "token has been obtained for wrong audience or "
                     "resource '%s'. It should exactly match with one of "
                     "the allowed audiences '%s/'." %
                     (aud, m.expected_audience()), hdr)
            return False
        return True

    # ---- cloud metadata (no token), as hashicorp/go-azure-sdk
    # sdk/internal/metadata/client.go reads it: one cloud object, as an
    # Azure Stack Hub answers.
    def metadata(self):
        m = self.mock
        if self.command != "GET":
            return self.err(405, "MethodNotAllowed", "GET only.")
        if self.query.get("api-version") not in (
                "2015-01-01", "2019-05-01", "2020-06-01", "2022-09-01"):
            return self.err(400, "InvalidApiVersionParameter", "The "
                            "api-version '%s' is invalid." %
                            self.query.get("api-version"))
        self.reply(200, {
            "name": "MockCloud", "portal": m.base(),
            "resourceManager": m.base() + "/",
            "authentication": {
                "loginEndpoint": m.base() + "/",
                "audiences": [m.expected_audience() + "/"],
                "tenant": "common", "identityProvider": "AAD"},
            "suffixes": {}})

    def check_api_version(self):
        v = self.query.get("api-version")
        if v is None:
            self.err(400, "MissingApiVersionParameter", "The api-version "
                     "query parameter (?api-version=) is required for all "
                     "requests.")
            return False
        # Microsoft.Authorization has api-versions of its own, checked
        # by permissions() against AUTHZ_API_VERSIONS; what follows is
        # about Microsoft.Network.
        if "/providers/microsoft.authorization/" in self.upath.lower():
            return True
        if "/providers/microsoft.resources/tags/" in self.upath.lower():
            if v not in TAGS_API_VERSIONS:
                self.err(400, "InvalidApiVersionParameter", "The "
                         "api-version '%s' is invalid. The supported "
                         "versions are '%s'." % (v, ",".join(
                             reversed(TAGS_API_VERSIONS))))
                return False
            return True
        if not API_VERSION_RE.match(v):
            self.err(400, "InvalidApiVersionParameter", "The api-version "
                     "'%s' is invalid. The supported versions are '%s'."
                     % (v, ",".join(reversed(NETWORK_API_VERSIONS))))
            return False
        if v not in NETWORK_API_VERSIONS:
            m = re.search(r"/providers/Microsoft\.Network/([^/]+)",
                          self.upath, re.I)
            rtype = m.group(1) if m else "unknown"
            self.err(400, "NoRegisteredProviderFound", "No registered "
                     "resource provider found for location '%s' and API "
                     "version '%s' for type '%s'. The supported "
                     "api-versions are '%s'. The supported locations are "
                     "'%s'." % (self.mock.location, v, rtype,
                                ", ".join(NETWORK_API_VERSIONS),
                                self.mock.location))
            return False
        return True

    # ---- ARM routes
    def route(self, raw, fault):
        m = self.mock
        p = self.upath
        ops = re.match(r"^/subscriptions/[^/]+/providers/Microsoft\.Network/"
                       r"locations/[^/]+/(operations|operationResults)/"
                       r"([^/]+)$", p, re.I)
        if ops:
            if not self.authorize("Microsoft.Network/locations/%s/read"
                                  % ops.group(1), p):
                return
            if ops.group(1).lower() == "operations":
                return self.op_status(ops.group(2))
            return self.op_result(ops.group(2))
        pre = "/subscriptions/%s/resourceGroups/%s%s" % (m.sub, m.rg, PROV)
        if not p.lower().startswith(pre.lower()):
            return self.err(404, "ResourceGroupNotFound" if
                            p.lower().startswith("/subscriptions/")
                            else "InvalidResourceType",
                            "Resource group or subscription not found.")
        rest = p[len(pre):].split("/")
        low = [x.lower() for x in rest]
        cname = m.circuit["name"].lower()
        gname = m.gateway.get("name", "").lower()
        if low[:2] in (["expressroutecircuits", cname],
                       ["virtualnetworkgateways", gname]) and \
                low[2:] == ["providers", "microsoft.authorization",
                            "permissions"]:
            return self.permissions()
        if low[:2] == ["expressroutecircuits", cname] and low[2:] == [
                "providers", "microsoft.resources", "tags", "default"]:
            return self.tags(raw)
        act = self.rbac_action(low)
        if act is not None and not self.authorize(act, p):
            return
        if low[:2] == ["expressroutecircuits", cname]:
            if len(low) == 2:
                return self.circuit(raw)
            if len(low) == 3 and low[2] == \
                    "getcircuitlinkfailoveralltestsdetails" and \
                    self.command == "POST":
                return self.link_tests()
            if len(low) >= 4 and low[2] == "peerings":
                peer = m.peerings.get(low[3])
                if peer is None:
                    return self.err(404, "NotFound", "Peering %s not found."
                                    % rest[3])
                if len(low) == 4:
                    return self.peering(peer, raw, fault)
                if len(low) == 6 and low[4] in ("routetables",
                                                "routetablessummary") \
                        and self.command == "POST":
                    return self.route_table(peer, low[4], rest[5])
        elif low[0] == "expressroutecircuits":
            return self.err(404, "ResourceNotFound", "The Resource "
                            "'Microsoft.Network/expressRouteCircuits/%s' "
                            "under resource group '%s' was not found."
                            % (rest[1] if len(rest) > 1 else "", m.rg))
        gname = m.gateway.get("name", "").lower()
        if low[:2] == ["virtualnetworkgateways", gname] and len(low) == 3 \
                and self.command == "POST":
            return self.gateway_action(low[2])
        if low[:2] == ["virtualnetworkgateways", gname] and \
                self.command == "GET" and len(low) in (2, 3):
            if len(low) == 2:
                return self.gateway_get()
            if low[2] == "connections":
                return self.gateway_connections()
        if low[0] == "connections" and len(low) == 2 and \
                self.command == "GET":
            return self.connection_get(rest[1])
        if low[0] == "networkwatchers" and len(low) == 3 and \
                low[2] == "connectivitycheck" and self.command == "POST":
            return self.conncheck(rest[1], raw)
        self.err(404, "ResourceNotFound", "No such resource or action: %s"
                 % p)

    # ---- RBAC: every call is authorized against the principal's
    # permissions as ARM does (403 AuthorizationFailed).
    def rbac_action(self, low):
        """The Microsoft.Network operation a request needs (the names of
        MicrosoftDocs resource-provider-operations.md), or None."""
        meth = self.command
        if low[0] == "expressroutecircuits" and len(low) >= 2:
            if len(low) == 2:
                return "Microsoft.Network/expressRouteCircuits/" + \
                    ("read" if meth == "GET" else "write")
            if len(low) == 3:
                return "Microsoft.Network/expressRouteCircuits/%s/action" \
                    % low[2]
            if low[2] == "peerings" and len(low) == 4:
                return "Microsoft.Network/expressRouteCircuits/peerings/" + \
                    {"GET": "read", "PUT": "write", "DELETE": "delete"}.get(
                        meth, "write")
            if low[2] == "peerings" and len(low) == 6:
                return ("Microsoft.Network/expressRouteCircuits/peerings/"
                        "%s/read" % {"routetables": "routeTables",
                                     "routetablessummary":
                                     "routeTablesSummary",
                                     "arptables": "arpTables"}.get(
                                         low[4], low[4]))
        if low[0] == "virtualnetworkgateways" and len(low) >= 2:
            if len(low) == 2:
                return "Microsoft.Network/virtualNetworkGateways/read"
            if low[2] == "connections":
                return "Microsoft.Network/virtualNetworkGateways/" \
                    "connections/read"
            return "Microsoft.Network/virtualNetworkGateways/%s/action" \
                % low[2]
        if low[0] == "connections" and len(low) == 2:
            return "Microsoft.Network/connections/read"
        if low[0] == "networkwatchers" and len(low) == 3:
            return "Microsoft.Network/networkWatchers/%s/action" % low[2]
        return None

    def authorize(self, action, scope):
        if allowed(self.mock.permissions, action):
            return True
        # Real ARM names the principal's object id twice here.
        oid = self.mock.object_id(self.mock.creds.get("client_id", ""))
        self.err(403, "AuthorizationFailed", "The client '%s' with object "
                 "id '%s' does not have authorization to perform action "
                 "'%s' over scope '%s' or the scope is invalid. If access "
                 "was recently granted, please refresh your credentials."
                 % (oid, oid, action, scope))
        return False

    def permissions(self):
        """Permissions_ListForResource (azure-rest-api-specs
        specification/authorization/resource-manager/Microsoft.Authorization/
        stable/2022-04-01/authorization-RoleDefinitionsCalls.json):
        PermissionGetResult {value: [Permission], nextLink}, pageable.
        One entry per page, so a client must follow nextLink."""
        m = self.mock
        if self.command != "GET":
            return self.err(405, "MethodNotAllowed", "Not supported.")
        if self.query.get("api-version") not in AUTHZ_API_VERSIONS:
            return self.err(400, "InvalidApiVersionParameter", "The "
                            "api-version '%s' is invalid for "
                            "Microsoft.Authorization/permissions."
                            % self.query.get("api-version"))
        page = int(self.query.get("$skipToken") or 0)
        perms = m.permissions
        body = {"value": perms[page:page + 1], "nextLink": None}
        if page + 1 < len(perms):
            body["nextLink"] = "%s%s?api-version=%s&$skipToken=%d" % (
                m.base(), self.upath, self.query["api-version"], page + 1)
        self.reply(200, body)

    def gateway_get(self):
        """VirtualNetworkGateway (virtualNetworkGateway.json): activeActive
        and bgpSettings {asn, bgpPeeringAddresses[] per instance}."""
        m = self.mock
        g = m.gateway
        insts = g.get("instances", ["10.17.11.76", "10.17.11.77"])
        gid = "/subscriptions/%s/resourceGroups/%s%svirtualNetworkGateways/%s" \
            % (m.sub, m.rg, PROV, g.get("name", ""))
        self.reply(200, {
            "name": g.get("name", ""), "id": gid,
            "type": "Microsoft.Network/virtualNetworkGateways",
            "location": m.location, "etag": new_etag(),
            "properties": {
                "provisioningState": "Succeeded", "gatewayType": "Vpn",
                "vpnType": "RouteBased", "enableBgp": True,
                "activeActive": bool(g.get("active_active", True)),
                "bgpSettings": {
                    "asn": 65515, "peerWeight": 0,
                    "bgpPeeringAddresses": [
                        {"ipconfigurationId": "%s/ipConfigurations/ip%d"
                         % (gid, i), "defaultBgpIpAddresses": [a],
                         "customBgpIpAddresses": [],
                         "tunnelIpAddresses": []}
                        for i, a in enumerate(insts)]}}})

    def connection_body(self, c):
        m = self.mock
        b = copy.deepcopy(c)
        b["id"] = "/subscriptions/%s/resourceGroups/%s%sconnections/%s" % (
            m.sub, m.rg, PROV, c["name"])
        b.setdefault("type", "Microsoft.Network/connections")
        b.setdefault("location", m.location)
        props = b.setdefault("properties", {})
        props.setdefault("provisioningState", "Succeeded")
        props.setdefault("connectionType", "IPsec")
        props["virtualNetworkGateway1"] = {
            "id": "/subscriptions/%s/resourceGroups/%s%svirtualNetworkGateways"
                  "/%s" % (m.sub, m.rg, PROV, m.gateway.get("name", ""))}
        return b

    def gateway_connections(self):
        """VirtualNetworkGateways_ListConnections: the list entities carry
        no runtime status (connectionStatus is filled by the connection's
        own GET), as on real ARM."""
        v = []
        for c in self.mock.gateway.get("connections", []):
            b = self.connection_body(c)
            for k in ("connectionStatus", "tunnelConnectionStatus",
                      "ingressBytesTransferred", "egressBytesTransferred"):
                b["properties"].pop(k, None)
            v.append(b)
        self.reply(200, {"value": v, "nextLink": None})

    def connection_get(self, name):
        for c in self.mock.gateway.get("connections", []):
            if c["name"].lower() == name.lower():
                return self.reply(200, self.connection_body(c))
        self.err(404, "ResourceNotFound", "The Resource "
                 "'Microsoft.Network/connections/%s' under resource group "
                 "'%s' was not found." % (name, self.mock.rg))

    def link_tests(self):
        """getCircuitLinkFailoverAllTestsDetails (expressRouteCircuit.json
        2025-07-01, AZURE-REST.md 5.5): POST, LRO final-state-via
        location, result an array of test details with a status."""
        q = self.query
        if q.get("api-version", "") < "2025-07-01":
            return self.err(400, "InvalidApiVersionParameter", "The "
                            "api-version '%s' does not support "
                            "getCircuitLinkFailoverAllTestsDetails."
                            % q.get("api-version"))
        if q.get("failoverTestType") not in ("SingleSiteFailover",
                                             "MultiSiteFailover", "All",
                                             "LinkFailover") or \
                q.get("fetchLatest") not in ("true", "false"):
            return self.err(400, "InvalidRequestFormat", "failoverTestType "
                            "and fetchLatest are required.")
        self.accept_action(copy.deepcopy(self.mock.link_tests))

    # ---- Tags of the circuit ({scope}/providers/Microsoft.Resources/tags/
    # default, azure-rest-api-specs specification/resources/resource-manager/
    # Microsoft.Resources/stable/2021-04-01/resources.json).  The circuit's
    # GET shows the same tags (its "tags").
    def tags_body(self):
        m = self.mock
        return {"id": m.circuit_path() +
                "/providers/Microsoft.Resources/tags/default",
                "name": "default", "type": "Microsoft.Resources/tags",
                "properties": {"tags": dict(m.circuit.get("tags") or {})}}

    def tags_check(self, tags):
        """The tags of a PUT or PATCH body as ARM validates them; None
        after an error reply."""
        if not isinstance(tags, dict) or not all(
                isinstance(v, str) for v in tags.values()):
            self.err(400, "InvalidRequestContent", "The request content "
                     "was invalid and could not be deserialized: "
                     "'properties.tags' must map names to strings.")
            return None
        for k, v in tags.items():
            if len(k) > TAG_NAME_MAX:
                self.err(400, "InvalidTagName", "The tag name '%s' exceeds "
                         "the maximum length of %d characters."
                         % (k, TAG_NAME_MAX))
                return None
            if not k or any(c in TAG_NAME_BAD for c in k):
                self.err(400, "InvalidTagNameCharacters", "The tag names "
                         "'%s' have reserved characters '<,>,%%,&,\\,?,/' "
                         "or control characters." % k)
                return None
            if len(v) > TAG_VALUE_MAX:
                self.err(400, "InvalidTagValueLength", "The tag value '%s' "
                         "exceeds the maximum length of %d characters."
                         % (v, TAG_VALUE_MAX))
                return None
        return tags

    def tags(self, raw):
        """Tags_GetAtScope (GET), Tags_CreateOrUpdateAtScope (PUT: the
        whole set, replaced) and Tags_UpdateAtScope (PATCH {"operation":
        "Replace" | "Merge" | "Delete", "properties": {"tags": {...}}}:
        "The 'replace' option replaces the entire set of existing tags with
        a new set. The 'merge' option allows adding tags with new names
        and updating the values of tags with existing names. The 'delete'
        option allows selectively deleting tags based on given names or
        name/value pairs", resources.json 2021-04-01).  Neither write takes
        If-Match: the spec lists no such parameter for either, so no write
        is conditional.  Reads need Microsoft.Resources/tags/read, writes
        Microsoft.Resources/tags/write (MicrosoftDocs resource-provider-
        operations.md, Microsoft.Resources)."""
        m = self.mock
        scope = m.circuit_path()
        if self.command == "GET":
            if not self.authorize("Microsoft.Resources/tags/read", scope):
                return
            with m.lock:
                return self.reply(200, self.tags_body())
        if self.command not in ("PUT", "PATCH"):
            return self.err(405, "MethodNotAllowed", "Not supported.")
        if not self.authorize("Microsoft.Resources/tags/write", scope):
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            return self.err(400, "InvalidRequestContent", "The request "
                            "content was invalid and could not be "
                            "deserialized: 'properties' is required.")
        given = self.tags_check(props.get("tags", {}))
        if given is None:
            return
        op = "Replace" if self.command == "PUT" else body.get("operation")
        # TagsPatchOperation is an enum of exactly these words.
        if op not in ("Replace", "Merge", "Delete"):
            return self.err(400, "InvalidRequestContent", "The request "
                            "content was invalid and could not be "
                            "deserialized: 'operation' must be Replace, "
                            "Merge or Delete, not '%s'." % op)
        with m.lock:
            cur = dict(m.circuit.get("tags") or {})
            if op == "Replace":
                cur = dict(given)
            elif op == "Merge":
                # Tag names are case-insensitive in ARM: a merge of an
                # existing name in other case updates that tag.
                for k, v in given.items():
                    for old in [x for x in cur if x.lower() == k.lower()]:
                        del cur[old]
                    cur[k] = v
            else:
                # Delete: by name, or by name and value when a value is
                # given (an empty value deletes by name).
                for k, v in given.items():
                    for old in [x for x in cur if x.lower() == k.lower()]:
                        if v == "" or cur[old] == v:
                            del cur[old]
            if len(cur) > TAGS_MAX:
                return self.err(400, "InvalidTagCount", "The resource "
                                "would have %d tags; at most %d are "
                                "allowed." % (len(cur), TAGS_MAX))
            m.circuit["tags"] = cur
            self.rec["tags_operation"] = op
            self.reply(200, self.tags_body())

    def circuit_body(self):
        m = self.mock
        c = copy.deepcopy(m.circuit)
        c["id"] = m.circuit_path()
        c.setdefault("type", "Microsoft.Network/expressRouteCircuits")
        c.setdefault("location", m.location)
        c.setdefault("properties", {})["peerings"] = [
            self.peering_body(x) for x in m.peerings.values()]
        return c

    def peering_body(self, peer):
        b = copy.deepcopy(peer)
        b["id"] = "%s/peerings/%s" % (self.mock.circuit_path(), peer["name"])
        return b

    def circuit(self, raw):
        m = self.mock
        if self.command == "GET":
            with m.lock:
                return self.reply(200, self.circuit_body())
        if self.command != "PUT":
            return self.err(405, "MethodNotAllowed", "Not supported.")
        body = json.loads(raw or b"null")
        with m.lock:
            im = self.headers.get("If-Match")
            if im is not None and im != "*" and im != m.circuit["etag"]:
                return self.err(412, "PreconditionFailed", "The specified "
                                "If-Match etag does not match.")
            if not isinstance(body, dict) or \
                    not isinstance(body.get("properties"), dict):
                return self.err(400, "InvalidRequestFormat",
                                "Cannot parse the request.")
            props = {k: v for k, v in body["properties"].items()
                     if k not in ("peerings", "provisioningState")}
            m.circuit["properties"].update(props)
            m.circuit["etag"] = new_etag()
            self.reply(200, self.circuit_body())

    def peering(self, peer, raw, fault):
        m = self.mock
        if self.command == "GET":
            with m.lock:
                return self.reply(200, self.peering_body(peer))
        if self.command != "PUT":
            return self.err(405, "MethodNotAllowed", "Not supported.")
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        with m.lock:
            im = self.headers.get("If-Match")
            if im is not None and im != "*" and im != peer["etag"]:
                return self.err(412, "PreconditionFailed", "The specified "
                                "If-Match etag '%s' does not match the "
                                "current etag." % im)
            if not isinstance(body, dict) or \
                    not isinstance(body.get("properties"), dict):
                return self.err(400, "InvalidRequestFormat",
                                "Cannot parse the request.")
            props = body["properties"]
            cur = peer["properties"]
            if cur.get("provisioningState") not in ("Succeeded", "Failed"):
                return self.err(429, "RetryableErrorDueToAnotherOperation",
                                "Operation on peering %s is in progress."
                                % peer["name"], {"Retry-After": 1})
            if "provisioningState" in props and \
                    props["provisioningState"] != cur.get("provisioningState"):
                return self.err(400, "InvalidRequestFormat",
                                "provisioningState is read-only.")
            # ARM PUT replaces: a private peering without these fields
            # would lose them (AZURE-REST.md §1.3).
            missing = [k for k in ("peerASN", "primaryPeerAddressPrefix",
                                   "secondaryPeerAddressPrefix", "vlanId")
                       if k not in props]
            if missing:
                return self.err(400, "InvalidRequestFormat", "Missing "
                                "required properties: %s." % ", ".join(
                                    missing))
            # Nor without these when the peering has them: the PUT would
            # delete the IPv6 peering, the VNet connections, the
            # Microsoft peering config or the route filter.
            gone = [k for k in ("connections", "ipv6PeeringConfig",
                                "microsoftPeeringConfig", "routeFilter")
                    if cur.get(k) is not None and k not in props]
            if gone:
                return self.err(400, "InvalidRequestFormat", "The request "
                                "would remove %s of peering %s: a PUT "
                                "replaces the whole peering." % (
                                    ", ".join(gone), peer["name"]))
            if props.get("state", "Enabled") not in ("Enabled", "Disabled"):
                return self.err(400, "InvalidRequestFormat",
                                "Invalid peering state.")
            old = cur.get("state")
            old_v6 = (cur.get("ipv6PeeringConfig") or {}).get("state")
            new = copy.deepcopy(props)
            new.setdefault("state", "Enabled")
            for k in ("lastModifiedBy",):
                new[k] = "Customer"
            for k in ("peeredConnections",):
                if k in cur:
                    new[k] = cur[k]
            new["provisioningState"] = "Updating"
            peer["properties"] = new
            peer["etag"] = new_etag()
            secs = m.op_seconds()
            fail = False
            fail_code = None
            if fault is not None:
                if fault.get("action") == "slow_lro":
                    secs = float(fault.get("seconds", 30))
                elif fault.get("action") == "lro_failed":
                    fail = True
                    fail_code = fault.get("code")
            op_id = str(uuid.uuid4())
            m.ops[op_id] = {"status": "InProgress", "end": now() + secs,
                            "fail": fail, "fail_code": fail_code,
                            "fail_message": None if fail_code is None else
                            "Another operation on this or dependent "
                            "resource is in progress." if fail_code ==
                            "AnotherOperationInProgress" else
                            "Injected LRO failure.",
                            "peering": peer["name"].lower(),
                            "peering_name": peer["name"], "old_state": old,
                            "old_v6": old_v6,
                            "startTime": time.strftime(
                                "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            if new["state"] != old:
                m.run_hook(peer["name"], new["state"])
                if new["state"] == "Enabled":
                    m.enabled_at[peer["name"].lower()] = now()
            # How the PUT is answered (ARM allows each; AZURE-REST.md
            # §2.1): "200-async" (default), "201-async", "202-location",
            # "202-both", "200-sync", "201-sync"; "200-async-http" hands
            # out an http:// status URL (a client must refuse it).
            variant = fault.get("variant", "200-async") if fault is not \
                None and fault.get("action") == "put_reply" else \
                m.put_reply
            if variant.endswith("-sync") and not fail:
                m.ops[op_id]["end"] = now()
                m.ops[op_id]["status"] = "Succeeded"
                peer["properties"]["provisioningState"] = "Succeeded"
            resp = self.peering_body(peer)
        q = "?api-version=%s" % self.query["api-version"]
        aop = ("%s/subscriptions/%s/providers/Microsoft.Network/locations/"
               "%s/operations/%s%s" % (m.base(), m.sub, m.location, op_id, q))
        loc = ("%s/subscriptions/%s/providers/Microsoft.Network/locations/"
               "%s/operationResults/%s%s" % (m.base(), m.sub, m.location,
                                             op_id, q))
        ra = {"Retry-After": m.args.retry_after}
        if variant == "200-async-http":
            # A status URL that is not https: a client must not send its
            # token there (the mock logs whether one arrives).
            aop = aop.replace("https://", "http://", 1)
            variant = "200-async"
        if variant == "201-async":
            self.reply(201, resp, dict(ra, **{"Azure-AsyncOperation": aop}))
        elif variant == "202-location":
            self.reply(202, None, dict(ra, Location=loc))
        elif variant == "202-both":
            self.reply(202, None, dict(ra, Location=loc,
                                       **{"Azure-AsyncOperation": aop}))
        elif variant in ("200-sync", "201-sync"):
            self.reply(int(variant[:3]), resp)
        else:
            self.reply(200, resp, dict(ra, **{"Azure-AsyncOperation": aop}))

    def op_status(self, op_id):
        m = self.mock
        with m.lock:
            op = m.ops.get(op_id)
            r = m.results.get(op_id)
            if op is None and r is not None:
                return self.action_status(op_id, r)
            if op is None:
                return self.err(404, "NotFound", "Operation not found.")
            body = {"id": self.upath, "name": op_id, "status": op["status"],
                    "startTime": op["startTime"]}
            if "endTime" in op:
                body["endTime"] = op["endTime"]
            if op.get("error"):
                body["error"] = op["error"]
        hdr = {} if body["status"] in TERMINAL else \
            {"Retry-After": m.args.retry_after}
        self.reply(200, body, hdr)

    # ---- POST actions: 202 + Azure-AsyncOperation and/or Location
    def accept_action(self, result):
        m = self.mock
        if m.action_sync:
            # The spec allows 200 with the result for these actions
            # (AZURE-REST.md §5); the lab uses it so the drill benchmark
            # measures the tool, not the mock's Retry-After.
            return self.reply(200, result)
        f = self.fault or {}
        variant = f.get("variant") if f.get("action") == "action_reply" \
            else m.action_reply
        rid = str(uuid.uuid4())
        with m.lock:
            m.results[rid] = {"ready": now() + m.action_seconds,
                              "body": result, "start": now(),
                              "variant": variant}
        base = ("%s/subscriptions/%s/providers/Microsoft.Network/locations/"
                "%s/" % (m.base(), m.sub, m.location))
        q = "?api-version=%s" % self.query["api-version"]
        hdr = {"Retry-After": m.args.retry_after}
        if variant in ("both", "async"):
            hdr["Azure-AsyncOperation"] = base + "operations/" + rid + q
        if variant in ("both", "location"):
            hdr["Location"] = base + "operationResults/" + rid + q
        self.reply(202, None, hdr)

    def action_status(self, rid, r):
        """The Azure-AsyncOperation status of a read action: ARM's
        operation resource {id, name, status, startTime, endTime}, no
        result in it when a Location carries the result; with
        Azure-AsyncOperation alone the result is its "properties" (ARM
        RPC, async operation resource)."""
        m = self.mock
        done = now() >= r["ready"]
        body = {"id": self.upath, "name": rid,
                "status": "Succeeded" if done else "InProgress",
                "startTime": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                           time.gmtime(r["start"]))}
        if done:
            body["endTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                            time.gmtime(r["ready"]))
            if r.get("variant") == "async":
                body["properties"] = r["body"]
        self.reply(200, body, {} if done else
                   {"Retry-After": m.args.retry_after})

    def op_result(self, rid):
        m = self.mock
        with m.lock:
            op = m.ops.get(rid)
            if op is not None:
                # A peering PUT's Location: 202 while it runs, then the
                # peering (200), or the operation's error.
                if op["status"] not in TERMINAL:
                    return self.reply(202, None,
                                      {"Retry-After": m.args.retry_after})
                if op["status"] != "Succeeded":
                    e = op.get("error") or {}
                    return self.err(400 if e.get("code") ==
                                    "InvalidRequestFormat" else 409,
                                    e.get("code", "Canceled"),
                                    e.get("message", "Operation failed."))
                peer = m.peerings.get(op["peering"])
                return self.reply(200, self.peering_body(peer))
            r = m.results.get(rid)
        if r is None:
            return self.err(404, "NotFound", "Operation not found.")
        if now() < r["ready"]:
            return self.reply(202, None, {"Retry-After": m.args.retry_after})
        self.reply(200, r["body"])

    def gateway_action(self, action):
        m = self.mock
        g = m.gateway
        if action == "getlearnedroutes":
            v = m.routes("learned")
            if v is None:
                v = m.by_state(g.get("learned_routes"))
        elif action == "getadvertisedroutes":
            peer = self.query.get("peer")
            if not peer:
                return self.err(400, "InvalidRequestFormat", "The 'peer' "
                                "query parameter is required.")
            v = m.routes("advertised", peer)
            if v is None:
                v = m.by_state((g.get("advertised_routes") or {}).get(peer))
        elif action == "getbgppeerstatus":
            v = m.routes("bgp-peers")
            if v is None:
                v = m.by_state(g.get("bgp_peers"))
            if self.query.get("peer"):
                v = [x for x in v if x.get("neighbor") == self.query["peer"]]
        else:
            return self.err(404, "ResourceNotFound", "Unknown action %s."
                            % action)
        self.accept_action({"value": v})

    def route_table(self, peer, kind, device):
        m = self.mock
        dev = device.capitalize()
        if dev not in ("Primary", "Secondary"):
            return self.err(400, "InvalidRequestFormat", "devicePath must "
                            "be Primary or Secondary.")
        src = m.route_tables if kind == "routetables" else m.route_summaries
        v = m.routes("route-table" if kind == "routetables" else
                     "route-table-summary", peer["name"], dev)
        if v is None:
            v = (src.get(peer["name"]) or {}).get(dev)
            if isinstance(v, dict):
                v = m.by_state(v)
            elif kind != "routetables" and \
                    peer["properties"].get("state") == "Enabled" and \
                    now() - m.enabled_at.get(peer["name"].lower(), 0) < \
                    m.link_bgp_seconds:
                # Enabled, but BGP to the CE is not up yet.
                v = [dict(x, upDown="never", statePfxRcd="Active")
                     for x in (v or [])]
            elif peer["properties"].get("state") != "Enabled":
                # A disabled peering: no routes; the summary still lists
                # the neighbours, in a BGP state instead of a prefix
                # count (as ExpressRouteCircuitRouteTableSummaryList.json
                # shows: upDown "never", statePfxRcd "Idle").
                v = [dict(x, upDown="never", statePfxRcd="Idle")
                     for x in (v or [])] if kind != "routetables" else []
            v = v or []
        self.accept_action({"value": v, "nextLink": None})

    def conncheck(self, watcher, raw):
        m = self.mock
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or \
                not (body.get("source") or {}).get("resourceId"):
            return self.err(400, "InvalidRequestFormat", "source.resourceId "
                            "is required.")
        dest = (body.get("destination") or {}).get("address", "")
        res = m.conncheck.get(dest)
        if res is None:
            res = {"hops": [], "connectionStatus": "Unreachable",
                   "probesSent": 30, "probesFailed": 30}
        self.accept_action(m.by_state(res) if isinstance(res, dict) and
                           ("Enabled" in res or "Disabled" in res) else res)


# --------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--faults")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--san", action="append", default=[])
    ap.add_argument("--on-change")
    ap.add_argument("--routes-cmd")
    ap.add_argument("--routes-py")
    ap.add_argument("--log")
    ap.add_argument("--lro-seconds", type=float)
    ap.add_argument("--retry-after", type=int, default=None,
                    dest="retry_after_given")
    ap.add_argument("--realistic", action="store_true")
    ap.add_argument("--token-lifetime", type=int, default=3599)
    ap.add_argument("--audience")
    ap.add_argument("--arc-key-dir")
    args = ap.parse_args()
    args.retry_after = (args.retry_after_given
                        if args.retry_after_given is not None else 1)

    sans = ["127.0.0.1", "::1", "localhost"] + args.san
    if args.bind not in sans:
        sans.append(args.bind)
    ca, crt, key = make_certs(args.state_dir, sans)
    mock = Mock(args)
    Handler.mock = mock

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(crt, key)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # socketserver listens with a backlog of 5; a drill opening a
        # context per concurrent read (8 and more connections at once)
        # overflowed it, and the kernel's dropped handshake cost a SYN
        # retransmission, 1 s (RFC 6298 initial RTO), in about one run of
        # three: a stall no ARM front end shows.  128 is the kernel's
        # net.core.somaxconn default before Linux 5.4 (4096 since); nginx
        # asks 511 (its listen directive's backlog on Linux).
        request_queue_size = 128
        address_family = socket.AF_INET6 if ":" in args.bind else \
            socket.AF_INET

        def finish_request(self, request, client_address):
            # The TLS handshake runs in the connection's thread, so a
            # client that stalls cannot block accept().
            request.settimeout(30)
            try:
                tls = ctx.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                return
            try:
                self.RequestHandlerClass(tls, client_address, self)
            finally:
                tls.close()

        def handle_error(self, request, client_address):
            sys.stderr.write("arm_mock: connection from %s: %s\n"
                             % (client_address[0], sys.exc_info()[1]))

    srv = Server((args.bind, args.port), Handler)
    mock.port = srv.server_address[1]
    print("CA %s" % ca, flush=True)
    print("PORT %d" % mock.port, flush=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % mock.port)
        os.replace(tmp, args.port_file)

    stop = threading.Event()

    def ticker():
        while not stop.wait(0.2):
            mock.tick()
    threading.Thread(target=ticker, daemon=True).start()

    def on_term(signum, frame):
        stop.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
