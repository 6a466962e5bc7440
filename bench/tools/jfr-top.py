#!/usr/bin/env python3
"""Where a pop3x child's CPU went, from JFR recordings (jdk.ExecutionSample).

    python3 bench/tools/jfr-top.py /tmp/pop3x-default-small-r*.jfr
    python3 bench/tools/jfr-top.py --callers jakarta.mail.util.StreamProvider.provider /tmp/pop3x-default-small-r*.jfr

Runs `jfr print --json --stack-depth 200 --events jdk.ExecutionSample` on every file and adds them up. Prints the
samples per thread, then for the consumer thread (its name contains the thread-name filter, default "pop3x:"):
the share by the innermost component frame (pop3x package, Camel, jakarta.mail, Angus), the top frames (self) and
the inclusive share of the component's, Camel's and jakarta.mail's methods. With --callers METHOD: who calls METHOD.
Shares are of the consumer thread's samples (record with jdk.ExecutionSample#period=1ms for enough of them).
"""
import argparse
import collections
import json
import subprocess

COMPONENTS = (('dev.pop3x.mapping', 'pop3x mapping'), ('dev.pop3x.ledger', 'pop3x ledger'),
              ('dev.pop3x.protocol', 'pop3x protocol'), ('dev.pop3x.session', 'pop3x session'),
              ('dev.pop3x.bench', 'bench route'), ('dev.pop3x', 'pop3x consumer'),
              ('org.eclipse.angus', 'angus mail'), ('jakarta.mail', 'jakarta.mail'),
              ('jakarta.activation', 'activation'), ('org.apache.camel', 'camel'))
INCLUSIVE = ('dev.pop3x', 'org.apache.camel', 'org.eclipse.angus', 'jakarta.')


def name(frame):
    return frame['method']['type']['name'].replace('/', '.') + '.' + frame['method']['name']


def samples(path):
    out = subprocess.run(['jfr', 'print', '--json', '--stack-depth', '200', '--events', 'jdk.ExecutionSample', path],
                         check=True, capture_output=True, text=True).stdout
    for e in json.loads(out)['recording']['events']:
        v = e['values']
        yield (v['sampledThread']['javaName'] or v['sampledThread']['osName'] or '?'), v['stackTrace']['frames']


def pct(n, total):
    return f'{n:7d} {100 * n / max(total, 1):5.1f}%'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--thread', default='pop3x:', help='the consumer thread contains this (default pop3x:)')
    ap.add_argument('--callers', help='print who calls this method (class.method)')
    ap.add_argument('--top', type=int, default=25)
    ap.add_argument('files', nargs='+')
    a = ap.parse_args()
    threads, self_, incl, comp, callers = (collections.Counter() for _ in range(5))
    total = consumer = 0
    for path in a.files:
        for thread, frames in samples(path):
            total += 1
            threads[thread[:80]] += 1
            if a.thread not in thread or not frames:
                continue
            consumer += 1
            names = [name(f) for f in frames]
            self_[names[0]] += 1
            for n in set(names):
                incl[n] += 1
            comp[next((c for n in names for p, c in COMPONENTS if n.startswith(p)), 'jdk only')] += 1
            if a.callers and a.callers in names:
                i = names.index(a.callers)
                chain = [f'{name(f)}:{f["lineNumber"]}' for f in frames[i + 1:i + 4]]
                outside = next((n for n in names[i + 1:] if not n.startswith(('jakarta.', 'org.eclipse.angus'))), '?')
                callers[' <- '.join(chain) + f'  [from {outside}]'] += 1
    print(f'{total} samples in {len(a.files)} recording(s), {consumer} on the consumer thread')
    print('\n== samples by thread')
    for t, n in threads.most_common(8):
        print(pct(n, total), t)
    print('\n== consumer thread, by the innermost component frame')
    for c, n in comp.most_common():
        print(pct(n, consumer), c)
    print('\n== consumer thread, top frames (self)')
    for m, n in self_.most_common(a.top):
        print(pct(n, consumer), m)
    print('\n== consumer thread, inclusive (pop3x, Camel, jakarta.mail, Angus methods)')
    for m, n in [(m, n) for m, n in incl.most_common() if m.startswith(INCLUSIVE)][:a.top * 2]:
        print(pct(n, consumer), m)
    if a.callers:
        print(f'\n== callers of {a.callers}: {pct(sum(callers.values()), consumer)} of the consumer thread')
        for c, n in callers.most_common(10):
            print(pct(n, consumer), c)


if __name__ == '__main__':
    main()
