#!/usr/bin/env python3
"""compat-check.py — every test docs/compat.md cites as proof exists: `file.c: name` in the
"proof (test)" column must be a TEST(name) in tests/unit/file.c, and a CLI name (`run.sh:
name`, `CLI: ... name`) a check of a tests/cli/*.sh script. Prints the missing ones and ends
with "N passed, N failed" like the other suites (one check per citation)."""
import glob
import os
import re
import sys

DOC = sys.argv[1] if len(sys.argv) > 1 else "docs/compat.md"
unit = {}
for f in glob.glob("tests/unit/*.c"):
    unit[os.path.basename(f)] = set(re.findall(r"^TEST\((\w+)\)", open(f).read(), re.M))
cli = {}
for f in glob.glob("tests/cli/*.sh"):
    names = set(re.findall(r"^\s*(?:check|expect_exit \d+|fidelity)\s+(\w+)", open(f).read(), re.M))
    cli[os.path.basename(f)] = names
all_cli = set().union(*cli.values()) if cli else set()

passed = failed = 0
for ln in open(DOC).read().split("\n"):
    if not ln.startswith("| ") or ln.startswith(("| feature", "| ---", "| section")):
        continue
    cols = [c.strip() for c in ln.replace("\\|", "/").strip("|").split("|")]
    if len(cols) < 7:
        continue
    proof, cur, kind = cols[5], None, None
    while re.search(r"\([^()]*\)", proof):  # parenthesised remarks name no tests
        proof = re.sub(r"\([^()]*\)", "", proof)
    for part in re.split(r"(`[^`]*`)", proof):
        if not part.startswith("`"):
            # a file named outside backticks, e.g. "CLI: `tests/cli/run.sh: verify_ok`"
            continue
        tok = part.strip("`")
        m = re.match(r"(?:tests/unit/)?(test_\w+\.c): (\w+)$", tok)
        n = re.match(r"(?:tests/cli/)?(\w+\.sh): (\w+)$", tok)
        if m:
            cur, kind, name = m.group(1), "unit", m.group(2)
        elif n:
            cur, kind, name = n.group(1), "cli", n.group(2)
        elif cur and re.match(r"^\w+$", tok):
            name = tok
        else:
            continue
        ok = name in unit.get(cur, set()) if kind == "unit" else name in cli.get(cur, all_cli)
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {DOC}: {cur}: {name} is cited but does not exist")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
