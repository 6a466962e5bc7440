#!/usr/bin/env python3
"""Medians of an A/B run of bench/tools/ab.sh: per workload and client, side A and side B.

    python3 bench/tools/ab-report.py OUT

Reads OUT/a-N/results.md and OUT/b-N/results.md (one round each) and prints, per workload and client, the median
time, CPU, JIT CPU, heap allocated and peak RSS of each side, B's time as a share of A's, and every run's time.
"""
import collections
import glob
import re
import statistics
import sys

out = sys.argv[1]
runs = collections.defaultdict(list)
for path in glob.glob(f'{out}/[ab]-*/results.md'):
    side = path.split('/')[-2].split('-')[0]
    for line in open(path):
        cells = [c.strip() for c in line.split('|')]
        # | Workload | Client | OK | Median | Min–max | ÷ raw | camel-mail ÷ | RSS | CPU | JIT | GC | Allocated | ...
        if len(cells) > 13 and cells[3] == '1/1':
            def number(text):
                m = re.match(r'[\d.,]+', text)
                return float(m.group(0).replace(',', '')) if m else None
            runs[(cells[1], cells[2])].append((side, number(cells[4]), number(cells[9]), number(cells[10]),
                                               number(cells[12]), number(cells[8])))


def median(rows, i):
    values = [r[i] for r in rows if r[i] is not None]
    return statistics.median(values) if values else float('nan')


print(open(f'{out}/jars.txt').read().strip() if glob.glob(f'{out}/jars.txt') else '')
print(f"{'workload':32s} {'client':22s} side  n  time(s)  CPU(s)  JIT(s)  alloc(MB)  RSS(MB)  all times")
for (workload, client), rows in sorted(runs.items()):
    medians = {}
    for side in 'ab':
        mine = [r for r in rows if r[0] == side]
        if not mine:
            continue
        medians[side] = median(mine, 1)
        print(f"{workload[:32]:32s} {client:22s} {side.upper():4s} {len(mine):2d} {median(mine, 1):8.3f} "
              f"{median(mine, 2):7.2f} {median(mine, 3):7.2f} {median(mine, 4):10.0f} {median(mine, 5):8.0f}  "
              f"{sorted(r[1] for r in mine)}")
    if len(medians) == 2:
        print(f"{'':55s} B / A = {medians['b'] / medians['a']:.3f}")
