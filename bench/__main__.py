"""`python -m bench` (`make bench`): every benchmark, figures as ratios to same-run baselines.

The last line is one JSON object with every figure. Set BENCH_SECONDS to shorten the HTTP
runs (whole seconds; default 10 s each, 20 connections).
"""

import json
import os

from bench import http_bench, sweep, timelines

seconds = int(os.environ.get("BENCH_SECONDS", "10"))
http = http_bench.run(seconds=seconds, connections=20)
plain, stock = http["plain"]["rps"], http["stock"]["rps"]
print(f"Inbound POST /api/messages, 20 connections, {seconds:g} s each:")
for name, label in [
    ("plain", "(a) plain aiohttp handler (ceiling)"),
    ("stock", "(b) stock botbuilder CloudAdapter, empty bot"),
    ("bare", "(c) this bot's front door and adapter, empty bot"),
    ("vote", "(d) panel vote invoke end to end, SQLite"),
    ("vote_pg", "(e) panel vote invoke end to end, PostgreSQL"),
]:
    r = http[name]
    if r is None:
        print(f"  {label:52s} skipped (TEST_POSTGRES_URL not set)")
        continue
    print(
        f"  {label:52s} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
        f"p99 {r['p99_ms']:7.1f} ms  RSS {r['peak_rss_mb']:5.0f} MB  "
        f"{r['rps'] / plain:5.2f}x plain  {r['rps'] / stock:6.1f}x stock  errors {r['errors']}"
    )
tl = timelines.run()
print("Timelines (all milestones, 10,000 cases):")
for key, value in tl.items():
    print(f"  {key:32s} {value:7.3f} s  {value / tl['naive_6_deadlines_10k_s']:5.2f}x naive count")
sw = sweep.run()
print("Reminder sweep (10,000 open cases, 1,000 due):")
full, base = sw["sweep_10k_s"], sw["sweep_claim_only_10k_s"]
print(f"  full sweep {full:.3f} s; claim and mark only {base:.3f} s ({full / base:.2f}x)")
figures = {
    "plain_rps": plain,
    "stock_rps": stock,
    "bare_rps": http["bare"]["rps"],
    "vote_rps": http["vote"]["rps"],
    "vote_p50_ms": http["vote"]["p50_ms"],
    "vote_p99_ms": http["vote"]["p99_ms"],
    "vote_pg_rps": http["vote_pg"]["rps"] if http["vote_pg"] else None,
    "vote_pg_p99_ms": http["vote_pg"]["p99_ms"] if http["vote_pg"] else None,
    "bare_over_stock": http["bare"]["rps"] / stock,
    "vote_over_stock": http["vote"]["rps"] / stock,
    "timelines_10k_s": tl["timelines_10k_s"],
    "sweep_10k_s": sw["sweep_10k_s"],
    "peak_rss_mb": max(r["peak_rss_mb"] for r in http.values() if r is not None),
}
print(json.dumps(figures))
