#!/usr/bin/env python3
"""bench/RESULTS.md from a run-anchors results folder: medians, min-max, ratios, peak RSS, sizes."""
import csv, os, platform, statistics, subprocess, sys, datetime
from collections import defaultdict

res = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(res, "runs.tsv")), delimiter="\t"))
walls = defaultdict(list); rss = defaultdict(list); fails = defaultdict(int)
for r in rows:
    key = (r["workload"], r["scenario"], r["tool"])
    if r["rc"] != "0":
        fails[key] += 1
        continue
    walls[key].append(float(r["wall_s"]))
    rss[key].append(int(r["maxrss_kb"]) + int(r.get("daemon_hwm_kb") or 0))
tools = sorted({k[2] for k in walls} | {k[2] for k in fails}, key=lambda t: (t != "jbuild", t))
cases = sorted({(k[0], k[1]) for k in walls} | {(k[0], k[1]) for k in fails},
               key=lambda c: (c[0], ["cold", "warm", "incr", "oci", "push"].index(c[1]) if c[1] in ["cold", "warm", "incr", "oci", "push"] else 9))

def med(k):
    return statistics.median(walls[k]) if walls[k] else None

def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

print("# Benchmark results\n")
print(f"Run `{os.path.basename(res)}` on {datetime.date.today().isoformat()}; {os.cpu_count()} cores, {cpu()}; "
      f"kernel {platform.release()}. Produced by `bench/run`; wall seconds, median of the runs (min–max).\n")
hdr = ["workload", "scenario"] + [f"{t}" for t in tools]
others = [t for t in tools if t != "jbuild"]
hdr += [f"jbuild/{t}" for t in others if "jbuild" in tools]
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
for w, s in cases:
    cells = [w, s]
    for t in tools:
        k = (w, s, t)
        if walls[k]:
            cells.append(f"{med(k):.2f} ({min(walls[k]):.2f}–{max(walls[k]):.2f})" + (f" {fails[k]} failed" if fails[k] else ""))
        else:
            cells.append("failed" if fails[k] else "–")
    if "jbuild" in tools:
        j = med((w, s, "jbuild"))
        for t in others:
            o = med((w, s, t))
            cells.append(f"{j / o:.2f}" if j is not None and o else "–")
    print("| " + " | ".join(cells) + " |")
print("\n## Peak RSS (MB, max over runs; daemons included)\n")
print("| workload | " + " | ".join(tools) + " |")
print("|---|" + "---|" * len(tools))
for w in sorted({c[0] for c in cases}):
    cells = [w]
    for t in tools:
        vals = [v for (ww, s, tt), vs in rss.items() if ww == w and tt == t for v in vs]
        cells.append(f"{max(vals) / 1024:.0f}" if vals else "–")
    print("| " + " | ".join(cells) + " |")
sizes = os.path.join(res, "sizes.tsv")
if os.path.exists(sizes):
    print("\n## Sizes (bytes)\n")
    print("| tool | workload | what | bytes |\n|---|---|---|---|")
    for r in csv.DictReader(open(sizes), delimiter="\t"):
        print(f"| {r['tool']} | {r['workload']} | {r['what']} | {r['bytes']} |")
