#!/usr/bin/env python3
"""The house rules of src/README, checked over the source tree (issue 12):
  1. no file under src/ includes a header of a concrete provider
     (providers/<name>/...): the core sees provider.h and registry.h only;
  2. no .c file under src/ or providers/ is over 1000 lines;
  3. no #include cycle among the modules of src/ and providers/ (a module
     is a header and the .c files that implement it: report.h <- report.c,
     report_prom.c; a private header X_priv.h belongs to X).
Includes resolve as the build does (include_directories('src',
'providers')): the including file's own directory first, then src/, then
providers/.

usage: layers_test.py [SOURCE_ROOT]   (default: $FD_SOURCE_ROOT)
"""
import os
import re
import sys

MAX_LINES = 1000

# Files still being split (issue 12), allowed over MAX_LINES until their
# split lands; drop a name when it does (the test says so).
KNOWN_LONG = {
}

# Include cycles still there, as the set of modules in the cycle; drop one
# when it is broken.
KNOWN_CYCLES = [
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return INCLUDE.findall(f.read())


def resolve(root, src_file, name):
    for d in (os.path.dirname(src_file), os.path.join(root, 'src'),
              os.path.join(root, 'providers')):
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return os.path.relpath(p, root)
    return None


def files_under(root, top, exts):
    out = []
    for d, _, names in os.walk(os.path.join(root, top)):
        for n in names:
            if n.endswith(exts):
                out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


def check_layers(root):
    bad = []
    for rel in files_under(root, 'src', ('.c', '.h')):
        for name in includes(os.path.join(root, rel)):
            r = resolve(root, os.path.join(root, rel), name)
            if r is None:
                continue    # a system or generated header
            if r.startswith('src/') or r in ('providers/provider.h',
                                             'providers/registry.h'):
                continue
            bad.append('%s includes "%s" (%s)' % (rel, name, r))
    return bad


def check_lengths(root):
    bad, notes = [], []
    for rel in files_under(root, 'src', ('.c',)) + \
            files_under(root, 'providers', ('.c',)):
        with open(os.path.join(root, rel), 'rb') as f:
            n = f.read().count(b'\n')
        if n > MAX_LINES and rel not in KNOWN_LONG:
            bad.append('%s: %d lines (> %d)' % (rel, n, MAX_LINES))
        elif n <= MAX_LINES and rel in KNOWN_LONG:
            notes.append('%s is %d lines now: drop it from KNOWN_LONG'
                         % (rel, n))
    for rel in KNOWN_LONG:
        if not os.path.exists(os.path.join(root, rel)):
            notes.append('%s is gone: drop it from KNOWN_LONG' % rel)
    return bad, notes


def module_of(name, headers):
    """report_prom -> report when report.h exists and report_prom.h not;
    spec_priv.h, a module's private header, belongs to spec."""
    base = name.rsplit('.', 1)[0]
    if base.endswith('_priv') and base[:-5] in headers:
        return base[:-5]
    if base in headers:
        return base
    best = None
    for h in headers:
        if base.startswith(h + '_') and (best is None or len(h) > len(best)):
            best = h
    return best or base


def module_graph(root):
    """Modules of src/ and providers/, named by directory and module
    ("src/report", "providers/azure/azure"), with an edge for each
    include of another module's header."""
    srcs = files_under(root, 'src', ('.c', '.h')) + \
        files_under(root, 'providers', ('.c', '.h'))
    headers = {}
    for p in srcs:
        if p.endswith('.h'):
            headers.setdefault(os.path.dirname(p), set()).add(
                os.path.basename(p)[:-2])

    def key(rel):
        d = os.path.dirname(rel)
        return d + '/' + module_of(os.path.basename(rel),
                                   headers.get(d, set()))

    graph = {}
    for rel in srcs:
        m = key(rel)
        edges = graph.setdefault(m, set())
        for name in includes(os.path.join(root, rel)):
            r = resolve(root, os.path.join(root, rel), name)
            if r is None:
                continue
            n = key(r)
            if n != m:
                edges.add(n)
    return graph


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check_cycles(root):
    bad, notes = [], []
    found = cycles(module_graph(root))
    for comp in found:
        if comp not in KNOWN_CYCLES:
            bad.append('include cycle: ' + ' <-> '.join(sorted(comp)))
    for comp in KNOWN_CYCLES:
        if comp not in found:
            notes.append('cycle %s is gone: drop it from KNOWN_CYCLES'
                         % ' <-> '.join(sorted(comp)))
    return bad, notes


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.environ.get('FD_SOURCE_ROOT', '.')
    if not os.path.isdir(os.path.join(root, 'src')):
        print('Bail out! no src/ under %s' % root)
        return 1
    checks = [
        ('src/ includes no concrete provider header',
         (check_layers(root), [])),
        ('no .c file over %d lines' % MAX_LINES, check_lengths(root)),
        ('no include cycle among modules', check_cycles(root)),
    ]
    print('1..%d' % len(checks))
    failed = 0
    for i, (what, (bad, notes)) in enumerate(checks, 1):
        print('%s %d - %s' % ('not ok' if bad else 'ok', i, what))
        for b in bad:
            print('#   ' + b)
        for n in notes:
            print('# note: ' + n)
        failed += bool(bad)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
