"""custmdm vs Splink on the same data: wall time, peak memory, candidate pairs and quality.

Each tool runs in a fresh subprocess per repetition, alternating (custmdm, splink, custmdm,
splink…) so that drift in machine load hits both alike. Peak RSS is the child's own
``ru_maxrss`` from ``os.wait4``; quality is scored by :mod:`custmdm.evaluation` from the
``crosswalk.csv`` each tool writes.

Usage::

    python benchmarks/harness.py --datasets febrl3,febrl4,gen10k --repeat 3 \\
        --out benchmarks/results/

Datasets: ``febrl3``, ``febrl4`` (see ``febrl.py``) and ``gen<N>`` with N like ``10k``,
``100k``, ``1m`` (``benchmarks/generate.py --records N --seed S``). Inputs are cached under
``--data-dir`` (default ``benchmarks/data/``, not in git).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import read_crosswalk, read_truth
from febrl import write_febrl

HERE = Path(__file__).resolve().parent
TOOLS = ("custmdm", "splink")
_GEN = re.compile(r"gen(\d+(?:\.\d+)?)([km]?)(-stress)?", re.IGNORECASE)


@dataclass(frozen=True)
class Dataset:
    name: str
    config: Path
    truth: Path
    splink_settings: str  # febrl3 | febrl4 | departmental


# --- datasets ------------------------------------------------------------------------------


def gen_records(name: str) -> int | None:
    """``gen10k`` → 10000, ``gen1m-stress`` → 1000000; None for a non-generator name."""
    match = _GEN.fullmatch(name)
    if not match:
        return None
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def prepare_dataset(name: str, data_dir: Path, seed: int) -> Dataset:
    """Create (or reuse from the cache) the inputs of one dataset."""
    if name in ("febrl3", "febrl4"):
        directory = data_dir / name
        if not (directory / "config.yaml").exists() or not (directory / "truth.csv").exists():
            write_febrl(directory, name)  # type: ignore[arg-type]
        return Dataset(name, directory / "config.yaml", directory / "truth.csv", name)
    records = gen_records(name)
    if records is None:
        msg = f"unknown dataset {name!r}: use febrl3, febrl4 or gen<N>[-stress] (gen10k, gen1m-stress…)"
        raise SystemExit(msg)
    directory = data_dir / f"{name}-seed{seed}"
    if not (directory / "config.yaml").exists() or not (directory / "truth.csv").exists():
        command = [
            sys.executable,
            str(HERE / "generate.py"),
            "--records",
            str(records),
            "--seed",
            str(seed),
            "--out",
            str(directory),
        ]
        if name.lower().endswith("-stress"):
            command.append("--stress")  # same-name strangers sharing emails, more namesakes
        print(f"[harness] generating {name}: {' '.join(command)}", file=sys.stderr)
        subprocess.run(command, check=True)
    return Dataset(name, directory / "config.yaml", directory / "truth.csv", "departmental")


# --- one run -------------------------------------------------------------------------------


def tool_command(tool: str, dataset: Dataset, out_dir: Path) -> list[str]:
    if tool == "custmdm":
        # The entry point beside this interpreter, not a pyenv shim that would wrap it.
        beside = Path(sys.executable).parent / "custmdm"
        exe = str(beside) if beside.exists() else shutil.which("custmdm") or "custmdm"
        # to golden records and every output file except the optional HTML report
        # (Splink draws no charts in its timed job either)
        return [exe, "resolve", str(dataset.config), "--out", str(out_dir), "--no-report"]
    return [
        sys.executable,
        str(HERE / "splink_runner.py"),
        str(dataset.config),
        "--settings",
        dataset.splink_settings,
        "--out",
        str(out_dir),
    ]


def run_measured(command: list[str], log_dir: Path, timeout: float) -> dict[str, Any]:
    """Run ``command``; return wall seconds, the child's peak RSS (MiB) and its exit code."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "stdout.log", "wb") as out, open(log_dir / "stderr.log", "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            # wait4 gives this child's own rusage: its peak RSS, not the harness's.
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "returncode": proc.returncode,
        "timed_out": timed_out.is_set(),
    }


def _job_seconds(report: dict[str, Any]) -> float | None:
    timings = report.get("timings") or {}
    if "total" in timings:
        return float(timings["total"])
    values = [v for v in timings.values() if isinstance(v, int | float)]
    return round(float(sum(values)), 3) if values else None


def score(dataset: Dataset, out_dir: Path, truth: Any) -> dict[str, Any]:
    from custmdm.evaluation import breakdown_by_tag, evaluate_crosswalk

    crosswalk = read_crosswalk(out_dir / "crosswalk.csv")
    result = evaluate_crosswalk(crosswalk, truth)
    scores: dict[str, Any] = {
        "records": result["n_records"],
        "clusters": int(crosswalk["customer_id"].nunique()),
        "pairwise": result["pairwise"].to_dict(),
        "bcubed": result["bcubed"].to_dict(),
    }
    tags = [c for c in truth.columns if c.startswith("is_")]
    if tags:
        table = breakdown_by_tag(crosswalk, truth, tags)
        scores["by_tag"] = json.loads(table.to_json(orient="index"))
    return scores


def run_one(
    dataset: Dataset, tool: str, rep: int, raw_dir: Path, truth: Any, timeout: float
) -> dict[str, Any]:
    out_dir = raw_dir / dataset.name / tool / f"rep{rep}"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    command = tool_command(tool, dataset, out_dir)
    print(f"[harness] {dataset.name} {tool} rep {rep}: {' '.join(command)}", file=sys.stderr)
    row: dict[str, Any] = {"dataset": dataset.name, "tool": tool, "rep": rep}
    row.update(run_measured(command, out_dir / "logs", timeout))
    if row["returncode"] != 0:
        tail = (out_dir / "logs" / "stderr.log").read_text(errors="replace")[-2000:]
        row["error"] = tail
        print(f"[harness] {tool} failed ({row['returncode']}):\n{tail}", file=sys.stderr)
        return row
    report = json.loads((out_dir / "report.json").read_text())
    row["job_s"] = _job_seconds(report)
    # Benchmark-only work after the job (Splink's exact pair count) is not the tool's cost.
    extra = sum((report.get("not_timed") or {}).values())
    if extra:
        row["wall_s_raw"] = row["wall_s"]
        row["wall_s"] = round(row["wall_s"] - extra, 3)
    row["candidate_pairs"] = (report.get("counts") or {}).get("candidate_pairs")
    row["peak_rss_mb_job"] = (report.get("memory") or {}).get("peak_rss_mb_job")
    row["timings"] = report.get("timings")
    try:
        row.update(score(dataset, out_dir, truth))
    except ValueError as err:
        row["error"] = f"scoring failed: {err}"
        print(f"[harness] {tool} crosswalk could not be scored: {err}", file=sys.stderr)
    return row


# --- summary -------------------------------------------------------------------------------


def _median(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (dataset, tool): medians of time and memory; quality of the first run."""
    summary = []
    keys = sorted({(r["dataset"], r["tool"]) for r in runs}, key=lambda k: (k[0], k[1]))
    order = {name: i for i, name in enumerate(dict.fromkeys(r["dataset"] for r in runs))}
    for dataset, tool in sorted(keys, key=lambda k: (order[k[0]], TOOLS.index(k[1]))):
        ok = [r for r in runs if r["dataset"] == dataset and r["tool"] == tool and "error" not in r]
        failed = sum(
            1 for r in runs if r["dataset"] == dataset and r["tool"] == tool and "error" in r
        )
        row: dict[str, Any] = {"dataset": dataset, "tool": tool, "runs": len(ok), "failed": failed}
        if ok:
            first = ok[0]
            row.update(
                wall_s=_median(ok, "wall_s"),
                job_s=_median(ok, "job_s"),
                peak_rss_mb=_median(ok, "peak_rss_mb"),
                candidate_pairs=first.get("candidate_pairs"),
                precision=first["pairwise"]["precision"],
                recall=first["pairwise"]["recall"],
                f1=first["pairwise"]["f1"],
                bcubed_f1=first["bcubed"]["f1"],
                clusters=first["clusters"],
                records=first["records"],
            )
        summary.append(row)
    return summary


def ratios(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """custmdm / Splink per dataset for time, memory and candidate pairs (< 1: custmdm less)."""
    out = []
    for dataset in dict.fromkeys(s["dataset"] for s in summary):
        by_tool = {s["tool"]: s for s in summary if s["dataset"] == dataset}
        mine, theirs = by_tool.get("custmdm", {}), by_tool.get("splink", {})
        row: dict[str, Any] = {"dataset": dataset}
        for key in ("wall_s", "job_s", "peak_rss_mb", "candidate_pairs"):
            a, b = mine.get(key), theirs.get(key)
            row[key] = round(a / b, 3) if a is not None and b else None
        for key in ("f1", "bcubed_f1"):
            a, b = mine.get(key), theirs.get(key)
            row[f"{key}_delta"] = round(a - b, 4) if a is not None and b is not None else None
        out.append(row)
    return out


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(
    summary: list[dict[str, Any]], ratio_rows: list[dict[str, Any]], meta: dict[str, Any]
) -> str:
    lines = [
        f"# custmdm vs Splink — {meta['timestamp']}",
        "",
        f"Machine: {meta['machine']['cpus']} CPUs, {meta['machine']['platform']}; "
        f"Python {meta['machine']['python']}; repeat {meta['repeat']}. Times and memory are "
        "medians over repetitions; quality is deterministic per tool and dataset.",
        "",
        "| dataset | tool | records | wall s | job s | peak RSS MiB | candidate pairs | "
        "precision | recall | pairwise F1 | B³ F1 | clusters | runs (failed) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        lines.append(
            f"| {s['dataset']} | {s['tool']} | {_fmt(s.get('records'))} | "
            f"{_fmt(s.get('wall_s'), 2)} | {_fmt(s.get('job_s'), 2)} | "
            f"{_fmt(s.get('peak_rss_mb'), 0)} | {_fmt(s.get('candidate_pairs'))} | "
            f"{_fmt(s.get('precision'))} | {_fmt(s.get('recall'))} | {_fmt(s.get('f1'))} | "
            f"{_fmt(s.get('bcubed_f1'))} | {_fmt(s.get('clusters'))} | {s['runs']} ({s['failed']}) |"
        )
    lines += [
        "",
        "Ratio custmdm / Splink (below 1: custmdm is faster, smaller, builds fewer pairs); "
        "F1 deltas are custmdm minus Splink.",
        "",
        "| dataset | wall | job | peak RSS | candidate pairs | Δ pairwise F1 | Δ B³ F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in ratio_rows:
        lines.append(
            f"| {r['dataset']} | {_fmt(r['wall_s'], 2)} | {_fmt(r['job_s'], 2)} | "
            f"{_fmt(r['peak_rss_mb'], 2)} | {_fmt(r['candidate_pairs'], 2)} | "
            f"{_fmt(r['f1_delta'])} | {_fmt(r['bcubed_f1_delta'])} |"
        )
    return "\n".join(lines) + "\n"


def tag_markdown(runs: list[dict[str, Any]]) -> str:
    """Per-tag pairwise precision/recall of the first successful run of each tool."""
    lines = []
    seen = set()
    for r in runs:
        key = (r["dataset"], r["tool"])
        if "by_tag" not in r or key in seen:
            continue
        seen.add(key)
        if not lines:
            lines = [
                "",
                "Pairs touching a tagged record (see `custmdm.evaluation.breakdown_by_tag`):",
                "",
                "| dataset | tool | tag | tagged records | true pairs | precision | recall | F1 |",
                "|---|---|---|---:|---:|---:|---:|---:|",
            ]
        for tag, m in r["by_tag"].items():
            lines.append(
                f"| {r['dataset']} | {r['tool']} | {tag} | {_fmt(m['n_tagged_records'])} | "
                f"{_fmt(m['true_pairs'])} | {_fmt(m['precision'])} | {_fmt(m['recall'])} | "
                f"{_fmt(m['f1'])} |"
            )
    return "\n".join(lines) + ("\n" if lines else "")


# --- main ----------------------------------------------------------------------------------


def _versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for package in ("custmdm", "splink", "duckdb", "pandas", "numpy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="febrl3,febrl4,gen10k")
    parser.add_argument("--tools", default="custmdm,splink", help="comma list of custmdm,splink")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per run")
    args = parser.parse_args(argv)

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        parser.error(f"unknown tool(s) {unknown}; choose from {list(TOOLS)}")
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    raw_dir = args.out / "raw"
    runs: list[dict[str, Any]] = []
    for name in datasets:
        dataset = prepare_dataset(name, args.data_dir, args.seed)
        truth = read_truth(dataset.truth)
        for rep in range(args.repeat):
            for tool in tools:
                runs.append(run_one(dataset, tool, rep, raw_dir, truth, args.timeout))

    summary = summarise(runs)
    ratio_rows = ratios(summary)
    meta = {
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(
            [Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]
        ),
        "repeat": args.repeat,
        "seed": args.seed,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "versions": _versions(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(summary, ratio_rows, meta) + tag_markdown(runs)
    (args.out / "results.md").write_text(text, encoding="utf-8")
    payload = {"meta": meta, "summary": summary, "ratios": ratio_rows, "runs": runs}
    (args.out / "results.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    print(text)
    return 1 if any("error" in r for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
