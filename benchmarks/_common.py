"""Small helpers shared by the benchmark scripts (not part of the custmdm package).

Every tool run by the harness leaves the same two files in its output directory, so the
harness scores all tools the same way:

* ``crosswalk.csv`` — columns exactly ``source,record_id,customer_id``, one row per input
  record;
* ``report.json`` — at least ``{"counts": {"candidate_pairs": int, ...},
  "timings": {stage: seconds, ...}}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

CROSSWALK_COLUMNS = ["source", "record_id", "customer_id"]
TRUTH_COLUMNS = ["source", "record_id", "person_id"]


def read_yaml(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or "sources" not in data:
        msg = f"{path}: expected a custmdm config with a 'sources' list"
        raise ValueError(msg)
    return data


def write_yaml(path: str | Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    Path(path).write_text(text, encoding="utf-8")


def read_source_csv(config_path: str | Path, source: dict[str, Any]) -> pd.DataFrame:
    """Read one source of a config as all-string columns, empty cells as NA."""
    path = Path(source["path"])
    if not path.is_absolute():
        path = Path(config_path).parent / path
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def read_truth(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_crosswalk(path: str | Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(frame.columns) != CROSSWALK_COLUMNS:
        msg = f"{path}: columns must be exactly {CROSSWALK_COLUMNS}, got {list(frame.columns)}"
        raise ValueError(msg)
    return frame


def write_report(out_dir: str | Path, report: dict[str, Any]) -> None:
    Path(out_dir, "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


class Stopwatch:
    """Named, sequential stage timings in seconds."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 4)

    def total(self) -> float:
        return round(time.perf_counter() - self._start, 4)
