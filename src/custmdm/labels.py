"""Labelled record pairs: a handful of "same customer / not the same" answers from a person.

They calibrate the link threshold (:func:`custmdm.clustering.threshold.calibrate_threshold`):
of the candidate thresholds, the one whose clusters agree best with the labels is used, and
``report.json`` shows the labels' precision, recall and F1 with and without them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from custmdm.exceptions import ConfigError

LABEL_COLUMNS = ("left_source", "left_record_id", "right_source", "right_record_id", "match")
_TRUE = frozenset({"1", "true", "yes", "y", "t", "match"})
_FALSE = frozenset({"0", "false", "no", "n", "f", "non-match", "nonmatch"})


def read_labelled_pairs(path: str | Path) -> pd.DataFrame:
    """Read a CSV with the columns of :data:`LABEL_COLUMNS`; ``match`` is true/false, 1/0, yes/no."""
    path = Path(path)
    if not path.exists():
        msg = f"labelled pairs file {path} does not exist"
        raise ConfigError(msg)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return check_labelled_pairs(frame)


def check_labelled_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """The labelled pairs with clean ids and a boolean ``match``; clear errors otherwise."""
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        msg = f"labelled pairs need the columns {list(LABEL_COLUMNS)}; missing {missing}"
        raise ConfigError(msg)
    out = frame[list(LABEL_COLUMNS)].astype(str).apply(lambda col: col.str.strip())
    answer = out["match"].str.lower()
    bad = ~answer.isin(_TRUE | _FALSE)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad.to_numpy())[:5])
        msg = f"labelled pairs: 'match' must be true/false, 1/0 or yes/no (data rows {rows})"
        raise ConfigError(msg)
    out["match"] = answer.isin(_TRUE)
    return out.reset_index(drop=True)


def labelled_positions(
    table: pd.DataFrame, labels: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions in ``table`` of both records of every labelled pair, and the answers."""
    index = pd.MultiIndex.from_arrays([table["source"].astype(str), table["record_id"].astype(str)])
    position = pd.Series(np.arange(len(table)), index=index)
    sides = []
    for side in ("left", "right"):
        keys = pd.MultiIndex.from_arrays([labels[f"{side}_source"], labels[f"{side}_record_id"]])
        found = position.reindex(keys)
        if found.isna().any():
            row = int(np.flatnonzero(found.isna().to_numpy())[0])
            msg = (
                f"labelled pair {row + 1}: record {keys[row][0]}:{keys[row][1]} is not among "
                "the input records"
            )
            raise ConfigError(msg)
        sides.append(found.to_numpy(dtype=np.int64))
    return sides[0], sides[1], labels["match"].to_numpy(dtype=bool)
