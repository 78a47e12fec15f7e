"""Resolve a config like ``custmdm resolve CONFIG --out OUT --no-report``, recording memory.

Usage (run under ``/usr/bin/time -v`` for the kernel's peak RSS)::

    PYTHONPATH=src python benchmarks/results/run10m/run_resolve.py CONFIG OUT JSON [TRUTH]

Beside the outputs it writes ``JSON``: per-stage timings (``Resolver.timings``), peak RSS
per stage of this process and of its process tree (normalisation workers included),
sampled every 0.25 s from /proc, the blocking rules' pair counts, record and customer
counts, and (with ``TRUTH``) pairwise and B-cubed quality from
:func:`custmdm.evaluation.evaluate_crosswalk`. A run that stops with an error records
the error and the figures up to it.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from custmdm.blocking.rules import Blocker
from custmdm.pipeline import Resolver

SAMPLE_SECONDS = 0.25
phase = ["setup"]
peaks: dict[str, list[float]] = {}
rule_pairs: dict[str, int] = {}


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def _sample(stop: threading.Event) -> None:
    me = os.getpid()
    while not stop.is_set():
        own = _rss_kb(me)
        tree = own + sum(_rss_kb(c) for c in _children(me))
        peak = peaks.setdefault(phase[0], [0.0, 0.0])
        peak[0] = max(peak[0], own / 2**20)
        peak[1] = max(peak[1], tree / 2**20)
        time.sleep(SAMPLE_SECONDS)


_stage = Resolver._stage


@contextmanager
def _tracked_stage(self: Resolver, name: str) -> Iterator[None]:
    phase[0] = name
    with _stage(self, name):
        yield
    phase[0] = f"after {name}"


_check = Blocker.check


def _recorded_check(self: Blocker) -> Any:
    rule_pairs.update({s.rule: s.pairs for s in self.stats()})
    return _check(self)


def main() -> int:
    config, out, json_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    truth = sys.argv[4] if len(sys.argv) > 4 else None
    Resolver._stage = _tracked_stage  # type: ignore[method-assign]
    Blocker.check = _recorded_check  # type: ignore[method-assign]
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(stop,), daemon=True)
    sampler.start()
    info: dict[str, Any] = {"config": config, "out": str(out)}
    resolver = Resolver(config)
    start = time.perf_counter()
    try:
        result = resolver.run()
        info["run_s"] = round(time.perf_counter() - start, 1)
        phase[0] = "write"
        written = time.perf_counter()
        result.write(out, html_report=False)
        info["write_s"] = round(time.perf_counter() - written, 1)
        counts = result.report["counts"]
        info["counts"] = {
            k: counts[k]
            for k in ("input_rows", "records", "candidate_pairs", "linked_pairs", "customers")
        }
        crosswalk = result.crosswalk
        del result
        if truth is not None:
            import pandas as pd

            from custmdm.evaluation import evaluate_crosswalk

            phase[0] = "evaluate"
            truth_df = pd.read_csv(truth, usecols=["source", "record_id", "person_id"], dtype=str)
            scores = evaluate_crosswalk(crosswalk, truth_df)
            info["quality"] = {
                k: (vars(v) if hasattr(v, "__dict__") else v) for k, v in scores.items()
            }
    except Exception as exc:  # the figures up to the failure are the result
        info["error"] = f"{type(exc).__name__}: {exc}"
        info["traceback"] = traceback.format_exc(limit=3)
    info["total_s"] = round(time.perf_counter() - start, 1)
    stop.set()
    sampler.join()
    info["timings"] = dict(resolver.timings)
    info["rule_pairs"] = rule_pairs
    info["peak_rss_gib_by_phase"] = {
        k: {"process": round(v[0], 2), "tree": round(v[1], 2)} for k, v in peaks.items()
    }
    info["ru_maxrss_gib"] = {
        "self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "children": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20, 2),
    }
    json_path.write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    print(json.dumps(info, indent=2, default=str))
    return 1 if "error" in info else 0


if __name__ == "__main__":
    sys.exit(main())
