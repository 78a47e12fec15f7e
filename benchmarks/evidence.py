"""What the people split by blocking still share: the evidence left for any method.

Usage::

    custmdm resolve D/config.yaml --out O
    python benchmarks/evidence.py O D

The candidate pairs of ``O/pairs.parquet`` that are true matches are joined into pieces
(connected components); a person whose records fall into several pieces is split before
any scoring. For every two pieces of one person, the best pair of records across them is
classified by what agrees exactly between the two records after normalisation: phone (any
of the record's phones), email (any), birth date, first name, surname, or only the
surname's first letter. A table counts the pairs of pieces per combination.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from custmdm.config import load_config
from custmdm.prepare import prepare


def _keys(source: pd.Series, record_id: pd.Series) -> list[tuple[str, str]]:
    return list(zip(source, record_id, strict=True))


def _values(cell: object) -> set[str]:
    return set(cell.split()) if isinstance(cell, str) else set()


def _agreement(a: pd.Series, b: pd.Series) -> tuple[str, ...]:
    out = []
    if _values(a["phones"]) & _values(b["phones"]):
        out.append("phone")
    if _values(a["emails"]) & _values(b["emails"]):
        out.append("email")
    for column, name in (("birth_date", "birth date"), ("first_key", "first name")):
        if isinstance(a.get(column), str) and a.get(column) == b.get(column):
            out.append(name)
    last_a, last_b = a.get("last_key"), b.get("last_key")
    if isinstance(last_a, str) and isinstance(last_b, str) and last_a and last_b:
        if last_a == last_b:
            out.append("surname")
        elif last_a[0] == last_b[0]:
            out.append("surname's first letter")
    return tuple(out)


def split_evidence(out_dir: Path, data_dir: Path) -> Counter[tuple[str, ...]]:
    config = load_config(data_dir / "config.yaml")
    table = prepare(config).table.reset_index(drop=True)
    truth = pd.read_csv(data_dir / "truth.csv", dtype=str)
    person = pd.Series(
        truth["person_id"].to_numpy(), index=_keys(truth["source"], truth["record_id"])
    )
    keys = _keys(table["source"], table["record_id"])
    table["person"] = person.loc[keys].to_numpy()
    position = pd.Series(np.arange(len(keys)), index=keys)
    pairs = pd.read_parquet(out_dir / "pairs.parquet")
    left = position.loc[_keys(pairs["left_source"], pairs["left_record_id"])].to_numpy()
    right = position.loc[_keys(pairs["right_source"], pairs["right_record_id"])].to_numpy()
    people = table["person"].to_numpy()
    true = people[left] == people[right]
    n = len(table)
    graph = coo_matrix((np.ones(int(true.sum())), (left[true], right[true])), shape=(n, n))
    _, table["piece"] = connected_components(graph, directed=False)
    counts: Counter[tuple[str, ...]] = Counter()
    for _, records in table.groupby("person"):
        pieces = [group for _, group in records.groupby("piece")]
        for first, second in itertools.combinations(pieces, 2):
            best: tuple[str, ...] = ()
            for (_, a), (_, b) in itertools.product(first.iterrows(), second.iterrows()):
                found = _agreement(a, b)
                if len(found) > len(best):
                    best = found
            counts[best] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="output folder of custmdm resolve")
    parser.add_argument("data_dir", type=Path, help="generated data folder (config, truth)")
    args = parser.parse_args(argv)
    counts = split_evidence(args.out_dir, args.data_dir)
    print("| what agrees exactly | pairs of pieces |")
    print("|---|---:|")
    for agrees, count in counts.most_common():
        print(f"| {' + '.join(agrees) or 'nothing'} | {count} |")
    print(f"\n{sum(counts.values())} pairs of pieces of split people")
    return 0


if __name__ == "__main__":
    sys.exit(main())
