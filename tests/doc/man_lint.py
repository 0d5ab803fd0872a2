#!/usr/bin/env python3
"""Lint one mdoc page with mandoc -Tlint -W warning.

A missing or empty page is a failure, not a skip: every page we ship must
exist and be clean.  Usage: man_lint.py PAGE
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: man_lint.py PAGE", file=sys.stderr)
        return 2
    page = sys.argv[1]
    if not os.path.isfile(page) or os.path.getsize(page) == 0:
        print(f"{page}: missing or empty", file=sys.stderr)
        return 1
    with open(page, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if ".Dd" not in text or ".Sh NAME" not in text:
        print(f"{page}: not an mdoc page (.Dd, .Sh NAME)", file=sys.stderr)
        return 1
    try:
        p = subprocess.run(["mandoc", "-Tlint", "-W", "warning", page],
                           capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        print("mandoc not installed", file=sys.stderr)
        return 1
    out = (p.stdout + p.stderr).strip()
    if out:
        print(out)
    if p.returncode != 0 or out:
        print(f"{page}: mandoc -Tlint reported problems", file=sys.stderr)
        return 1
    print(f"{page}: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
