#!/usr/bin/env python3
"""Integration test of the Azure provider's real libcurl adapter against
tests/mock/arm_mock.py over TLS on 127.0.0.1 (random port), with faults.

usage: integration.py AZURE_DRIVE_BINARY   (TAP on stdout)

Each scenario starts its own mock (stopped by PID), runs azure_drive
(preflight reads, disable, forced restore), and asserts on the mock's
request log and on everything the tool wrote.
"""

import base64
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import ssl
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SRC = os.environ.get("FD_SOURCE_ROOT",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
MOCK = os.path.join(SRC, "tests", "mock", "arm_mock.py")
SEED = os.path.join(SRC, "tests", "mock", "seed-state.json")
DRIVE = sys.argv[1]

with open(SEED) as f:
    SEED_STATE = json.load(f)
CREDS = SEED_STATE["credentials"]
ROLE = os.path.join(SRC, "drills", "roles", "azure-failover-drill.json")
OBJECT_ID = "5e1f0c3a-7b2d-4c8e-9a6f-0d3b2e1c4a5f"	# the principal's
FD_BIN = os.environ.get("FD_BIN", "")


def role_perms(drop=()):
    """The shipped role as the principal's Microsoft.Authorization/
    permissions entry, minus the actions in drop."""
    with open(ROLE) as f:
        r = json.load(f)
    return {"actions": [a for a in r["Actions"] if a not in drop],
            "notActions": r["NotActions"]}


def state(**changes):
    """The seed state with changes; the principal holds the shipped role
    plus (a second role assignment) the route-table read azure_drive
    makes."""
    st = json.loads(json.dumps(SEED_STATE))
    st["permissions"] = [role_perms(), {"actions": [
        "Microsoft.Network/expressRouteCircuits/peerings/routeTables/read"],
        "notActions": []}]
    st.update(changes)
    return st

# An issued access token (a JWT, as Entra's: tests/mock/arm_mock.py
# access_token) or a client assertion: base64url JSON header and payload.
TOKEN_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\."
                      r"[A-Za-z0-9_-]{16,}")
n_test = 0
failed = 0


def tap(ok, name, why=""):
    global n_test, failed
    n_test += 1
    if not ok:
        failed += 1
    print("%s %d - %s%s" % ("ok" if ok else "not ok", n_test, name,
                            "" if ok else " # " + why), flush=True)


class Run:
    def __init__(self, name, faults, extra=(), st=None):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="fd-azure-it-")
        self.log = os.path.join(self.dir, "requests.jsonl")
        self.faults = os.path.join(self.dir, "faults.json")
        with open(self.faults, "w") as f:
            json.dump({"rules": faults}, f)
        self.state = os.path.join(self.dir, "state.json")
        with open(self.state, "w") as f:
            json.dump(st if st is not None else state(), f)
        port_file = os.path.join(self.dir, "port")
        self.mock_err = open(os.path.join(self.dir, "mock.err"), "w")
        self.mock = subprocess.Popen(
            [sys.executable, MOCK, "--state-dir",
             os.path.join(self.dir, "state"), "--state", self.state,
             "--faults", self.faults, "--port-file", port_file,
             "--log", self.log, "--lro-seconds", "1", "--retry-after", "1"]
            + [a.replace("@DIR@", self.dir) for a in extra],
            stdout=subprocess.DEVNULL, stderr=self.mock_err)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if time.monotonic() > deadline or self.mock.poll() is not None:
                self.stop()
                raise RuntimeError("mock did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = f.read().strip()
        self.ca = os.path.join(self.dir, "state", "ca.pem")

    def drive(self, identity=None, args=()):
        """identity: None for the client secret, else the managed
        identity environment to use instead (values may hold @URL@, the
        mock's https URL, and @DIR@).  args: azure_drive's mode."""
        env = dict(os.environ)
        env.update({
            "FD_MOCK_PORT": self.port, "FD_MOCK_CA": self.ca,
            "FD_AZURE_LOG": os.path.join(self.dir, "azure.log"),
            "AZURE_TENANT_ID": CREDS["tenant"],
            "AZURE_CLIENT_ID": CREDS["client_id"],
            "AZURE_CLIENT_SECRET": CREDS["client_secret"],
        })
        for k in ("AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE",
                  "AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT",
                  "IDENTITY_HEADER", "IMDS_ENDPOINT",
                  "IDENTITY_SERVER_THUMBPRINT",
                  "AZURE_POD_IDENTITY_AUTHORITY_HOST"):
            env.pop(k, None)
        if identity is not None:
            for k in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID",
                      "AZURE_CLIENT_SECRET"):
                env.pop(k, None)
            url = "https://127.0.0.1:%s" % self.port
            env.update({k: v.replace("@URL@", url).replace("@DIR@", self.dir)
                        for k, v in identity.items()})
        r = subprocess.run([DRIVE] + list(args), env=env,
                           capture_output=True, text=True, timeout=120)
        self.rc = r.returncode
        self.out = r.stdout + r.stderr
        with open(os.path.join(self.dir, "drive.out"), "w") as f:
            f.write(self.out)
        return self

    def spec(self, preflight=(), **azure):
        """A drill spec for the real binary: Azure checks only."""
        az = {"subscription": SEED_STATE["subscription"],
              "resource_group": SEED_STATE["resource_group"],
              "circuit": SEED_STATE["circuit"]["name"],
              "vpn_gateway": SEED_STATE["gateway"]["name"],
              "cloud": "custom",
              "arm_endpoint": "https://127.0.0.1:%s" % self.port,
              "authority": "https://127.0.0.1:%s" % self.port,
              "ca_bundle": self.ca}
        az.update(azure)
        learned = {"azure": "learned_routes", "prefix": "10.1.11.0/25",
                   "next_hop": "192.168.11.88"}
        sp = {"name": "it-" + self.name, "azure": az,
              "preflight": [{"azure": "circuit"}, {"azure": "links"},
                            {"azure": "vpn_connections"}] + list(preflight),
              "expect": {"baseline": {"checks": [learned, {"azure":
                                                           "links"}]},
                         "failover": {"checks": [learned]},
                         "restored": "baseline"},
              "timeouts": {"operation_s": 60, "converge_s": 5,
                           "settle_s": 1, "restore_s": 120,
                           "drill_s": 300}}
        path = os.path.join(self.dir, "spec.json")
        with open(path, "w") as f:
            json.dump(sp, f, indent=1)
        return path

    def fd(self, *args, timeout=240):
        """Run the failover-drill binary against this mock."""
        env = dict(os.environ)
        env.update({"AZURE_TENANT_ID": CREDS["tenant"],
                    "AZURE_CLIENT_ID": CREDS["client_id"],
                    "AZURE_CLIENT_SECRET": CREDS["client_secret"]})
        for k in ("AZURE_CLIENT_CERTIFICATE_PATH",
                  "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
                  "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT"):
            env.pop(k, None)
        r = subprocess.run([FD_BIN, "--state-dir",
                            os.path.join(self.dir, "fdstate")] + list(args),
                           env=env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        self.rc = r.returncode
        self.out = r.stdout + r.stderr
        with open(os.path.join(self.dir, "fd.out"), "a") as f:
            f.write(self.out)
        return self

    def result(self, out):
        with open(os.path.join(self.dir, out, "result.json")) as f:
            return json.load(f)

    def requests(self):
        # Polled while the mock runs: a last line without its newline is
        # a record still being written, not a record.
        with open(self.log) as f:
            return [json.loads(x) for x in f if x.endswith("\n")
                    and x.strip()]

    def puts(self):
        return [r for r in self.requests() if r["method"] == "PUT"]

    def stop(self):
        if self.mock.poll() is None:
            self.mock.terminate()
            try:
                self.mock.wait(10)
            except subprocess.TimeoutExpired:
                self.mock.kill()
                self.mock.wait()
        self.mock_err.close()

    def secrets_absent(self):
        """No client secret and no issued bearer token in anything the
        tool or the mock wrote."""
        bad = []
        for root, _, files in os.walk(self.dir):
            for fn in files:
                if fn.endswith((".pem", ".key", ".csr")) or \
                        fn == "state.json":	# the mock's own input
                    continue
                with open(os.path.join(root, fn), errors="replace") as f:
                    text = f.read()
                if CREDS["client_secret"] in text or TOKEN_RE.search(text):
                    bad.append(fn)
        if CREDS["client_secret"] in self.out or TOKEN_RE.search(self.out):
            bad.append("driver output")
        return bad

    def cleanup(self):
        if failed == 0:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            sys.stderr.write("kept %s\n" % self.dir)


def final_enabled(run):
    return run.rc == 0 and "final: peering Enabled Succeeded" in run.out


def scenario(name, faults, check, extra=()):
    run = Run(name, faults, extra)
    try:
        run.drive()
    finally:
        run.stop()
    try:
        check(run)
        tap(final_enabled(run), "%s: peering ends Enabled" % name,
            "rc %d: %s" % (run.rc, run.out[-300:].replace("\n", " | ")))
        bad = run.secrets_absent()
        tap(not bad, "%s: no secret or bearer token in logs" % name,
            ", ".join(bad))
        reqs = run.requests()
        meta = [r for r in reqs if r["path"] == "/metadata/endpoints"]
        reqs = [r for r in reqs if r not in meta]
        tap(all(r["auth"] for r in reqs if "/oauth2/" not in r["path"]) and
            all("api-version" in r["query"] for r in reqs
                if "/oauth2/" not in r["path"]),
            "%s: bearer token and api-version on every ARM call" % name)
        # The custom cloud's audience comes from the metadata endpoint,
        # asked without a token.
        tap(meta and not any(r["auth"] for r in meta),
            "%s: audience discovered without a token" % name, str(meta))
        uas = {r["headers"].get("User-Agent") for r in run.requests()}
        tap(all(u and u.startswith("failover-drill/") for u in uas),
            "%s: User-Agent failover-drill/<version>" % name, str(uas))
    finally:
        run.cleanup()


def check_429_500(run):
    puts = run.puts()
    st = [p["status"] for p in puts]
    tap(st[:4] == [429, 500, 200, 200], "429-500: PUT statuses",
        "statuses %s" % st)
    tap(len(puts) >= 3 and puts[1]["ts"] - puts[0]["ts"] >= 1.95,
        "429-500: Retry-After 2 honoured",
        "gap %.2f" % (puts[1]["ts"] - puts[0]["ts"]) if len(puts) > 1
        else "no retry")
    tap(len(puts) >= 3 and puts[2]["ts"] - puts[1]["ts"] >= 0.95,
        "429-500: backoff after 500", "")
    tap(all(p["headers"].get("If-Match", "").startswith('W/"')
            for p in puts), "429-500: If-Match on every PUT",
        str([p["headers"].get("If-Match") for p in puts]))
    corr = {r["headers"].get("x-ms-correlation-request-id")
            for r in run.requests() if "/oauth2/" not in r["path"] and
            r["path"] != "/metadata/endpoints"}
    tap(corr == {"11111111-2222-3333-4444-555555555555"},
        "429-500: one correlation id for the drill", str(corr))
    crids = [r["headers"].get("x-ms-client-request-id")
             for r in run.requests() if "/oauth2/" not in r["path"] and
             r["path"] != "/metadata/endpoints"]
    tap(len(set(crids)) == len(crids) and None not in crids,
        "429-500: a client request id per request", "")
    tap("disabled: ok" in run.out, "429-500: disable completed", run.out)
    polls = [r for r in run.requests() if "/operations/" in r["path"]]
    # Within one operation, the next poll waits for the Retry-After (1 s)
    # of the previous answer.
    gaps = [b["ts"] - a["ts"] for a, b in zip(polls, polls[1:])
            if a["status"] == 200 and a["path"] == b["path"]]
    tap(polls and min(gaps or [1]) >= 0.9,
        "429-500: LRO polls spaced by Retry-After", str(gaps))


def check_lro_failed(run):
    m = re.search(r"disable error: (.*)", run.out)
    tap(m is not None and "SEA-Cust11-ER" in m.group(1) and
        "AzurePrivatePeering" in m.group(1) and "operation Failed" in
        m.group(1) and re.search(r"request id [0-9a-f-]{36}", m.group(1)),
        "lro-failed: error names circuit, peering and request id",
        m.group(1) if m else run.out)


def check_drop(run):
    drops = [r for r in run.requests() if r["fault"] == "drop"]
    tap(len(drops) == 1, "drop: connection dropped once", str(len(drops)))
    tap("disabled: ok" in run.out, "drop: disable completed", run.out)


def check_token_expired(run):
    toks = [r for r in run.requests() if r["path"].endswith("/token")]
    exp = [r for r in run.requests() if r["fault"] == "token_expired"]
    tap(len(exp) == 1 and len(toks) == 2,
        "token-expired: a new token after 401", "%d tokens" % len(toks))
    tap(all(t["form_keys"] == ["client_id", "client_secret", "grant_type",
                               "scope"] for t in toks),
        "token-expired: client credentials form", "")


def shared_token():
    """The provider's process-wide cache: N contexts opened and read at
    once (as the engine's concurrent reads) cost one metadata GET and one
    token POST; a 401 ExpiredAuthenticationToken on one context (the
    token revoked for all) makes one new token for all, not one each;
    closing a context leaves the cache to the others."""
    n = 4
    run = Run("shared-token", [
        {"match": {"method": "GET", "path_re": "expressRouteCircuits/"
                   "SEA-Cust11-ER$"}, "times": n, "action": "delay",
         "seconds": 0},
        {"match": {"method": "GET", "path_re": "expressRouteCircuits/"
                   "SEA-Cust11-ER$"}, "times": 1,
         "action": "token_expired"}])
    try:
        # Round 1's n circuit GETs pass (the first rule); the first of
        # round 2 is refused and its token revoked, so every context
        # that sends it after that is refused too.
        run.drive(args=("contexts", str(n)))
    finally:
        run.stop()
    try:
        reqs = run.requests()
        meta = [r for r in reqs if r["path"] == "/metadata/endpoints"]
        toks = [r for r in reqs if r["path"].endswith("/token")]
        exp = [r for r in reqs if r["fault"] == "token_expired"]
        gets = [r for r in reqs if r["path"].endswith("SEA-Cust11-ER")]
        tap(run.rc == 0 and "round 2: ok" in run.out and
            "after close: ok" in run.out,
            "shared-token: every read of %d concurrent contexts passed, "
            "also after one closed" % n, run.out[-400:])
        tap(len(meta) == 1, "shared-token: %d contexts, one metadata GET"
            % n, "%d metadata GETs" % len(meta))
        refused = [r for r in gets if r["status"] == 401]
        tap(len(exp) == 1 and len(toks) == 2,
            "shared-token: one 401 ExpiredAuthenticationToken, one new "
            "token for every context", "%d 401s, %d token POSTs"
            % (len(refused), len(toks)))
        tap(len(gets) == 2 * n + 1 + len(refused),
            "shared-token: every context read, each refused one once "
            "more", "%d circuit GETs, %d refused" % (len(gets),
                                                   len(refused)))
        bad = run.secrets_absent()
        tap(not bad, "shared-token: no secret or bearer token in logs",
            ", ".join(bad))
    finally:
        run.cleanup()


def check_lost_answer(run):
    puts = run.puts()
    tap(len(puts) >= 3 and puts[0].get("dropped_reply") == 200 and
        puts[1]["status"] == 412,
        "lost-answer: applied PUT, lost answer, stale retry gets 412",
        str([(p["status"], p.get("dropped_reply")) for p in puts]))
    tap("disabled: ok" in run.out, "lost-answer: disable followed to the "
        "end", run.out)


def check_hooks(run):
    try:
        with open(os.path.join(run.dir, "changes")) as f:
            changes = f.read().split("\n")
    except OSError:
        changes = []
    tap(changes[:2] == ["AzurePrivatePeering Disabled",
                        "AzurePrivatePeering Enabled"],
        "hooks: --on-change ran for disable and enable", str(changes))
    tap("learned: 1\n" in run.out and "advertised: 0\n" in run.out,
        "hooks: --routes-cmd serves live routes", run.out)


# Hook helpers: argv without a shell, so plain python3 -c programs.
ON_CHANGE = ("python3 -c \"import sys; open('@DIR@/changes', 'a')"
             ".write(' '.join(sys.argv[1:]) + '\\n')\"")
ROUTES_CMD = ("python3 -c \"import sys, json; print(json.dumps({'value': "
              "[{'network': '10.9.9.0/24', 'origin': 'EBgp', 'asPath': "
              "'65020', 'sourcePeer': '192.168.11.88'}] if sys.argv[1] == "
              "'learned' else []}))\"")


def make_cert(path_key_cert, path_cert):
    """A self-signed RSA certificate: key and certificate into
    path_key_cert (what AZURE_CLIENT_CERTIFICATE_PATH holds), the
    certificate alone into path_cert (what the app registers)."""
    import datetime
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fd-app")])
    t = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(t - datetime.timedelta(minutes=5))
            .not_valid_after(t + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cpem = cert.public_bytes(serialization.Encoding.PEM)
    with open(path_key_cert, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()) + cpem)
    if path_cert:
        with open(path_cert, "wb") as f:
            f.write(cpem)
    return key, cert


def assertion(key, cert, claims, x5t=None, alg="RS256"):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def enc(b):
        return base64.urlsafe_b64encode(b).decode().rstrip("=")
    if x5t is None:
        x5t = enc(cert.fingerprint(hashes.SHA1()))
    h = enc(json.dumps({"alg": alg, "typ": "JWT", "x5t": x5t}).encode())
    c = enc(json.dumps(claims).encode())
    sig = key.sign((h + "." + c).encode(), padding.PKCS1v15(),
                   hashes.SHA256())
    return h + "." + c + "." + enc(sig)


def cert_scenarios():
    """Client assertions: the mock verifies them as Entra does (signature
    with the registered certificate's key, x5t, aud = token endpoint,
    exp), and the tool's own assertion passes."""
    d = tempfile.mkdtemp(prefix="fd-azure-cert-")
    key, cert = make_cert(os.path.join(d, "app.pem"),
                          os.path.join(d, "registered.pem"))
    other, ocert = make_cert(os.path.join(d, "other.pem"), None)
    st = state()
    st["credentials"] = dict(st["credentials"],
                             certificate=os.path.join(d, "registered.pem"))
    run = Run("cert", [], st=st)
    try:
        url = "https://127.0.0.1:%s/%s/oauth2/v2.0/token" % (
            run.port, CREDS["tenant"])
        ctx = ssl.create_default_context(cafile=run.ca)
        cid = CREDS["client_id"]
        t = int(time.time())
        good = {"aud": url, "iss": cid, "sub": cid, "jti": "j1",
                "nbf": t, "iat": t, "exp": t + 600}

        def ask(jwt):
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": cid,
                "scope": "https://127.0.0.1:%s/.default" % run.port,
                "client_assertion_type": "urn:ietf:params:oauth:"
                "client-assertion-type:jwt-bearer",
                "client_assertion": jwt}).encode()
            try:
                with urllib.request.urlopen(url, form, context=ctx,
                                            timeout=20) as r:
                    return r.status, json.load(r)
            except urllib.error.HTTPError as e:
                return e.code, json.load(e)
        cases = [
            ("signed by the registered key", assertion(key, cert, good),
             200),
            ("signed by another key", assertion(other, cert, good), 401),
            ("x5t of another certificate", assertion(other, ocert, good),
             401),
            ("aud not the token endpoint", assertion(key, cert, dict(
                good, aud="https://127.0.0.1:%s/" % run.port)), 401),
            ("expired", assertion(key, cert, dict(good, exp=t - 60)), 401),
            ("iss not the client", assertion(key, cert, dict(
                good, iss="someone")), 401),
        ]
        for name, jwt, want in cases:
            st_, body = ask(jwt)
            tap(st_ == want, "mock assertion %s: %d" % (name, want),
                "%d %s" % (st_, body))
        # The tool's own assertion, through the whole driver.
        run.drive(identity={
            "AZURE_TENANT_ID": CREDS["tenant"], "AZURE_CLIENT_ID": cid,
            "AZURE_CLIENT_CERTIFICATE_PATH": os.path.join(d, "app.pem")})
        tap(run.rc == 0 and "final: peering Enabled Succeeded" in run.out,
            "cert: the tool's client assertion is accepted",
            run.out[-300:])
        run.drive(identity={
            "AZURE_TENANT_ID": CREDS["tenant"], "AZURE_CLIENT_ID": cid,
            "AZURE_CLIENT_CERTIFICATE_PATH": os.path.join(d, "other.pem")})
        tap(run.rc == 3 and "AADSTS700027" in run.out,
            "cert: an unregistered certificate is refused", run.out[-300:])
    finally:
        run.stop()
        run.cleanup()
        shutil.rmtree(d, ignore_errors=True)


def fd_api_version(run):
    """An api-version Microsoft.Network does not have: ARM's 400
    NoRegisteredProviderFound, named in the error."""
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
           run.spec(api_version="2024-05-02"))
    tap(run.rc != 0 and "NoRegisteredProviderFound" in run.out,
        "api-version: one Microsoft.Network lacks is refused by name",
        "rc %d %s" % (run.rc, run.out[-300:]))


def identity_scenarios():
    """Managed identities against the mock's endpoints: IMDS answering
    410 and 404 before a token (retried, not a fall-through to the CLI),
    App Service, and Azure Arc's key-file challenge."""
    cases = [
        ("imds", {"imds": [410, 404]},
         {"AZURE_POD_IDENTITY_AUTHORITY_HOST": "@URL@"},
         "/metadata/identity/oauth2/token", [410, 404, 200]),
        ("app-service", {"app_service_header": "hdr-value-1"},
         {"IDENTITY_ENDPOINT": "@URL@/msi/token",
          "IDENTITY_HEADER": "hdr-value-1"}, "/msi/token", [200]),
        ("arc", {}, {"IDENTITY_ENDPOINT": "@URL@/arc/token",
                     "IMDS_ENDPOINT": "@URL@",
                     "FD_ARC_KEY_DIR": "@DIR@/arc"}, "/arc/token",
         [401, 200]),
    ]
    for name, ident, env, path, want in cases:
        run = Run("mi-" + name, [], ["--arc-key-dir", "@DIR@/arc"],
                  st=state(identity=ident))
        try:
            run.drive(identity=env)
        finally:
            run.stop()
        got = [r["status"] for r in run.requests() if r["path"] == path]
        tap(run.rc == 0 and "final: peering Enabled Succeeded" in run.out
            and got[:len(want)] == want,
            "mi-%s: managed identity token, drill restored" % name,
            "rc %d statuses %s: %s" % (run.rc, got, run.out[-300:]))
        tap(not run.secrets_absent(), "mi-%s: no token in logs" % name)
        run.cleanup()
    # A VM without an identity: IMDS answers 400, asked once, and the
    # chain moves on to the Azure CLI (DefaultAzureCredential).
    run = Run("mi-imds-400", [], st=state(identity={"imds_no_identity":
                                                     True}))
    try:
        run.drive(identity={"AZURE_POD_IDENTITY_AUTHORITY_HOST": "@URL@",
                            "PATH": "/nonexistent"})
    finally:
        run.stop()
    got = [r["status"] for r in run.requests()
           if r["path"] == "/metadata/identity/oauth2/token"]
    tap(run.rc == 3 and got == [400] and "az not found" in run.out,
        "mi-imds-400: no identity on the VM moves on to the Azure CLI",
        "rc %d statuses %s: %s" % (run.rc, got, run.out[-300:]))
    run.cleanup()


def check_restore_failed(run):
    tap(run.rc == 4 and re.search(
        r"restore error: .*SEA-Cust11-ER.*AzurePrivatePeering.*operation "
        r"Failed.*request id [0-9a-f-]{36}", run.out) is not None,
        "restore-failed: exit 4 naming circuit, peering, request id",
        run.out[-300:])


WRITE = "Microsoft.Network/expressRouteCircuits/peerings/write"
PUT = {"method": "PUT", "path_re": "peerings/AzurePrivatePeering$"}


def fd_scenario(name, st, body, faults=()):
    """The failover-drill binary against a mock holding state st."""
    if not FD_BIN:
        tap(True, "%s # SKIP no FD_BIN" % name)
        return
    run = Run(name, list(faults), st=st)
    try:
        body(run)
    finally:
        run.stop()
        bad = run.secrets_absent()
        tap(not bad, "%s: no secret or bearer token in logs" % name,
            ", ".join(bad))
        run.cleanup()


def fd_role(run):
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
           run.spec())
    tap(run.rc == 0, "role: a dry run with exactly the shipped role "
        "passes", run.out[-400:])
    reqs = run.requests()
    tap(any(r["path"].endswith("/expressRouteCircuits/SEA-Cust11-ER/"
                               "providers/Microsoft.Authorization/"
                               "permissions") and
            r["query"].get("api-version") == "2022-04-01" and
            r["status"] == 200 for r in reqs),
        "role: permissions read on the circuit (api-version 2022-04-01)",
        str([r["path"] for r in reqs][-5:]))
    tap(not [r for r in reqs if r["status"] == 403],
        "role: ARM refused no call of the drill", str(
            [(r["method"], r["path"]) for r in reqs if r["status"] == 403]))
    # The change record names the principal from the token's claims
    # (the mock's: appid = the client id, oid = credentials.object_id).
    ev = run.result("o").get("evidence", {}).get("azure_identity", {})
    want = {"app_id": CREDS["client_id"], "object_id": OBJECT_ID,
            "tenant_id": CREDS["tenant"], "type": "app"}
    tap(ev == want, "role: evidence names the Azure identity from the "
        "token's claims", json.dumps(ev))


def fd_no_write(run):
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
           run.spec())
    tap(run.rc == 3 and WRITE in run.out,
        "no-write: dry run exits 3 naming %s" % WRITE,
        "rc %d: %s" % (run.rc, run.out[-400:]))
    chk = [c for c in run.result("o")["checks"] if not c["ok"]]
    tap(len(chk) == 1 and chk[0]["phase"] == "preflight" and
        WRITE in chk[0].get("message", ""),
        "no-write: one failed preflight check, the permissions", str(chk))
    tap(not run.puts(), "no-write: no PUT", "")


def fd_link_down(run):
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
           run.spec())
    chk = [c for c in run.result("o")["checks"] if not c["ok"]]
    msg = chk[0].get("message", "") if chk else ""
    tap(run.rc == 3 and len(chk) == 1 and "Secondary link" in msg and
        "192.168.11.21" in msg and "Idle" in msg and
        "Primary" not in msg,
        "link-down: preflight fails naming the Secondary link", str(chk))


def fd_link_test(run):
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
           run.spec(preflight=[{"azure": "no_link_failover_test"}]))
    chk = [c for c in run.result("o")["checks"] if not c["ok"]]
    tap(run.rc == 3 and len(chk) == 1 and "link-failover test is Running "
        "on circuit SEA-Cust11-ER (Primary link" in chk[0].get("message",
                                                               ""),
        "link-test: a running Microsoft link-failover test fails preflight",
        "rc %d %s" % (run.rc, chk))
    reqs = [r for r in run.requests()
            if r["path"].endswith("/getCircuitLinkFailoverAllTestsDetails")]
    tap(len(reqs) == 1 and reqs[0]["query"].get("api-version") ==
        "2025-07-01" and reqs[0]["status"] == 202,
        "link-test: POST api-version 2025-07-01, followed to its Location",
        str(reqs))
    # The mock answers read actions with Azure-AsyncOperation and
    # Location, as NRP does: the status is polled to its end, then the
    # Location is read once (azcore's async poller).
    seq = {}
    for r in run.requests():
        m = re.search(r"/(operations|operationResults)/([^/]+)$", r["path"])
        if m:
            seq.setdefault(m.group(2), []).append(m.group(1))
    tap(seq and all(k[-1] == "operationResults" and
                    k.count("operationResults") == 1 and
                    k[0] == "operations" for k in seq.values()),
        "link-test: action status polled, then its Location read once",
        str(seq))


def fd_ipv6(run):
    """IPv6 Disabled before the drill (azure.ipv6 true): Disabled after a
    run, and after recover of a run whose restore failed."""
    spec = run.spec(ipv6=True)
    run.fd("run", "--yes", "--out", os.path.join(run.dir, "r1"), spec)
    tap(run.rc == 0, "ipv6: drill passes, IPv6 confirmed Disabled after "
        "the enable", run.out[-400:])
    # A drill killed (-9) once its disable was accepted leaves its
    # journal; recover must put IPv6 back as the journal recorded it.
    n_puts = len(run.puts())
    env = dict(os.environ, AZURE_TENANT_ID=CREDS["tenant"],
               AZURE_CLIENT_ID=CREDS["client_id"],
               AZURE_CLIENT_SECRET=CREDS["client_secret"])
    p = subprocess.Popen([FD_BIN, "--state-dir",
                          os.path.join(run.dir, "fdstate"), "run", "--yes",
                          "--out", os.path.join(run.dir, "r2"), spec],
                         env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and p.poll() is None and not [
            x for x in run.puts()[n_puts:] if x["status"] == 200]:
        time.sleep(0.05)
    # Its guardian goes first (as with the host rebooted), or it would
    # run this recover itself (failover-drill(1), GUARDIAN).
    guardian = None
    for path in glob.glob(os.path.join(run.dir, "fdstate", "*.journal")):
        for line in open(path):
            r = json.loads(line) if line.endswith("\n") else {}
            if r.get("event") == "guardian" and r.get("status") == "armed":
                guardian = int(r["detail"].split()[0][len("pid="):])
    if guardian is not None:
        os.kill(guardian, signal.SIGKILL)
    p.kill()
    p.wait()
    tap(guardian is not None, "ipv6: the journal names the guardian", "")
    tap(len(run.puts()) == n_puts + 1, "ipv6: drill killed after its "
        "disable", str(len(run.puts()) - n_puts))
    run.fd("recover")
    tap(run.rc == 0, "ipv6: recover restores", run.out[-300:])
    # Issue 14: recover leaves the killed drill's lease and says so.
    tap("lease tag failover-drill-lease='drill=it-ipv6; " in run.out and
        "remains on circuit" in run.out,
        "ipv6: recover names the lease that remains", run.out[-300:])
    # BGP on the links comes back link_bgp_seconds (2) after the enable.
    time.sleep(2.5)
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "d"), spec)
    before = run.result("d")["azure"].get("peering_before", {})
    # The lease is unexpired: the dry run says so (exit 5) after reading
    # the peering.
    tap(run.rc == 5 and "is leased by " in run.out and
        before == {"state": "Enabled", "ipv6_state": "Disabled"},
        "ipv6: after recover IPv4 Enabled, IPv6 still Disabled (and the "
        "killed drill's lease refuses the next run)",
        "rc %d %s" % (run.rc, before))


def fd_parallel_reads(run):
    """Issue 11 item 13: the read actions of one preflight (both links'
    routeTablesSummary and the gateway's three) are started together,
    not each after the previous one's Retry-After (1 s here)."""
    spec = run.spec(preflight=[
        {"azure": "learned_routes", "prefix": "10.1.11.0/25",
         "next_hop": "192.168.11.88"},
        {"azure": "advertised_routes", "peer": "192.168.11.88",
         "includes": ["10.17.11.0/25"]},
        {"azure": "bgp_peers", "established": ["192.168.11.88"]}])
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"), spec)
    # The read actions started before the first one's result was
    # fetched: serially that is one, in parallel all five kinds.
    started = set()
    for r in run.requests():
        if "/operationResults/" in r["path"]:
            break
        m = re.search(r"/(routeTablesSummary/\w+|getLearnedRoutes|"
                      r"getAdvertisedRoutes|getBgpPeerStatus)$", r["path"])
        if r["method"] == "POST" and m:
            started.add(m.group(1))
    tap(run.rc == 0 and len(started) == 5,
        "parallel-reads: all five read actions of the preflight started "
        "before the first one's result was fetched",
        "rc %d, started %s" % (run.rc, sorted(started)))
    # The contexts the engine opens for them share the first one's
    # audience and token (providers/azure/cred_cache.c).
    reqs = run.requests()
    meta = [r for r in reqs if r["path"] == "/metadata/endpoints"]
    toks = [r for r in reqs if r["path"].endswith("/token")]
    tap(len(meta) == 1 and len(toks) == 1,
        "parallel-reads: one metadata GET and one token POST for the "
        "whole dry run", "%d metadata GETs, %d token POSTs"
        % (len(meta), len(toks)))
    res = run.result("o")
    tap([c["name"] for c in res["checks"]][:3] ==
        ["azure: principal may run the drill",
         "azure: circuit and peering healthy",
         "azure: Primary and Secondary links up"] if len(res["checks"]) > 3
        else False, "parallel-reads: checks recorded in spec order",
        str([c["name"] for c in res["checks"]]))


CKT_PERMS = ("expressRouteCircuits/SEA-Cust11-ER/providers/"
             "Microsoft.Authorization/permissions$")
GW_PERMS = ("virtualNetworkGateways/SEA-Cust11-VNet01-gw-vpn/providers/"
            "Microsoft.Authorization/permissions$")
# The circuit's permissions GET is held until the gateway's has arrived:
# sent one after the other, it is refused (AwaitTimeout).
AWAIT_GW_PERMS = {"match": {"method": "GET", "path_re": CKT_PERMS},
                  "times": 1, "action": "await", "seconds": 5,
                  "for": {"method": "GET", "path_re": GW_PERMS}}
# The gateway's connection list is held until the gateway's own GET
# (vpn_connections: the connections and the gateway are read together).
AWAIT_GW_GET = {"match": {"method": "GET", "path_re":
                          "virtualNetworkGateways/SEA-Cust11-VNet01-gw-vpn"
                          "/connections$"},
                "times": 1, "action": "await", "seconds": 5,
                "for": {"method": "GET", "path_re":
                        "virtualNetworkGateways/SEA-Cust11-VNet01-gw-vpn$"}}


def fd_permissions_together(run):
    """The permissions check's two GETs (circuit and gateway scope) go
    out together, and a refusal still names its scope; the VPN
    connections check reads the gateway beside its connections."""
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
           run.spec())
    tap(run.rc == 0, "permissions-together: the gateway's permissions "
        "GET is sent while the circuit's is in flight, the gateway's GET "
        "while its connection list is",
        "rc %d: %s" % (run.rc, run.out[-400:]))
    with open(run.faults, "w") as f:
        # Another rule (seconds differ), so it fires again.
        json.dump({"rules": [dict(AWAIT_GW_PERMS, seconds=6), {
            "match": {"method": "GET", "path_re": GW_PERMS}, "times": 0,
            "action": "403", "code": "AuthorizationFailed"}]}, f)
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o2"),
           run.spec())
    err = run.result("o2").get("error") or ""
    tap(run.rc != 0 and "permissions on VPN gateway "
        "SEA-Cust11-VNet01-gw-vpn" in err and "AuthorizationFailed" in err
        and "permissions on circuit" not in err,
        "permissions-together: a refused gateway scope is named, the "
        "circuit's passed", "rc %d: %s" % (run.rc, err))
    held = [r for r in run.requests() if r["fault"] == "await"]
    tap(len(held) == 3 and all(r["status"] == 200 for r in held),
        "permissions-together: every held GET was answered",
        str([r["status"] for r in held]))


def dry_run_bg(run):
    """`run --dry-run` of run's spec in the background, with the mock's
    client secret as its only credential."""
    env = dict(os.environ, AZURE_TENANT_ID=CREDS["tenant"],
               AZURE_CLIENT_ID=CREDS["client_id"],
               AZURE_CLIENT_SECRET=CREDS["client_secret"])
    for k in ("AZURE_CLIENT_CERTIFICATE_PATH",
              "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
              "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT"):
        env.pop(k, None)
    return subprocess.Popen([FD_BIN, "--state-dir",
                             os.path.join(run.dir, "fdstate"), "run",
                             "--dry-run", "--out",
                             os.path.join(run.dir, "o"), run.spec()],
                            env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def sigint_wait(p):
    """SIGINT to p; its exit status and the seconds it took to exit (a
    process still running after 30 s is killed)."""
    t0 = time.monotonic()
    p.send_signal(2)
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    return rc, time.monotonic() - t0


def fd_sigint_preflight():
    """Issue 12 item 4: Ctrl-C while preflight waits on a read action's
    Retry-After (10 s, as ARM answers) ends the drill at once, exit 3,
    nothing written.  Restore ignoring signals: lab scenario e."""
    if not FD_BIN:
        tap(True, "sigint-preflight # SKIP no FD_BIN")
        return
    run = Run("sigint-preflight", [], extra=["--retry-after", "10"])
    try:
        p = dry_run_bg(run)
        deadline = time.monotonic() + 60
        waiting = False
        while time.monotonic() < deadline and p.poll() is None:
            if [r for r in run.requests() if r["method"] == "POST" and
                    r["status"] == 202 and "/subscriptions/" in r["path"]]:
                waiting = True
                break
            time.sleep(0.05)
        time.sleep(0.5)		# well inside the 10 s Retry-After
        rc, dt = sigint_wait(p)
        tap(waiting and rc == 3 and dt < 5,
            "sigint-preflight: Ctrl-C during a read action's 10 s "
            "Retry-After ends the dry run at once, exit 3",
            "waiting %s rc %d after %.1f s" % (waiting, rc, dt))
        tap(not run.puts(), "sigint-preflight: nothing written", "")
    finally:
        run.stop()
        run.cleanup()


def fd_sigint_request():
    """Ctrl-C while an ARM request hangs (the circuit GET answered only
    after 40 s) ends the dry run within seconds, exit 3, nothing written:
    libcurl's transfer is abandoned, not waited out to its 65 s timeout."""
    if not FD_BIN:
        tap(True, "sigint-request # SKIP no FD_BIN")
        return
    hang = {"match": {"method": "GET",
                      "path_re": "expressRouteCircuits/[^/]+$"},
            "times": 0, "action": "delay", "seconds": 40}
    run = Run("sigint-request", [hang])
    try:
        p = dry_run_bg(run)
        # The token is logged when answered; the circuit GET follows it
        # at once and then hangs in the mock.
        deadline = time.monotonic() + 30
        tokened = False
        while time.monotonic() < deadline and p.poll() is None:
            if [r for r in run.requests() if r["path"].endswith("/token")]:
                tokened = True
                break
            time.sleep(0.05)
        time.sleep(1.5)
        rc, dt = sigint_wait(p)
        tap(tokened and rc == 3 and dt < 5,
            "sigint-request: Ctrl-C while an ARM GET hangs ends the dry "
            "run within seconds, exit 3",
            "token seen %s rc %d after %.1f s" % (tokened, rc, dt))
        tap(not run.puts(), "sigint-request: nothing written", "")
    finally:
        run.stop()
        run.cleanup()


def spec_timeouts(path, **t):
    with open(path) as f:
        sp = json.load(f)
    sp["timeouts"].update(t)
    with open(path, "w") as f:
        json.dump(sp, f, indent=1)
    return path


def peering_after(run):
    """The private peering's state as a dry run sees it afterwards."""
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "after"),
           run.spec())
    return run.result("after")["azure"].get("peering_before", {}).get(
        "state")


def fd_outage(run):
    """ARM answers 503 to everything for 3 minutes from the first request
    after the disable: restore (restore_s 600) outlasts it."""
    spec = spec_timeouts(run.spec(), restore_s=600, drill_s=900)
    t0 = time.monotonic()
    run.fd("run", "--yes", "--out", os.path.join(run.dir, "r"), spec,
           timeout=900)
    wall = time.monotonic() - t0
    reqs = run.requests()
    down = [r for r in reqs if r["fault"] == "503"]
    t0 = down[0]["ts"] if down else 0
    # Every ARM request from the first 503 on was refused until the
    # first one the mock answered, 3 minutes later.
    up = [r for r in reqs if down and r["ts"] > t0 and
          "/oauth2/" not in r["path"] and r["fault"] != "503"]
    span = up[0]["ts"] - t0 if up else 0
    tap(down and span >= 179.5 and all(r["status"] == 503 for r in reqs
                                        if t0 <= r["ts"] < up[0]["ts"] and
                                        "/oauth2/" not in r["path"]),
        "outage: ARM answered 503 to every call for 3 minutes",
        "%d answers, first success %.0f s after the first" % (len(down),
                                                             span))
    tap(run.rc == 1, "outage: exit 1 (the failover phase failed), not 4",
        "rc %d after %.0f s: %s" % (run.rc, wall, run.out[-400:]))
    res = run.result("r")
    enable = [o for o in res["azure"]["operations"]
              if o.get("action") == "enable"]
    tap(res["outcome"] == "failed" and enable and
        enable[-1].get("status") == "Succeeded" and
        enable[-1].get("attempts", 0) > 3,
        "outage: restore's enable Succeeded after more than 3 attempts",
        str(enable))
    tap(peering_after(run) == "Enabled", "outage: peering ends Enabled", "")


def fd_async_conflict(run):
    """NRP reports a conflict as an operation that ends Failed with
    AnotherOperationInProgress (Azure/bicep#5132): four of them on the
    enable are retried, not the end of restore."""
    spec = spec_timeouts(run.spec(), restore_s=120)
    run.fd("run", "--yes", "--out", os.path.join(run.dir, "r"), spec)
    puts = run.puts()
    tap(run.rc in (0, 1) and len(puts) >= 6,
        "async-conflict: restore outlasts 4 Failed operations",
        "rc %d, %d PUTs: %s" % (run.rc, len(puts), run.out[-400:]))
    tap(peering_after(run) == "Enabled", "async-conflict: peering ends "
        "Enabled", "")


def fd_enable_412(run):
    """Every enable PUT carrying If-Match is answered 412 (the etag moves
    with every circuit write): the enable re-reads, finds the peering
    still Disabled and PUTs without If-Match; the disable keeps it."""
    spec = spec_timeouts(run.spec(), restore_s=60)
    run.fd("run", "--yes", "--out", os.path.join(run.dir, "r"), spec)
    puts = [(p["status"], "If-Match" in p["headers"]) for p in run.puts()]
    tap(puts[:3] == [(200, True), (412, True), (200, False)],
        "enable-412: disable with If-Match; enable 412, then without",
        str(puts))
    tap(run.rc == 0 and "enabling it without If-Match" in run.out,
        "enable-412: drill passes and says so", "rc %d: %s"
        % (run.rc, run.out[-400:]))
    tap(peering_after(run) == "Enabled", "enable-412: peering ends "
        "Enabled", "")


def fd_disable_403(run):
    """403 AuthorizationFailed on the disable PUT changed nothing: exit 3,
    no enable, no journal for recover."""
    run.fd("run", "--yes", "--out", os.path.join(run.dir, "r"), run.spec())
    res = run.result("r")
    tap(run.rc == 3 and res["outcome"] == "aborted" and
        "AuthorizationFailed" in (res.get("error") or ""),
        "disable-403: exit 3, aborted before any change",
        "rc %d %s" % (run.rc, res.get("error")))
    tap(len(run.puts()) == 1, "disable-403: no enable sent",
        str(len(run.puts())))
    run.fd("recover")
    tap(run.rc == 0 and "no unfinished drill journal" in run.out,
        "disable-403: nothing left for recover", run.out[-200:])


def mock_put_whole(run):
    """The mock refuses a peering PUT that would delete a part of the
    peering (ARM PUT replaces the resource); the whole object passes."""
    run.out = ""
    ctx = ssl.create_default_context(cafile=run.ca)
    base = "https://127.0.0.1:%s" % run.port
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": CREDS["client_id"],
        "client_secret": CREDS["client_secret"],
        "scope": base + "/.default"}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            "%s/%s/oauth2/v2.0/token" % (base, CREDS["tenant"]), data=form),
            context=ctx, timeout=30) as r:
        tok = json.load(r)["access_token"]
    url = ("%s/subscriptions/%s/resourceGroups/%s/providers/"
           "Microsoft.Network/expressRouteCircuits/%s/peerings/"
           "AzurePrivatePeering?api-version=2024-05-01" % (
               base, SEED_STATE["subscription"],
               SEED_STATE["resource_group"], SEED_STATE["circuit"]["name"]))
    hdr = {"Authorization": "Bearer " + tok,
           "Content-Type": "application/json"}

    def call(method, body=None):
        req = urllib.request.Request(url, method=method, headers=hdr,
                                     data=None if body is None else
                                     json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)
    st, peer = call("GET")
    for key in ("ipv6PeeringConfig", "connections"):
        b = json.loads(json.dumps(peer))
        del b["properties"][key]
        st, r = call("PUT", b)
        tap(st == 400 and key in r["error"]["message"],
            "mock: a peering PUT without %s is a 400" % key, "%d %s"
            % (st, r))
    st, r = call("PUT", peer)
    tap(st == 200, "mock: the whole peering PUT is accepted", "%d" % st)


TAGS = "/providers/Microsoft.Resources/tags/default"
TAGS_WRITE = "Microsoft.Resources/tags/write"
LEASE_TAG = "failover-drill-lease"


def mock_client(run):
    """(call, circuit URL): ARM calls to this mock with a fresh token."""
    ctx = ssl.create_default_context(cafile=run.ca)
    base = "https://127.0.0.1:%s" % run.port
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": CREDS["client_id"],
        "client_secret": CREDS["client_secret"],
        "scope": base + "/.default"}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            "%s/%s/oauth2/v2.0/token" % (base, CREDS["tenant"]), data=form),
            context=ctx, timeout=30) as r:
        tok = json.load(r)["access_token"]
    ckt = ("%s/subscriptions/%s/resourceGroups/%s/providers/"
           "Microsoft.Network/expressRouteCircuits/%s" % (
               base, SEED_STATE["subscription"],
               SEED_STATE["resource_group"], SEED_STATE["circuit"]["name"]))
    hdr = {"Authorization": "Bearer " + tok,
           "Content-Type": "application/json"}

    def call(method, url, body=None):
        req = urllib.request.Request(url, method=method, headers=hdr,
                                     data=None if body is None else
                                     json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)
    return call, ckt


def mock_tags(run):
    """The mock's tags API as ARM's (Tags_UpdateAtScope, resources.json
    2021-04-01): Merge touches no other tag, Delete of name=value removes
    only a matching value, the circuit's GET shows the tags, a value over
    256 characters, a wrong api-version and a write without tags/write
    are refused as ARM refuses them."""
    run.out = ""
    call, ckt = mock_client(run)
    tags = ckt + TAGS + "?api-version=2021-04-01"

    def patch(op, t):
        return call("PATCH", tags, {"operation": op,
                                    "properties": {"tags": t}})
    st, r = patch("Merge", {LEASE_TAG: "v1"})
    tap(st == 200 and r["properties"]["tags"] == {"owner": "netops",
                                                   LEASE_TAG: "v1"},
        "mock tags: Merge adds a tag and keeps the others", "%d %s" % (st, r))
    st, r = patch("Delete", {LEASE_TAG: "other"})
    tap(st == 200 and r["properties"]["tags"].get(LEASE_TAG) == "v1",
        "mock tags: Delete of name=value keeps a tag of another value",
        "%d %s" % (st, r))
    st, c = call("GET", ckt + "?api-version=2024-05-01")
    tap(st == 200 and c.get("tags", {}).get(LEASE_TAG) == "v1",
        "mock tags: the circuit's GET shows its tags", "%d %s" % (
            st, c.get("tags")))
    st, r = patch("Delete", {LEASE_TAG: "v1"})
    tap(st == 200 and r["properties"]["tags"] == {"owner": "netops"},
        "mock tags: Delete of name=value removes it", "%d %s" % (st, r))
    st, r = patch("Merge", {LEASE_TAG: "x" * 257})
    tap(st == 400 and r["error"]["code"] == "InvalidTagValueLength",
        "mock tags: a value over 256 characters is a 400", "%d %s" % (st, r))
    st, r = patch("Append", {LEASE_TAG: "v"})
    tap(st == 400, "mock tags: an operation not Merge/Replace/Delete is "
        "a 400", "%d %s" % (st, r))
    st, r = call("PATCH", ckt + TAGS + "?api-version=2024-05-01",
                 {"operation": "Merge", "properties": {"tags": {"a": "b"}}})
    tap(st == 400 and r["error"]["code"] == "InvalidApiVersionParameter",
        "mock tags: a Microsoft.Network api-version is refused",
        "%d %s" % (st, r))
    st, r = call("PUT", tags, {"properties": {"tags": {"a": "b"}}})
    tap(st == 200 and r["properties"]["tags"] == {"a": "b"},
        "mock tags: PUT replaces every tag", "%d %s" % (st, r))


def mock_tags_denied(run):
    """Without Microsoft.Resources/tags/write: 403 AuthorizationFailed
    naming the principal's object id, the action and the scope."""
    run.out = ""
    call, ckt = mock_client(run)
    st, r = call("PATCH", ckt + TAGS + "?api-version=2021-04-01",
                 {"operation": "Merge", "properties": {"tags": {"a": "b"}}})
    tap(st == 403 and r["error"]["code"] == "AuthorizationFailed" and
        TAGS_WRITE in r["error"]["message"] and
        "with object id '" in r["error"]["message"],
        "tags-denied: the mock's PATCH is 403 AuthorizationFailed naming "
        "the principal and the action", "%d %s" % (st, r))
    run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
           run.spec())
    tap(run.rc == 3 and TAGS_WRITE in run.out,
        "tags-denied: a dry run without tags/write exits 3 naming it",
        "rc %d: %s" % (run.rc, run.out[-400:]))
    n = len(run.requests())
    run.fd("run", "--yes", "--out", os.path.join(run.dir, "r"), run.spec())
    tap(run.rc == 3 and not [r for r in run.requests()[n:]
                             if r["method"] in ("PUT", "PATCH")],
        "tags-denied: a run stops in preflight: no PATCH, no PUT",
        "rc %d" % run.rc)


def fd_lease(run):
    """A real run takes its lease before the disable and removes it after
    verify-restored, with PATCHes of the tags API (never its PUT); a lease
    another drill holds refuses the next run and dry run (exit 5) and
    stays; an expired one is reported and replaced."""
    run.fd("run", "--yes", "--change", "CHG7", "--out",
           os.path.join(run.dir, "r"), run.spec())
    reqs = run.requests()
    tag = [r for r in reqs if r["path"].endswith(TAGS)]
    puts = [i for i, r in enumerate(reqs) if r["method"] == "PUT" and
            r["path"].endswith("/peerings/AzurePrivatePeering")]
    ops = [r.get("tags_operation") for r in tag]
    tap(run.rc == 0 and ops == ["Merge", "Delete"] and
        all(r["method"] == "PATCH" and r["status"] == 200 and
            r["query"].get("api-version") == "2021-04-01" for r in tag),
        "lease: Merge, then Delete, PATCHes with api-version 2021-04-01",
        "rc %d %s %s" % (run.rc, ops, run.out[-300:]))
    tap(len(puts) == 2 and reqs.index(tag[0]) < puts[0] and
        reqs.index(tag[1]) > puts[1],
        "lease: written before the disable, removed after the enable",
        str([(r["method"], r["path"][-40:]) for r in reqs]))
    ev = run.result("r").get("evidence", {}).get("lease", {})
    tap(ev.get("written") and ev.get("removed") and
        "change=CHG7" in (ev.get("value") or ""),
        "lease: evidence.lease has the value (with the change) and its "
        "removal", json.dumps(ev))
    # Another drill's lease, until 2099: a dry run and a run exit 5.
    held = ("drill=other; by=bob@host2; since=2026-01-01T00:00:00Z; "
            "until=2099-01-01T00:00:00Z; change=CHG9")
    with open(run.state) as f:
        st = json.load(f)
    run.stop()
    st["circuit"]["tags"] = {"owner": "netops", LEASE_TAG: held}
    with open(run.state, "w") as f:
        json.dump(st, f)
    run2 = Run(run.name + "-held", [], st=st)
    try:
        for args in (["--dry-run"], ["--yes"]):
            run2.fd("run", *args, "--out", os.path.join(run2.dir, "o"),
                    run2.spec())
            tap(run2.rc == 5 and "bob@host2" in run2.out and
                "2099-01-01T00:00:00Z" in run2.out and "CHG9" in run2.out,
                "lease: %s during another drill exits 5 naming holder, "
                "change and expiry" % args[0],
                "rc %d %s" % (run2.rc, run2.out[-300:]))
        tap(not run2.puts() and not [r for r in run2.requests()
                                     if r["method"] == "PATCH"],
            "lease: held: no PATCH, no PUT", "")
    finally:
        run2.stop()
        run2.cleanup()
    st["circuit"]["tags"][LEASE_TAG] = held.replace("2099", "2020")
    run3 = Run(run.name + "-stale", [], st=st)
    try:
        run3.fd("run", "--yes", "--out", os.path.join(run3.dir, "o"),
                run3.spec())
        res = run3.result("o")
        tap(run3.rc == 0 and "stale lease" in run3.out and
            res["evidence"]["lease"]["stale"] == held.replace("2099",
                                                              "2020"),
            "lease: an expired lease is reported and the run proceeds",
            "rc %d %s" % (run3.rc, run3.out[-300:]))
    finally:
        run3.stop()
        run3.cleanup()


def fd_lease_refused(run):
    """403 on the lease's PATCH: exit 5, nothing changed, the request id
    named; recover finds nothing."""
    run.fd("run", "--yes", "--out", os.path.join(run.dir, "r"), run.spec())
    rid = [r["request_id"] for r in run.requests()
           if r["method"] == "PATCH"]
    tap(run.rc == 5 and not run.puts() and rid and rid[0] in run.out,
        "lease-refused: exit 5, no PUT, the request id named",
        "rc %d %s" % (run.rc, run.out[-300:]))


def check_put_variant(v):
    def check(run):
        puts = run.puts()
        tap(puts and puts[0]["status"] == int(v[:3]),
            "put-%s: PUT answered %s" % (v, v[:3]),
            str([p["status"] for p in puts]))
        tap("disabled: ok" in run.out, "put-%s: disable followed" % v,
            run.out[-300:])
    return check


def check_http_status_url(run):
    m = re.search(r"disable error: (.*)", run.out)
    tap(m is not None and "refusing to send the token to a URL that is "
        "not https: http://127.0.0.1:" in m.group(1),
        "http-status: an http:// status URL is refused by name",
        run.out[-300:])


def main():
    print("TAP version 13", flush=True)
    put = {"method": "PUT", "path_re": "peerings/AzurePrivatePeering$"}
    if len(sys.argv) > 2 and sys.argv[2] == "restore":
        # The safety of restore, with the real binary; the outage takes
        # three minutes of wall time: its own meson test.
        fd_scenario("disable-403", state(), fd_disable_403, [
            {"match": dict(put, after_state="Enabled"), "times": 1,
             "action": "403",
             "message": "The client does not have authorization to "
             "perform action "
             "'Microsoft.Network/expressRouteCircuits/peerings/write'."}])
        fd_scenario("enable-412", state(), fd_enable_412, [
            {"match": dict(put, after_state="Disabled", if_match=True),
             "times": 0, "action": "412"}])
        fd_scenario("async-conflict", state(), fd_async_conflict, [
            {"match": dict(put, after_state="Disabled"), "times": 4,
             "action": "lro_failed", "code": "AnotherOperationInProgress"}])
        fd_scenario("outage", state(), fd_outage, [
            {"match": {"path_re": "^/subscriptions/",
                       "after_state": "Disabled"},
             "for_seconds": 180, "action": "503"}])
        print("1..%d" % n_test)
        return 1 if failed else 0
    fd_scenario("mock-put-whole", state(), mock_put_whole)
    fd_sigint_preflight()
    fd_sigint_request()
    fd_scenario("parallel-reads", state(), fd_parallel_reads)
    fd_scenario("permissions-together", state(), fd_permissions_together,
                [AWAIT_GW_PERMS, AWAIT_GW_GET])
    for v in ("201-async", "202-location", "202-both", "200-sync",
              "201-sync"):
        scenario("put-" + v, [{"match": put, "times": 0,
                               "action": "put_reply", "variant": v}],
                 check_put_variant(v))
    fd_scenario("role", state(permissions=[role_perms()],
                              credentials=dict(CREDS, object_id=OBJECT_ID)),
                fd_role)
    fd_scenario("no-write", state(permissions=[role_perms(drop=(WRITE,))]),
                fd_no_write)
    # Issue 14: the lease tag.
    st = state()
    st["circuit"]["tags"] = {"owner": "netops"}
    fd_scenario("mock-tags", st, mock_tags)
    fd_scenario("tags-denied", state(permissions=[role_perms(
        drop=(TAGS_WRITE,))]), mock_tags_denied)
    fd_scenario("lease", st, fd_lease)
    fd_scenario("lease-refused", state(), fd_lease_refused, [
        {"match": {"method": "PATCH", "path_re": "tags/default$"},
         "times": 0, "action": "403", "code": "AuthorizationFailed"}])
    st = state()
    st["route_table_summaries"]["AzurePrivatePeering"]["Secondary"][0][
        "statePfxRcd"] = "Idle"
    fd_scenario("link-down", st, fd_link_down)
    fd_scenario("ipv6", state(), fd_ipv6)
    st = state(link_failover_tests=[
        {"status": "Completed", "linkType": "Secondary", "testGuid": "t0"},
        {"status": "Running", "linkType": "Primary", "testGuid": "t1",
         "circuitTestCategory": "BgpDisconnect",
         "startTime": "11/28/2026 9:23:21 PM"}])
    st["permissions"].append({"actions": [
        "Microsoft.Network/expressRouteCircuits/"
        "getCircuitLinkFailoverAllTestsDetails/action"], "notActions": []})
    fd_scenario("link-test", st, fd_link_test)
    put = {"method": "PUT", "path_re": "peerings/AzurePrivatePeering$"}
    scenario("429-500", [
        {"match": put, "times": 1, "action": "429", "retry_after": 2,
         "code": "RetryableErrorDueToAnotherOperation"},
        {"match": put, "times": 1, "action": "500"},
    ], check_429_500)
    scenario("lro-failed", [
        {"match": put, "times": 1, "action": "lro_failed"},
    ], check_lro_failed)
    scenario("drop", [
        {"match": {"method": "GET", "path_re": "/operations/"}, "times": 1,
         "action": "drop"},
    ], check_drop)
    scenario("token-expired", [
        {"match": {"method": "GET", "path_re": "/operations/"}, "times": 1,
         "action": "token_expired"},
        {"match": put, "times": 1, "action": "slow_lro", "seconds": 3},
    ], check_token_expired)
    scenario("lost-answer", [
        {"match": put, "times": 1, "action": "drop_after"},
    ], check_lost_answer)
    scenario("hooks", [], check_hooks,
             ["--on-change", ON_CHANGE, "--routes-cmd", ROUTES_CMD])
    scenario("http-status", [{"match": put, "times": 1,
                              "action": "put_reply",
                              "variant": "200-async-http"}],
             check_http_status_url)
    shared_token()
    identity_scenarios()
    cert_scenarios()
    fd_scenario("api-version", state(), fd_api_version)
    # The restore's own operation fails (twice: the tool must not claim
    # success): exit 4.  Not counted in the Enabled check.
    run = Run("restore-failed", [
        {"match": put, "times": 3, "action": "lro_failed"},
    ])
    try:
        run.drive()
    finally:
        run.stop()
    check_restore_failed(run)
    tap(not run.secrets_absent(), "restore-failed: no secret in logs", "")
    run.cleanup()
    print("1..%d" % n_test)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
