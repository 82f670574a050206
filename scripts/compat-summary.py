#!/usr/bin/env python3
"""compat-summary.py — recount the rows per status of each section of docs/compat.md and rewrite
its Summary table (run after editing rows). Escaped pipes (\\|) inside cells are handled."""
import re
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "docs/compat.md"
text = open(path).read()
KEYS = ("yes", "C only", "partial", "no")
counts, sec = {}, None
for ln in text.split("\n"):
    m = re.match(r"^## (\d+)\. ", ln)
    if m:
        sec = int(m.group(1))
        counts[sec] = dict.fromkeys(KEYS, 0)
        continue
    if ln.startswith("## "):
        sec = None
        continue
    if sec is None or not ln.startswith("| ") or ln.startswith(("| feature", "| ---")):
        continue
    cols = [c.strip() for c in ln.replace("\\|", "/").strip("|").split("|")]
    if len(cols) < 5:
        continue
    key = next((k for k in ("C only", "partial", "yes", "no")
                if cols[4] == k or cols[4].startswith(k + " ")), None)
    if key is None:
        sys.exit(f"{path}: section {sec}: unknown status {cols[4]!r} in: {ln[:80]}")
    counts[sec][key] += 1
a = text.index("| section | yes | C only | partial | no |")
b = text.index("\n\n", a)
rows = text[a:b].split("\n")
out, tot = rows[:2], dict.fromkeys(KEYS, 0)
for row in rows[2:]:
    m = re.match(r"^\| (\d+)\. ", row)
    if not m:
        continue
    c = counts[int(m.group(1))]
    out.append("| %s | %s |" % (row.split("|")[1].strip(), " | ".join(str(c[k]) for k in KEYS)))
    for k in KEYS:
        tot[k] += c[k]
out.append("| **total** | %s |" % " | ".join("**%d**" % tot[k] for k in KEYS))
open(path, "w").write(text[:a] + "\n".join(out) + text[b:])
