"""Run the benchmarks and write ``bench/RESULTS.md``.

Usage: ``python -m bench [--quick] [--only mlp_step scalar_expr ...] [--out bench/RESULTS.md]``.
Every figure is a median after warm-up (>= 5 repeats unless stated) and every
comparison a ratio of two implementations measured in this same run. Each
benchmark runs in a fresh interpreter; those whose implementations run on
several threads (``mlp_step``, ``batch_grad``) time each implementation in a
process of its own, best of three (see ``isolated.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import time
import traceback
from pathlib import Path

from diffkit.table import Table

from .cases import BENCHMARKS
from .harness import Row, machine, versions


def _scaled(row: Row, unit: str) -> float | None:
    if row.seconds is None:
        return None
    s = row.seconds / (row.per or 1)
    return {"ms": s * 1e3, "us/op": s * 1e6, "us/node": s * 1e6, "s": s}[unit]


def _tables(name: str, rows: list[Row], unit: str, targets) -> tuple[list[Table], list[str]]:
    cases = list(dict.fromkeys(r.case for r in rows))
    tables, verdicts = [], []
    for case in cases:
        here = [r for r in rows if r.case == case]
        diffkit_rows = [r for r in here if r.impl.startswith("diffkit")]
        base = diffkit_rows[0] if diffkit_rows else None
        body = []
        for r in here:
            ratio = (base.seconds / r.seconds) if base and base.seconds and r.seconds else None
            extra = ", ".join(f"{k} {v}" for k, v in r.extra.items())
            body.append([r.impl, _scaled(r, unit), ratio, r.error, "; ".join(x for x in (r.note, extra) if x)])
        tables.append(Table(["implementation", unit, f"{base.impl if base else 'diffkit'} / this", "max error",
                             "note"], body, title=f"{name}, {case}"))
        for t in targets:
            if t.case not in (None, case):
                continue
            mine = next((r for r in here if r.impl == t.impl and r.seconds), None)
            other = next((r for r in here if r.impl == t.peer and r.seconds), None)
            if mine is None or other is None:
                verdicts.append(f"- {name}, {case}: {t.impl} vs {t.peer}: not measured (peer missing)")
                continue
            ratio = mine.seconds / other.seconds
            ok = ratio <= t.limit
            text = f"{t.impl} / {t.peer} = {ratio:.2f} (target <= {t.limit:.2f})"
            if t.error_limit is not None and mine.error is not None and other.error:
                eratio = mine.error / other.error
                ok = ok and eratio <= t.error_limit
                text += f", error ratio {eratio:.3g} (target <= {t.error_limit:g})"
            verdicts.append(f"- {name}, {case}: {text}: {'met' if ok else 'MISSED'}")
    return tables, verdicts


def _run(name: str, quick: bool) -> list[Row]:
    return BENCHMARKS[name][0](quick)


def _in_own_process(name: str, quick: bool) -> list[Row]:
    """Run one benchmark in a fresh interpreter, so that no library an earlier one
    loaded (torch's and JAX's thread pools, diffkit's) is still running beside it."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_run, name, quick).result()


def _busy() -> float | None:
    """The 1-minute load average when other processes keep over half the cores busy, else None.

    Taken before the first benchmark, while nothing of ours runs: ratios are
    measured in the same run, but a busy neighbour still hits the
    implementations unevenly (one measured at 17 ms instead of 1.7 ms).
    """
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        return None
    return load if load > 0.5 * (os.cpu_count() or 1) else None


def _load(path: Path) -> dict:
    """Earlier results (``{benchmark: {"date", "quick", "rows", "error"}}``), or nothing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("machine") != machine():  # ratios from another machine don't belong beside these
        print(f"{path} was measured on {data.get('machine')!r}: starting afresh")
        return {}
    return {k: v for k, v in data.get("benchmarks", {}).items() if k in BENCHMARKS}


def _render(results: dict) -> str:
    md = ["# diffkit benchmarks", "",
          f"Machine: {machine()}.", "",
          "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".", "",
          "Times are medians after warm-up; ratios compare implementations measured in the same run "
          "(diffkit / peer: below 1 means diffkit is faster). Each benchmark runs in a fresh interpreter; "
          "mlp_step and batch_grad time each implementation in a fresh process (`python -m bench.isolated`), "
          "best of three in a full run: threads a library leaves spinning slow down the next one in the "
          "same process. `python -m bench --only NAME` measures one benchmark again and keeps the others.", ""]
    for name, (fn, targets, unit) in BENCHMARKS.items():
        entry = results.get(name)
        if entry is None:
            continue
        when = f"Measured {entry['date']}{' (quick mode)' if entry['quick'] else ''}."
        if entry.get("busy"):
            when += (f" **The machine was busy** (load average {entry['busy']:.1f} before the run): "
                     "other processes skewed these timings.")
        md += [f"## {name}", "", fn.__doc__.splitlines()[0], "", when, ""]
        if entry.get("error"):
            md += ["Failed:", "", "```", entry["error"], "```", ""]
            continue
        tables, verdicts = _tables(name, [Row(**r) for r in entry["rows"]], unit, targets)
        md += [line for t in tables for line in (t.to_markdown(), "")]
        if verdicts:
            md += ["Targets:", ""] + verdicts + [""]
    return "\n".join(md) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS),
                        help="run only these benchmarks (the results of the others are kept)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")),
                        help="results file (Markdown; the rows also go to the same name with .json)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    store = out.with_suffix(".json")
    results = _load(store) if args.only else {}
    started = time.perf_counter()
    busy = _busy()
    if busy:
        print(f"warning: the machine is busy (load average {busy:.1f} on {os.cpu_count()} cores): "
              "other processes will skew the timings", flush=True)
    for name in args.only or list(BENCHMARKS):
        fn, targets, unit = BENCHMARKS[name]  # fn runs in a process of its own
        print(f"== {name}: {fn.__doc__.splitlines()[0]}", flush=True)
        entry = {"date": datetime.date.today().isoformat(), "quick": args.quick, "busy": busy, "rows": []}
        try:
            rows = _in_own_process(name, args.quick)
        except Exception:
            entry["error"] = traceback.format_exc(limit=4)
            print(entry["error"])
        else:
            entry["rows"] = [dataclasses.asdict(r) for r in rows]
            tables, verdicts = _tables(name, rows, unit, targets)
            for t in tables:
                print(t, "\n", flush=True)
            print("\n".join(verdicts), "\n", flush=True)
        results[name] = entry
    store.write_text(json.dumps({"machine": machine(), "benchmarks": results}, indent=1) + "\n", encoding="utf-8")
    out.write_text(_render(results), encoding="utf-8")
    print(f"wrote {out} and {store} in {time.perf_counter() - started:.0f} s")
    return 0
