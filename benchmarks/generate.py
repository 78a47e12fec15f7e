"""Write a synthetic multi-department company to disk for benchmarks.

Usage::

    python benchmarks/generate.py --records 100000 --seed 1 [--stress] --out benchmarks/data/gen_100k

Writes ``<source>.csv`` for the six departmental systems, ``truth.csv`` (the real person
behind every record plus hard-case tags) and ``config.yaml``.  Large sizes (up to ten
million records) are streamed in chunks of people, so memory stays bounded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from custmdm.datasets.synthetic import write_generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, required=True, help="total records, all sources")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stress", action="store_true", help="harder hard cases")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--chunk-people",
        type=int,
        default=400_000,
        help="people generated per chunk (bounds memory)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    config = write_generated(
        args.out,
        args.records,
        seed=args.seed,
        stress=args.stress,
        chunk_people=args.chunk_people,
    )
    elapsed = time.perf_counter() - start
    print(f"wrote {args.records:,} records to {config.parent} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
