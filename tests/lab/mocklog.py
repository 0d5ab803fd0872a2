#!/usr/bin/env python3
"""Questions the lab scenarios ask of the ARM mock's request log.

The log is JSON lines, one request each (tests/mock/arm_mock.py --log):
method, path, status, ...

  mocklog.py LOG --count METHOD PATH_SUBSTRING   number of such requests
  mocklog.py LOG --statuses METHOD PATH_SUBSTRING their statuses, in order
"""
import json
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            # a last line without its newline is still being written
            return [json.loads(l) for l in f
                    if l.endswith("\n") and l.strip()]
    except FileNotFoundError:
        return []


def select(reqs, method, sub):
    return [r for r in reqs
            if r.get("method") == method and sub in r.get("path", "")]


def main(argv):
    if len(argv) != 5 or argv[2] not in ("--count", "--statuses"):
        print(__doc__, file=sys.stderr)
        return 2
    reqs = select(load(argv[1]), argv[3], argv[4])
    if argv[2] == "--count":
        print(len(reqs))
    else:
        print(" ".join(str(r.get("status")) for r in reqs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
