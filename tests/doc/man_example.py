#!/usr/bin/env python3
"""Extract the complete example drill from failover-drill.json.5 and
validate it with the real loader.

The example is the first literal display (.Bd -literal ... .Ed) in the
EXAMPLES section.  Usage: man_example.py VALIDATOR PAGE
"""
import json
import os
import subprocess
import sys
import tempfile

# mdoc escapes that may appear in a literal display.
ESCAPES = [("\\&", ""), ("\\e", "\\"), ("\\-", "-"), ("\\(aq", "'"),
           ("\\(dq", '"')]


def extract(text):
    lines = text.split("\n")
    in_examples = False
    block = None
    for line in lines:
        if line.startswith(".Sh "):
            in_examples = line.strip() == ".Sh EXAMPLES"
            continue
        if not in_examples:
            continue
        if block is None and line.startswith(".Bd -literal"):
            block = []
            continue
        if block is not None:
            if line.startswith(".Ed"):
                return "\n".join(block) + "\n"
            if line.startswith(".\\\""):
                continue
            for a, b in ESCAPES:
                line = line.replace(a, b)
            block.append(line)
    return None


def main():
    if len(sys.argv) != 3:
        print("usage: man_example.py VALIDATOR PAGE", file=sys.stderr)
        return 2
    validator, page = sys.argv[1], sys.argv[2]
    with open(page, encoding="utf-8") as f:
        example = extract(f.read())
    if not example:
        print(f"{page}: no .Bd -literal example in EXAMPLES",
              file=sys.stderr)
        return 1
    # A clearer message than the loader's when the example is not JSON.
    try:
        json.loads(example)
    except ValueError as e:
        print(f"{page}: example is not JSON: {e}", file=sys.stderr)
        return 1
    fd, path = tempfile.mkstemp(prefix="fd-man-example-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(example)
        p = subprocess.run([validator, path], capture_output=True,
                           text=True, timeout=60)
        sys.stdout.write(p.stdout)
        sys.stderr.write(p.stderr)
        return 0 if p.returncode == 0 else 1
    finally:
        os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
