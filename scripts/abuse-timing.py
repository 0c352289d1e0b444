#!/usr/bin/env python3
"""Times the refusal of abusive requests against a running service (docs/benchmarks.md):
    python3 scripts/abuse-timing.py http://127.0.0.1:8080 TOKEN [IIN]
Each case is sent 20 times; the median and the worst refusal time are printed, then a normal
query right after, to show the server answers normally."""
import json, statistics, sys, time, urllib.request, urllib.error

base, token = sys.argv[1], sys.argv[2]

def post(body: bytes):
    req = urllib.request.Request(base + "/graphql", data=body, method="POST",
                                 headers={"content-type": "application/json",
                                          "authorization": "Bearer " + token})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            status = r.status; r.read()
    except urllib.error.HTTPError as e:
        status = e.code; e.read()
    except (urllib.error.URLError, ConnectionError) as e:
        status = "closed"  # the server refused the upload before reading it
    return status, time.perf_counter() - t

def q(text):
    return json.dumps({"query": text}).encode()

frag = "query { ...F0 }\n" + "".join(f"fragment F{i} on Query {{ ...F{i+1} ...F{i+1} }}\n" for i in range(30)) \
    + "fragment F30 on Query { benefits { code } }"
cases = {
    "list literal nested 2,000 deep (4 KB)": q("{ family(iin: " + "[" * 2000 + "\"1\"" + "]" * 2000 + ") { familyId } }"),
    "doubling fragments (2^30 fields)": q(frag),
    "1,000 aliases of family { entitlements }": q("{ " + " ".join(f'a{i}: family(iin: "880315401029") {{ entitlements {{ benefit }} }}' for i in range(1000)) + " }"),
    "10 MB body": json.dumps({"query": "x" * (10 * 1024 * 1024)}).encode(),
}
for name, body in cases.items():
    times, statuses = [], set()
    for _ in range(20):
        s, t = post(body)
        statuses.add(str(s)); times.append(t)
    print(f"{name:45} status {sorted(statuses)}  median {statistics.median(times)*1000:7.2f} ms  max {max(times)*1000:7.2f} ms")
iin = sys.argv[3] if len(sys.argv) > 3 else "880315401029"
for _ in range(3):
    s, t = post(q('{ family(iin: "%s") { familyId size } }' % iin))
    print(f"{'a normal family query right after':45} status [{s}]  {t*1000:7.2f} ms")
