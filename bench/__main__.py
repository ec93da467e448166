"""`python -m bench`: run every benchmark and print one final JSON line of figures."""

import json

from bench import timelines

figures = timelines.run()
base = figures["naive_6_deadlines_10k_s"]
print("Timelines (all milestones, 10,000 cases), against a naive day-by-day count:")
for key, value in figures.items():
    print(f"  {key:32s} {value:8.3f} s   {value / base:6.2f}x the naive baseline")
print(json.dumps(figures))
