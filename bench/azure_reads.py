"""bench/azure-reads.sh: preflight wall time with every Azure read of a
drill against one read action alone, the mock at ARM's timing."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["FD_SOURCE_ROOT"], "tests",
                                "azure"))
import integration as I  # noqa: E402  (sys.argv[1]: the azure driver)

ONE = [{"azure": "learned_routes", "prefix": "10.1.11.0/25",
        "next_hop": "192.168.11.88"}]
ALL = ONE + [{"azure": "advertised_routes", "peer": "192.168.11.88",
              "includes": ["10.17.11.0/25"]},
             {"azure": "bgp_peers", "established": ["192.168.11.88"]}]


def preflight_s(preflight, default_checks):
    run = I.Run("bench", [], extra=["--realistic", "--retry-after", "10"])
    try:
        spec = run.spec(preflight=preflight)
        with open(spec) as f:
            sp = json.load(f)
        if not default_checks:		# one read action, nothing else
            sp["preflight"] = preflight
        with open(spec, "w") as f:
            json.dump(sp, f)
        run.fd("run", "--dry-run", "--out", os.path.join(run.dir, "o"),
               spec, timeout=600)
        res = run.result("o")
        ph = [p for p in res["phases"] if p["name"] == "preflight"][0]
        if ph["status"] != "ok":
            sys.exit("preflight %s: %s" % (ph["status"], run.out[-300:]))
        return ph["duration_s"]
    finally:
        run.stop()
        I.failed = 0
        run.cleanup()


one = preflight_s(ONE, False)
full = preflight_s(ALL, True)
print("preflight, one read action alone:          %6.2f s" % one)
print("preflight, links x2 + VPN + 3 gateway reads: %6.2f s" % full)
print("ratio %.2f (target <= 1.3): %s" % (full / one,
      "met" if full / one <= 1.3 else "NOT met"))
