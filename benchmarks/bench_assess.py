"""Speed and memory of assessments, printed as figures beside their targets (never asserted in tests).

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_assess.py [--cases N] [--rss-cases A,B]``).

Figures: cold start (import, load, validate, compile every ruleset); a cold one-profile command; one full assessment p50/p95 per
backend, cold (every memo cleared) and within a caseload; sequential and N-worker batch throughput per
backend (JSON lines); the share of findings explained afresh; the bare-evaluation limit (the same
compiled productions, nothing else) and the ratio of a full assessment to it; peak RSS of a streaming
batch at two sizes; one interview step; how many questions the interview needs to settle each example.

The caseload is ``caseload.py``'s: distinct profiles recombined from the examples, so memoised
explanations are measured at a caseload's hit rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2024, 3, 1)
COLD = """
import time, datetime
t = time.perf_counter()
from refugee_rules import assess
from refugee_rules.api import load_rulesets
from refugee_rules.engine.ir import compile_program
compile_program(load_rulesets(), datetime.date(2024, 3, 1))
print(time.perf_counter() - t)
"""
RSS = """
import resource, sys
sys.path.insert(0, sys.argv[1])
from caseload import caseload
from refugee_rules.tasks import batch
n = int(sys.argv[2])
records = (batch.Record(i, str(i), p) for i, p in enumerate(caseload(n)))
for _ in batch.assess_lines(records, as_of=__import__('datetime').date(2024, 3, 1), engine='compiled'):
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


SPIN = "import time\nt = time.perf_counter()\nx = 0\nfor i in range(10_000_000): x += i * i % 7\nprint(time.perf_counter() - t)"
"""A pure-Python loop: how much two processes at once get from this machine (a virtual machine's two cores may
share one physical core, and neighbours share the host), the ceiling of any N-worker figure."""


def machine_scaling(workers: int) -> float:
    """How many times one process's work ``workers`` processes at once get done (best of three tries)."""
    def run(n: int) -> list[float]:
        procs = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE, text=True) for _ in range(n)]
        return [float(p.communicate()[0]) for p in procs]

    best = 0.0
    for _ in range(3):
        alone = run(1)[0]
        best = max(best, sum(alone / t for t in run(workers)))
    return best


def cold_cli(runs: int = 7) -> list[float]:
    """Wall seconds of ``refugee-rules assess DEMO --format json`` as a new process, ``runs`` times after one run
    that writes the bytecode (a user's second command finds it; with ``PYTHONDONTWRITEBYTECODE`` set, as on some
    machines, every command compiles every module again: about half a second more). The installed console command,
    as a user runs it (``python -m …cli`` also compiles cli.py itself on every run: a ``__main__`` is never cached)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    script = Path(sys.executable).with_name("refugee-rules")
    entry = [str(script)] if script.is_file() else [sys.executable, "-m", "refugee_rules.frontends.cli"]
    command = [*entry, "assess", str(ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"),
               "--as-of", AS_OF.isoformat(), "--format", "json", "-o", os.devnull]
    times = []
    for i in range(runs + 1):
        t = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        if i:
            times.append(time.perf_counter() - t)
    return times


def line(name: str, value: str, target: str = "", met: bool | None = None) -> None:
    verdict = "" if met is None else ("  [met]" if met else "  [MISSED]")
    print(f"{name:<52} {value:>22}   {('target ' + target) if target else ''}{verdict}")


def _time_inside_durable_c_engine(runner, program, encoded) -> float:  # type: ignore[no-untyped-def]
    """Seconds per case spent inside durable-rules' C extension: a ceiling no Python-side change can lift."""
    import durable.engine

    module = durable.engine.durable_rules_engine
    spent = [0.0]
    originals = {name: getattr(module, name) for name in dir(module)
                 if not name.startswith("_") and callable(getattr(module, name))}

    def timed(fn):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t
        return call

    for name, fn in originals.items():
        setattr(module, name, timed(fn))
    try:
        for facts in encoded:
            runner.run(program, facts)
    finally:
        for name, fn in originals.items():
            setattr(module, name, fn)
    return spent[0] / len(encoded)


STAGES = {  # (module file ending, function name) -> what it is
    ("inputs.py", "profile_from_mapping"): "validate the profile",
    ("facts.py", "flatten"): "flatten to facts",
    ("compiled.py", "run"): "evaluate (generated function)",
    ("explainer.py", "decisions"): "decide the findings in scope (memoised)",
    ("explainer.py", "decide"): "  of which decided afresh (memo misses)",
    ("regimes.py", "arrange"): "order and summarise destinations",
    ("explainer.py", "outcome"): "outcome and stop-points",
    ("evidence.py", "evidence_relied_on"): "evidence relied on",
    ("assessor.py", "profile_hash"): "profile hash for the metadata",
    ("compact.py", "decided_json"): "JSON line (format 2, compact, from the decisions)",
}


def _stage_shares(profiles: list, engine: str) -> None:  # type: ignore[type-arg]
    """Where the time of an assessment in a caseload goes, by pipeline stage (cProfile cumulative shares)."""
    import cProfile
    import pstats

    from refugee_rules.assessor import assessor
    from refugee_rules.options import Options

    runner = assessor(Options(engine=engine))
    profiler = cProfile.Profile()
    profiler.enable()
    for p in profiles:
        runner.decide(p, as_of=AS_OF).to_json()  # what a batch of JSON lines does
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, name), (_, _, tt, _, _) in stats.items())
    for (file, _, name), (_, _, _, cumulative, _) in sorted(stats.items(), key=lambda kv: -kv[1][3]):
        label = next((text for (suffix, fn), text in STAGES.items() if file.endswith(suffix) and name == fn), None)
        if label:
            line(f"  {label}", f"{cumulative / total:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000, help="cases per durable-rules throughput measurement")
    parser.add_argument("--compiled-cases", type=int, default=10000,
                        help="cases per compiled throughput measurement (each worker starts with empty memos, "
                             "so a short batch would measure mostly their warm-up)")
    parser.add_argument("--rss-cases", default="10000,100000", help="two batch sizes for the RSS comparison")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).parent))
    from caseload import caseload

    from refugee_rules import CaseProfile, assess
    from refugee_rules.tasks import batch
    from refugee_rules.engine import backend, durable_available
    from refugee_rules.engine.ir import compile_program
    from refugee_rules.assessor import assessor, clear_memos as clear_cache
    from refugee_rules.options import Options
    from refugee_rules.case.facts import catalogue, encode, flatten
    from refugee_rules.api import load_rulesets

    book = load_rulesets()
    program = compile_program(book, AS_OF)
    caseloads = {"compiled": list(caseload(args.compiled_cases)), "durable": list(caseload(args.cases))}
    cases = [CaseProfile.model_validate(p) for p in caseloads["durable"]]
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}")
    print(f"rulesets: {len(book.rules)} rules, {len(book.findings)} findings, {len(program.productions)} productions; "
          f"caseloads of distinct profiles recombined from the examples: {args.compiled_cases:,} (compiled), "
          f"{args.cases:,} (durable)\n")

    line(f"this machine: {args.workers} pure-Python processes at once do", f"{machine_scaling(args.workers):.2f}x one's work")
    colds = [float(subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True).stdout)
             for _ in range(3)]
    line("cold start (import + load + validate + compile)", f"{min(colds) * 1000:.0f} ms", "<= 1000 ms", min(colds) <= 1)
    clis = cold_cli()
    line("cold one-profile CLI assess --format json (wall)",
         f"{statistics.median(clis):.2f} s (min {min(clis):.2f})", "<= 0.6 s", statistics.median(clis) <= 0.6)

    engines = ["compiled"] + (["durable"] if durable_available() else [])
    rates: dict[tuple[str, str, int], float] = {}
    for engine in engines:
        profiles = caseloads[engine]
        assess(cases[0], as_of=AS_OF, engine=engine)  # compile and register once
        for label, forget in (("cold", True), ("in a caseload", False)):
            clear_cache()
            single = []
            for case in cases[: max(60, min(len(cases), 300))]:
                if forget:
                    clear_cache()
                t = time.perf_counter()
                assess(case, as_of=AS_OF, engine=engine)
                single.append(time.perf_counter() - t)
            single.sort()
            p50, p95 = statistics.median(single) * 1000, single[int(len(single) * 0.95)] * 1000
            line(f"{engine}: one full assessment p50 / p95, {label}", f"{p50:.2f} / {p95:.2f} ms")
        for fmt, label in (("json", "JSON lines"), ("summary-csv", "summary CSV")):
            for workers in (1, args.workers):
                clear_cache()
                records = [batch.Record(i, str(i), p) for i, p in enumerate(profiles)]
                t, cpu = time.perf_counter(), time.process_time()
                for _ in batch.assess_lines(records, as_of=AS_OF, engine=engine, workers=workers, fmt=fmt):
                    pass
                rates[(engine, fmt, workers)] = len(records) / (time.perf_counter() - t)
                if workers == 1:  # on a shared machine the rate per CPU second is the steadier figure
                    line(f"{engine}: batch ({label}), 1 worker, per CPU second",
                         f"{len(records) / (time.process_time() - cpu):,.0f} cases/s")
                if workers == 1 and fmt == "json":
                    memos = assessor(Options(engine=engine)).memos
                    total = len(records) * len(book.findings)
                    line(f"{engine}: findings decided afresh in the caseload (JSON lines explain none)",
                         f"{memos.decisions.computed:,} of {total:,} ({memos.decisions.computed / total:.1%}); "
                         f"explained: {memos.findings.computed:,}")
            target = 5000 if engine == "compiled" else 500
            one, many = rates[(engine, fmt, 1)], rates[(engine, fmt, args.workers)]
            line(f"{engine}: batch ({label}), 1 worker", f"{one:,.0f} cases/s", f">= {target:,}", one >= target)
            line(f"{engine}: batch ({label}), {args.workers} workers", f"{many:,.0f} cases/s ({many / one:.2f}x)",
                 ">= 1.8x one worker", many / one >= 1.8)

    print("where the time of a compiled case + JSON line goes in the caseload (share of profiled time):")
    _stage_shares(caseloads["compiled"][:1000], "compiled")

    specs = catalogue()
    encoded = []
    for c in cases:
        facts = flatten(c, AS_OF)
        encoded.append({p: encode(specs[p], v) for p, v in facts.known.items() if p in program.fact_paths})
    for engine in engines:
        runner = backend(engine)
        n = len(encoded) if engine == "compiled" else min(len(encoded), 300)
        t = time.perf_counter()
        for i in range(n):
            runner.run(program, encoded[i])
        bare = n / (time.perf_counter() - t)
        line(f"{engine}: bare evaluation (the limit)", f"{bare:,.0f} cases/s")
        line(f"{engine}: full batch (JSON lines) / bare limit", f"{rates[(engine, 'json', 1)] / bare:.3f}")
        if engine == "durable":
            inside = _time_inside_durable_c_engine(runner, program, encoded[:n])
            line("durable: of which inside its C engine", f"{inside * 1000:.2f} ms/case (<= {1 / inside:,.0f} cases/s)")

    small, large = (int(x) for x in args.rss_cases.split(","))
    rss = {n: float(subprocess.run([sys.executable, "-c", RSS, str(Path(__file__).parent), str(n)],
                                   capture_output=True, text=True, check=True).stdout) for n in (small, large)}
    growth = rss[large] / rss[small] - 1
    line(f"peak RSS, streaming batch of {small:,} / {large:,}", f"{rss[small]:.0f} / {rss[large]:.0f} MB",
         "large within 20% of small", growth <= 0.2)

    from refugee_rules import InterviewSession

    session = InterviewSession(as_of=AS_OF)
    steps = []
    for q in session.next_questions(n=5):
        t = time.perf_counter()
        session.answer(q.path, "unknown")
        session.next_questions(n=1)
        steps.append(time.perf_counter() - t)
    med = statistics.median(steps) * 1000
    line("interview step (answer, re-evaluate, new questions)", f"{med:.1f} ms", "<= 20 ms", med <= 20)
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def bench_impact(cases: int = 2000) -> None:
    """``impact``'s rate (issue 18): two compact assessments and a diff per case, across 2022-09-01 -> 2022-10-15
    (Finland's and the Baltic states' entry changes), on the compiled engine, one worker, beside batch's rate on the
    same caseload at the same two dates (its target: half of batch's rate, since it assesses every case twice)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from caseload import caseload

    from refugee_rules.options import Options
    from refugee_rules.tasks import batch, impact

    records = [batch.Record(i, str(i), p) for i, p in enumerate(caseload(cases, seed=18))]
    left, right = impact.sides(Options(engine="compiled"), from_date="2022-09-01", to_date="2022-10-15")
    summary = impact.Summary()
    for outcome in impact.outcomes(records, left, right):  # once first: both are measured with the memos of both
        pass                                                # dates warm, as in a long run
    t = time.perf_counter()
    for outcome in impact.outcomes(records, left, right):
        summary.record(outcome)
        if outcome.impact is not None and outcome.impact.changes:
            impact.impact_lines(outcome.impact, "jsonl")
    rate = summary.read / (time.perf_counter() - t)
    t = time.perf_counter()
    for side in (left, right):  # batch on the same cases at both dates, memos as warm as impact's
        for _ in batch.assess_lines(records, as_of=side.day, engine="compiled"):
            pass
    single = 2 * summary.read / (time.perf_counter() - t)
    line("compiled: impact (two dates, JSON lines), 1 worker", f"{rate:,.0f} cases/s ({2 * rate / single:.2f}x half batch)",
         ">= 0.8x half of batch", 2 * rate / single >= 0.8)
    line("  clients changed / read", f"{summary.changed:,} / {summary.read:,}")


def interview_lengths(as_of: dt.date = AS_OF, limit: int = 150) -> dict[str, int | None]:
    """How many questions the interview asks, starting from an empty profile, before the outcome of each example
    is what the whole example gives: the outcome and every Convention answer (Article 1A(2), exclusion,
    cessation) equal. The client answers from the example, and "don't know" for whatever it does not state, so
    a ranking that asks the deciding questions first needs fewer. None: not settled within ``limit`` questions."""
    import yaml

    from refugee_rules import InterviewSession, assess

    def flat(data: dict, prefix: str = "") -> dict:
        out: dict = {}
        for key, value in data.items():
            if isinstance(value, dict) and value:
                out.update(flat(value, f"{prefix}{key}."))
            else:
                out[f"{prefix}{key}"] = value
        return out

    def settled_view(a) -> tuple:  # type: ignore[no-untyped-def]
        legal = [(f.id, f.answer) for f in a.findings
                 if f.group in ("article_1a2", "exclusion", "cessation") and f.role != "intermediate"]
        return (a.outcome.status, tuple(legal))

    found: dict[str, int | None] = {}
    for path in sorted((ROOT / "examples" / "profiles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.pop("case_ref", None)
        answers = flat(data)
        target = settled_view(assess(data, as_of=as_of, engine="compiled"))
        with InterviewSession(as_of=as_of, engine="compiled") as s:
            asked = 0
            while settled_view(s.assessment()) != target and asked < limit:
                q = s.next_questions(1)
                if not q:
                    break
                s.answer(q[0].path, answers.get(q[0].path, "unknown"))
                asked += 1
            found[path.stem] = asked if settled_view(s.assessment()) == target else None
    return found


def print_interview_lengths() -> None:
    found = interview_lengths()
    print("\nquestions the interview asks before the outcome is settled (from an empty profile):")
    for name, n in found.items():
        print(f"  {name:<45} {n if n is not None else 'not settled'}")
    counted = [n for n in found.values() if n is not None]
    print(f"  total {sum(counted)} over {len(counted)} examples settled ({len(found) - len(counted)} not)")


if __name__ == "__main__":
    main()
    bench_impact()
    print_interview_lengths()
