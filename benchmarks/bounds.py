"""How far perfect scoring could go with a run's candidate pairs: upper bounds on F1.

Usage::

    custmdm resolve D/config.yaml --out O
    python benchmarks/bounds.py O D/truth.csv

Two bounds, both from ``O/pairs.parquet`` (every candidate pair with its comparison levels)
and the truth:

* **oracle on candidates** — link exactly the candidate pairs that are true matches, then take
  connected components. No scoring can do better with these candidates: a person whose
  records share no candidate pair stays split.
* **best decision per agreement pattern** — link a candidate pair when most candidate pairs
  with its combination of comparison levels are true matches. A model that sees only the
  levels (as a Fellegi–Sunter model does) cannot beat this on pairs; the figure is for pairs,
  before clustering.

Beside them, the run's own pairwise scores, so the gap splits into "missing candidates"
(blocking) and "wrong decisions on candidates" (scoring).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from custmdm.evaluation import evaluate_crosswalk


def _record_keys(source: pd.Series, record_id: pd.Series) -> pd.Series:
    return source.astype(str) + "\x1f" + record_id.astype(str)


def bounds(out_dir: Path, truth: pd.DataFrame) -> dict[str, dict[str, float]]:
    pairs = pd.read_parquet(out_dir / "pairs.parquet")
    crosswalk = pd.read_csv(out_dir / "crosswalk.csv", dtype=str, keep_default_na=False)
    keys = _record_keys(crosswalk["source"], crosswalk["record_id"])
    position = pd.Series(np.arange(len(keys)), index=keys)
    person_of = pd.Series(
        truth["person_id"].to_numpy(), index=_record_keys(truth["source"], truth["record_id"])
    )
    left = position[_record_keys(pairs["left_source"], pairs["left_record_id"])].to_numpy()
    right = position[_record_keys(pairs["right_source"], pairs["right_record_id"])].to_numpy()
    true_pair = (
        person_of[keys.to_numpy()[left]].to_numpy() == person_of[keys.to_numpy()[right]].to_numpy()
    )

    def scores(labels: np.ndarray) -> dict[str, float]:
        result = evaluate_crosswalk(crosswalk.assign(customer_id=labels.astype(str)), truth)
        return {
            "pairwise_precision": round(result["pairwise"].precision, 4),
            "pairwise_recall": round(result["pairwise"].recall, 4),
            "pairwise_f1": round(result["pairwise"].f1, 4),
            "bcubed_f1": round(result["bcubed"].f1, 4),
        }

    n = len(keys)
    graph = coo_matrix(
        (np.ones(int(true_pair.sum())), (left[true_pair], right[true_pair])), shape=(n, n)
    )
    _, oracle_labels = connected_components(graph, directed=False)
    out = {
        "run": scores(crosswalk["customer_id"].to_numpy()),
        "oracle_on_candidates": scores(oracle_labels),
    }

    levels = [c for c in pairs.columns if c.startswith("level_")]
    patterns = pairs[levels].assign(true_pair=true_pair, linked=pairs["match_probability"] >= 0.5)
    grouped = patterns.groupby(levels).agg(n=("true_pair", "size"), true=("true_pair", "sum"))
    best_true_positives = grouped["true"].where(grouped["true"] * 2 > grouped["n"], 0).sum()
    best_false_positives = (
        (grouped["n"] - grouped["true"]).where(grouped["true"] * 2 > grouped["n"], 0).sum()
    )
    all_true = int(true_pair.sum())
    run_tp = int((patterns["linked"] & patterns["true_pair"]).sum())
    run_fp = int((patterns["linked"] & ~patterns["true_pair"]).sum())
    out["candidate_pairs"] = {
        "candidates": len(pairs),
        "true_candidates": all_true,
        "best_pattern_errors": int(all_true - best_true_positives + best_false_positives),
        "run_errors": int(all_true - run_tp + run_fp),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="output folder of custmdm resolve")
    parser.add_argument("truth", type=Path, help="truth.csv: source, record_id, person_id")
    args = parser.parse_args(argv)
    truth = pd.read_csv(args.truth, dtype=str, keep_default_na=False)
    for name, values in bounds(args.out_dir, truth).items():
        print(f"{name:22s} " + "  ".join(f"{k}={v}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
