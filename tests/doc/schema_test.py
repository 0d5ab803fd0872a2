#!/usr/bin/python3
"""schema/result.schema.json documents result.json field by field; this
checks it against the documents the tool writes (issue 13 item 10).

Every golden result (tests/golden/report/*.json, which the unit suite
keeps in the tool's exact shape) and every result.json named on the
command line must validate; a member the schema does not know, a wrong
type and an exit code out of range must not.  Run with Debian's python3
(python3-jsonschema).  TAP output.
"""
import copy
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("1..0 # SKIP python3-jsonschema not installed")
    sys.exit(0)

src, extra = sys.argv[1], sys.argv[2:]
schema = json.load(open(os.path.join(src, "schema", "result.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
n = bad = 0


def tap(ok, what):
    global n, bad
    n += 1
    bad += not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))


docs = sorted(glob.glob(os.path.join(src, "tests", "golden", "report",
                                     "*.json"))) + extra
for path in docs:
    doc = json.load(open(path))
    errs = sorted(e.message for e in v.iter_errors(doc))
    tap(not errs, "%s validates%s" % (os.path.basename(path),
                                       ": " + errs[0] if errs else ""))

doc = json.load(open(docs[0]))
for what, mutate in (
        ("an unknown member", lambda d: d.update(colour="blue")),
        ("exit_code 7", lambda d: d.update(exit_code=7)),
        ("a check without ok",
         lambda d: d["checks"][0].pop("ok") if d["checks"] else
         d.update(checks=[{"phase": "preflight", "name": "x"}])),
        ("an unknown phase", lambda d: d["phases"].append(
            {"name": "warmup", "started": d["started"], "duration_s": 0,
             "status": "ok"})),
        ("mode 'test'", lambda d: d.update(mode="test"))):
    d = copy.deepcopy(doc)
    mutate(d)
    tap(not v.is_valid(d), "rejects %s" % what)
print("1..%d" % n)
sys.exit(1 if bad else 0)
