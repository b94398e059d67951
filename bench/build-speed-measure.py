# Interleaved warm-build timings of bench/build-speed.md: plain go vs two autotel binaries
# (/tmp/autotel-before, /tmp/autotel-after), run in a copy of testdata/apps/nethttp-pair at /tmp/bs-demo.
import subprocess, time, statistics, os, sys
from bench import rotated
os.chdir('/tmp/bs-demo')
V = {'plain': ['go'], 'before': ['/tmp/autotel-before', 'go'], 'after': ['/tmp/autotel-after', 'go']}
def run(v, out):
    env = dict(os.environ, AUTOTEL_CACHE_DIR=('/tmp/bs-pc-before' if v == 'before' else f'/tmp/bs-pc2-{v}'))
    t = time.perf_counter()
    subprocess.run(V[v] + ['build', '-o', out, './cmd/b'], env=env, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
res = {k: {v: [] for v in V} for k in ('warm', 'devnull', 'edit')}
for v in V: run(v, f'/tmp/bs-m-{v}'); run(v, f'/tmp/bs-m-{v}')
for r in range(6):
    order = rotated(V, r)
    for v in order: res['warm'][v].append(run(v, f'/tmp/bs-m-{v}'))
    for v in order: res['devnull'][v].append(run(v, '/dev/null'))
for r in range(4):
    order = rotated(V, r)
    for v in order:
        with open('cmd/b/main.go', 'a') as f: f.write(f'\nvar benchEdit{v}{r} = {r}\n')
        res['edit'][v].append(run(v, f'/tmp/bs-m-{v}'))
for k, d in res.items():
    p = statistics.median(d['plain'])
    print(k, {v: round(statistics.median(x), 3) for v, x in d.items()}, 'ratio before %.2f after %.2f' % (statistics.median(d['before'])/p, statistics.median(d['after'])/p))
