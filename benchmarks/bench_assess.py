"""Speed and memory of assessments, printed as figures (never asserted in tests).

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_assess.py [--cases N]``).
Figures: cold start (import, load, validate, compile), one assessment p50/p95 per backend, sequential
throughput per backend, the bare evaluation limit (productions only, no explanation or model
building) and the ratio of a full assessment to it, and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD = """
import time, datetime
t = time.perf_counter()
from refugee_rules import assess
from refugee_rules.rules import load_cached
from refugee_rules.engine.ir import compile_program
book = load_cached()
compile_program(book, datetime.date(2024, 3, 1))
print(time.perf_counter() - t)
"""


def profiles() -> list[dict]:
    import yaml

    found = []
    for path in sorted((ROOT / "examples" / "profiles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if isinstance(data, dict):
            found.append(data)
    return found


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()

    colds = [float(subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True).stdout)
             for _ in range(3)]
    print(f"cold start (import + load + validate + compile): {min(colds) * 1000:.0f} ms (best of 3; target <= 1000 ms)")

    from refugee_rules import CaseProfile, assess
    from refugee_rules.engine import backend, durable_available
    from refugee_rules.engine.ir import compile_program
    from refugee_rules.facts import catalogue, encode, flatten
    from refugee_rules.rules import load_cached

    cases = [CaseProfile.model_validate(p) for p in profiles()]
    as_of = "2024-03-01"
    print(f"example profiles: {len(cases)}; rules: {len(load_cached().rules)}; "
          f"productions: {len(compile_program(load_cached(), __import__('datetime').date(2024, 3, 1)).productions)}")
    engines = ["compiled"] + (["durable"] if durable_available() else [])
    for engine in engines:
        for case in cases:
            assess(case, as_of=as_of, engine=engine)  # warm: compile and register once
        samples = timed(lambda: [assess(c, as_of=as_of, engine=engine) for c in cases], max(1, 300 // len(cases)))
        per_case = sorted(s / len(cases) for s in samples)
        single = sorted(timed(lambda: assess(cases[0], as_of=as_of, engine=engine), 300))
        p50 = statistics.median(single) * 1000
        p95 = single[int(len(single) * 0.95)] * 1000
        n = args.cases
        t = time.perf_counter()
        for i in range(n):
            assess(cases[i % len(cases)], as_of=as_of, engine=engine)
        rate = n / (time.perf_counter() - t)
        print(f"{engine:>8}: one assessment p50 {p50:.2f} ms, p95 {p95:.2f} ms; mean over examples "
              f"{statistics.mean(per_case) * 1000:.2f} ms; {rate:,.0f} cases/s sequential ({n} cases)")

    # The limit: the same productions, nothing but evaluation.
    import datetime

    day = datetime.date(2024, 3, 1)
    book = load_cached()
    program = compile_program(book, day)
    specs = catalogue()
    encoded = []
    for c in cases:
        facts = flatten(c, day)
        encoded.append({p: encode(specs[p], v) for p, v in facts.known.items() if p in program.fact_paths})
    for engine in engines:
        runner = backend(engine)
        n = args.cases
        t = time.perf_counter()
        for i in range(n):
            runner.run(program, encoded[i % len(encoded)])
        bare = n / (time.perf_counter() - t)
        print(f"{engine:>8}: bare evaluation {bare:,.0f} cases/s (the limit; full assessment overhead is the ratio above)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
