"""Spark (local mode) against the local engine on the same config: time ratio and parity.

Usage::

    python benchmarks/generate.py --records 1000000 --seed 1 --out benchmarks/data/gen_1m
    python benchmarks/spark_vs_local.py benchmarks/data/gen_1m/config.yaml \\
        --master 'local[2]' --out benchmarks/results/spark_vs_local_1m

Each engine runs in a fresh subprocess (its own JVM and Python heap); each reads the source
files itself (pandas for the local engine, Spark's CSV/Parquet readers for Spark) and writes
its crosswalk. The parent reports wall time per engine and stage, the ratio, and whether the
two partitions are identical. Results go to ``<out>/result.json`` and ``<out>/result.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd


def _run_one(engine: str, config: str, out: Path, master: str, driver_memory: str) -> None:
    from custmdm.pipeline import Resolver

    spark = None
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master(master)
            .appName("custmdm-benchmark")
            .config("spark.driver.memory", driver_memory)
            .config("spark.sql.shuffle.partitions", "16")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        start_spark = time.perf_counter()
        spark.range(1).count()  # JVM warm-up is not the engine's work
        warmup = time.perf_counter() - start_spark
    else:
        warmup = 0.0
    resolver = Resolver(config, engine=engine, spark=spark)
    start = time.perf_counter()
    result = resolver.run()
    seconds = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    result.crosswalk.to_csv(out / "crosswalk.csv", index=False)
    stats = {
        "engine": engine,
        "master": master if engine == "spark" else None,
        "seconds": round(seconds, 2),
        "spark_startup_seconds": round(warmup, 2),
        "timings": resolver.timings,
        "records": len(result.crosswalk),
        "candidate_pairs": int(result.report["counts"]["candidate_pairs"]),
        "customers": int(result.report["counts"]["customers"]),
        "peak_rss_python_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    if spark is not None:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="custmdm config (e.g. from benchmarks/generate.py)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/spark_vs_local"))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--engines", nargs="+", default=["local", "spark"])
    parser.add_argument("--run-one", choices=["local", "spark"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        _run_one(args.run_one, args.config, args.out, args.master, args.driver_memory)
        return 0

    stats: dict[str, Any] = {}
    for engine in args.engines:
        target = args.out / engine
        cmd = [
            sys.executable,
            __file__,
            args.config,
            "--run-one",
            engine,
            "--out",
            str(target),
            "--master",
            args.master,
            "--driver-memory",
            args.driver_memory,
        ]
        print(f"running {engine} ...", flush=True)
        subprocess.run(cmd, check=True)
        stats[engine] = json.loads((target / "stats.json").read_text(encoding="utf-8"))
        print(json.dumps(stats[engine], indent=2), flush=True)

    summary: dict[str, Any] = {"config": args.config, "engines": stats}
    if {"local", "spark"} <= set(stats):
        summary["spark_over_local"] = round(
            stats["spark"]["seconds"] / stats["local"]["seconds"], 2
        )
        a = pd.read_csv(args.out / "local" / "crosswalk.csv", dtype=str, keep_default_na=False)
        b = pd.read_csv(args.out / "spark" / "crosswalk.csv", dtype=str, keep_default_na=False)
        summary["identical_crosswalk"] = bool(a.equals(b))
    (args.out / "result.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    lines = [
        "| engine | wall s | records | candidate pairs | customers |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for engine, s in stats.items():
        label = f"spark {s['master']}" if engine == "spark" else engine
        lines.append(
            f"| {label} | {s['seconds']} | {s['records']:,} | {s['candidate_pairs']:,} "
            f"| {s['customers']:,} |"
        )
    if "spark_over_local" in summary:
        lines.append("")
        lines.append(
            f"Spark / local time: **{summary['spark_over_local']}x**; "
            f"identical crosswalk: {summary['identical_crosswalk']}"
        )
    (args.out / "result.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
