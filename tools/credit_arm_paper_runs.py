"""Chapter 3's credit ARM study at the paper preset, run in parts and recorded repetition by repetition.

The paper preset of the study (:attr:`inloop.performative.arm_settings.ARMSettings.PAPER`: 50 rounds,
500 repetitions, at most 5,000 L-BFGS iterations per round, all borrowers) costs 88 to 130
seconds per repetition on one thread, depending on the processor (its five rules share their common
first rounds), six to nine hours for the 500 on two cores, far beyond the book's budget. This script runs it in
parts that can be resumed: every repetition is independent (repetition ``r`` draws its samples with
seed ``credit_run_seed + r`` for every rule), so each call runs repetitions missing from the record,
one single-threaded process per worker, and appends one JSON line per finished repetition. The
record keeps every round's loss shift and performative risk of every rule, the iteration-cap hits,
the seconds the repetition took and the numerics fingerprint of the machine (``tools/numerics.py``).

``summary`` prints the table the execution report quotes, computed exactly as Chapter 3 computes
its book-preset table: loss shifts averaged over the rounds after the first third, final risks over
the last three rounds, ratios to RRM run by run, 95% t-intervals over repetitions.

``reproduce R`` runs recorded repetition ``R`` again on this machine, without touching the record,
and prints how far its numbers are from the recorded ones: the check that repetitions recorded on
machines with different numerics fingerprints can be pooled.

Usage::

    python tools/credit_arm_paper_runs.py run [--workers 2] [--until 500] [--hours 2.5]
    python tools/credit_arm_paper_runs.py summary
    python tools/credit_arm_paper_runs.py reproduce 0
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per worker, as in the chapter

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "code"))
sys.path.insert(0, str(ROOT / "tools"))

RECORD = ROOT / "benchmarks" / "paper-preset" / "ch3-credit-arm.jsonl"
"""One JSON object per finished repetition (the record the execution report quotes)."""
RULES = {"tau = 1": 1, "tau = 2": 2, "tau = 4": 4, "t/2": "half", "all": "all"}
"""Chapter 3's mixture rules, in its order."""
LABELS = {
    "tau = 1": "$\\tau = 1$",
    "tau = 2": "$\\tau = 2$",
    "tau = 4": "$\\tau = 4$",
    "t/2": "$t/2$",
    "all": "all",
}
"""How the report's table names each rule."""


def paper_settings():
    """The paper preset of Chapter 3's settings."""
    from inloop.performative.arm_settings import ARMSettings

    return ARMSettings.for_scale("paper")


def settings_key(settings) -> dict:
    """What a repetition's numbers depend on besides its seed; every record line carries it."""
    return {
        "rounds": settings.credit_rounds,
        "max_iter": settings.credit_max_iter,
        "rows": settings.credit_rows,
        "delta": settings.credit_delta,
        "width": settings.credit_width,
        "seed": settings.credit_seed,
        "run_seed": settings.credit_run_seed,
    }


def read_record(path: Path = RECORD) -> list[dict]:
    """The recorded repetitions, in repetition order; a repetition recorded twice is an error."""
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    seen = [line["repetition"] for line in lines]
    if len(seen) != len(set(seen)):
        raise ValueError(f"{path} records a repetition twice; remove the duplicate lines.")
    return sorted(lines, key=lambda line: line["repetition"])


_WORKER: dict = {}


def _start_worker() -> None:
    import torch
    from inloop.data import load_credit
    from inloop.neural import credit_arm_inputs
    from numerics import fingerprint

    _WORKER["numerics"] = fingerprint()  # computed on two threads; the study runs on one
    torch.set_num_threads(1)
    settings = paper_settings()
    _WORKER["settings"] = settings
    _WORKER["inputs"] = credit_arm_inputs(load_credit(), settings)


def run_repetition(repetition: int) -> dict:
    """One repetition of the study at the paper preset, as one record line."""
    from inloop.neural import compare_mixture_rules

    settings = _WORKER["settings"]
    shift, theta0 = _WORKER["inputs"]
    start = time.perf_counter()
    comparison = compare_mixture_rules(
        shift,
        theta0,
        RULES,
        settings.credit_rounds,
        seed=settings.credit_run_seed + repetition,
        width=settings.credit_width,
        max_iter=settings.credit_max_iter,
    )
    seconds = time.perf_counter() - start
    return {
        "repetition": repetition,
        "settings": settings_key(settings),
        "numerics": _WORKER["numerics"],
        "seconds": round(seconds, 1),
        "rules": {
            name: {
                "shifts": comparison.shifts[name].tolist(),
                "risks": comparison.risks[name].tolist(),
                "capped": comparison.capped[name],
            }
            for name in RULES
        },
    }


def run(workers: int, until: int, hours: float, path: Path = RECORD) -> None:
    """Run the repetitions below ``until`` that the record lacks, starting none after ``hours``."""
    settings = paper_settings()
    done = {line["repetition"] for line in read_record(path)}
    todo = [r for r in range(min(until, settings.credit_repetitions)) if r not in done]
    print(f"{len(done)} repetitions recorded; {len(todo)} to run on {workers} workers")
    if not todo:
        return
    deadline = time.monotonic() + 3600 * hours
    path.parent.mkdir(parents=True, exist_ok=True)
    with multiprocessing.Pool(workers, initializer=_start_worker) as pool:
        pending = iter(todo)
        running = []
        while True:
            while len(running) < workers and time.monotonic() < deadline:
                repetition = next(pending, None)
                if repetition is None:
                    break
                running.append(pool.apply_async(run_repetition, (repetition,)))
            if not running:
                break
            finished = [job for job in running if job.ready()]
            for job in finished:
                line = job.get()
                with path.open("a") as record:
                    record.write(json.dumps(line) + "\n")
                print(f"repetition {line['repetition']}: {line['seconds']} s", flush=True)
                running.remove(job)
            if not finished:
                time.sleep(1.0)


def largest_differences(recorded: dict, rerun: dict) -> dict[str, float]:
    """Largest relative difference between two record lines of one repetition, per quantity.

    Loss shifts are compared relative to the largest recorded shift of the same rule, performative
    risks relative to each recorded risk; ``capped`` counts the rules whose cap hits differ.
    """
    if recorded["repetition"] != rerun["repetition"] or recorded["settings"] != rerun["settings"]:
        raise ValueError("the two lines are not the same repetition with the same settings.")
    shifts, risks, capped = 0.0, 0.0, 0
    for name in RULES:
        old, new = recorded["rules"][name], rerun["rules"][name]
        old_shifts = np.asarray(old["shifts"])
        scale = np.abs(old_shifts).max()
        shifts = max(shifts, float(np.abs(np.asarray(new["shifts"]) - old_shifts).max() / scale))
        old_risks = np.asarray(old["risks"])
        risks = max(risks, float((np.abs(np.asarray(new["risks"]) - old_risks) / old_risks).max()))
        capped += int(old["capped"] != new["capped"])
    return {"shifts": shifts, "risks": risks, "capped rules": capped}


def reproduce(repetition: int, path: Path = RECORD) -> str:
    """Run recorded repetition ``repetition`` again here and report how far it is from the record."""
    lines = {line["repetition"]: line for line in read_record(path)}
    if repetition not in lines:
        raise SystemExit(f"{path} does not record repetition {repetition}; run it first.")
    _start_worker()
    rerun = run_repetition(repetition)
    recorded = lines[repetition]
    gaps = largest_differences(recorded, rerun)  # refuses a record run with other settings
    return (
        f"repetition {repetition}: recorded on {recorded['numerics']} in {recorded['seconds']} s, "
        f"rerun on {rerun['numerics']} in {rerun['seconds']} s; largest difference: "
        f"loss shifts {gaps['shifts']:.1e} of the rule's largest, "
        f"performative risks {gaps['risks']:.1e} relative, "
        f"{gaps['capped rules']} rules with other cap hits"
    )


def interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the 95% t-interval over repetitions (as Chapter 3 reports them)."""
    from inloop.games.statistics import mean_with_interval

    mean, half = mean_with_interval(values)
    return float(mean), float(half)


def plus_minus(mean: float, half: float, decimals: int) -> str:
    """``mean ± half`` with at least ``decimals`` decimals, more where the half-width would show as 0."""
    if half > 0:
        decimals = max(decimals, -int(np.floor(np.log10(half))))
    return f"{mean:.{decimals}f} ± {half:.{decimals}f}"


def summary(path: Path = RECORD) -> str:
    """The study's table over every recorded repetition, in Markdown."""
    lines = read_record(path)
    if len(lines) < 2:
        raise SystemExit(f"{path} holds {len(lines)} repetitions; a summary needs at least two.")
    keys = {json.dumps(line["settings"], sort_keys=True) for line in lines}
    if len(keys) != 1:
        raise SystemExit(f"{path} mixes repetitions run with different settings: {sorted(keys)}")
    seconds = {}  # numerics fingerprint -> seconds of every repetition recorded there
    for line in lines:
        seconds.setdefault(line["numerics"], []).append(line["seconds"])
    rounds = lines[0]["settings"]["rounds"]
    late = slice(rounds // 3, None)  # the rounds after the first transient, as in the chapter
    shifts = {n: np.array([line["rules"][n]["shifts"] for line in lines]) for n in RULES}
    risks = {n: np.array([line["rules"][n]["risks"] for line in lines]) for n in RULES}
    per_run = {n: shifts[n][:, late].mean(axis=1) for n in RULES}
    final = {n: risks[n][:, -3:].mean(axis=1) for n in RULES}
    capped = {n: sum(line["rules"][n]["capped"] for line in lines) for n in RULES}
    count = len(lines)
    out = [
        f"{count} repetitions (numbers {lines[0]['repetition']} to {lines[-1]['repetition']}), "
        f"{rounds} rounds; loss shifts averaged over rounds {late.start + 1} to {rounds}; "
        "seconds per repetition on one thread, by numerics fingerprint: "
        + ", ".join(
            f"{machine} {np.mean(times):.0f} s ({len(times)} of them)"
            for machine, times in sorted(seconds.items())
        ),
        "",
        "| Rule | Loss shift ×10⁵ | Ratio to $\\tau = 1$ | Final performative risk ×10³ "
        "| Rounds at the cap |",
        "|---|---|---|---|---|",
    ]
    for name in RULES:
        shift_mean, shift_half = interval(per_run[name])
        ratio_mean, ratio_half = interval(per_run[name] / per_run["tau = 1"])
        risk_mean, risk_half = interval(final[name])
        ratio = "1" if name == "tau = 1" else plus_minus(ratio_mean, ratio_half, 2)
        out.append(
            f"| {LABELS[name]} "
            f"| {plus_minus(1e5 * shift_mean, 1e5 * shift_half, 3)} | {ratio} "
            f"| {plus_minus(1e3 * risk_mean, 1e3 * risk_half, 3)} "
            f"| {capped[name]:,} of {rounds * count:,} |"
        )
    best = min(("tau = 4", "t/2", "all"), key=lambda name: per_run[name].mean())
    further = interval(per_run["all"] / per_run["tau = 2"])
    gain = interval(
        (per_run["tau = 1"] - per_run["tau = 2"]) - (per_run["tau = 2"] - per_run[best])
    )
    spread = max(v.mean() for v in final.values()) / min(v.mean() for v in final.values())
    largest = max(v.mean() for v in per_run.values())
    out += [
        "",
        f"all / tau = 2, run by run: {plus_minus(*further, 2)}; "
        f"(gain 1 -> 2) - (gain 2 -> {best}): ({plus_minus(1e5 * gain[0], 1e5 * gain[1], 3)})e-5; "
        f"largest mean shift / smallest final risk: {largest / min(v.mean() for v in final.values()):.1e}; "
        f"final risks within {100 * (spread - 1):.2f}%",
        "final risk minus tau = 1's, run by run, x10^3: "
        + ", ".join(
            f"{name} {plus_minus(*interval(1e3 * (final[name] - final['tau = 1'])), 3)}"
            for name in RULES
            if name != "tau = 1"
        ),
    ]
    return "\n".join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run", help="run the repetitions the record lacks")
    runner.add_argument("--workers", type=int, default=2, help="single-thread processes")
    runner.add_argument("--until", type=int, default=500, help="run repetitions 0 .. UNTIL-1")
    runner.add_argument("--hours", type=float, default=1e9, help="start no repetition after this")
    commands.add_parser("summary", help="print the table over the recorded repetitions")
    again = commands.add_parser("reproduce", help="rerun a recorded repetition and compare")
    again.add_argument("repetition", type=int, help="the recorded repetition to run again")
    args = parser.parse_args(argv)
    if args.command == "run":
        if args.workers < 1 or args.until < 1 or args.hours <= 0:
            parser.error("--workers and --until must be positive integers and --hours positive.")
        run(args.workers, args.until, args.hours)
    elif args.command == "reproduce":
        print(reproduce(args.repetition))
    else:
        print(summary())


if __name__ == "__main__":
    main()
