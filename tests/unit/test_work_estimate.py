"""The estimate that orders sources among normalisation workers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from custmdm.config import parse_config
from custmdm.prepare import _estimated_rows, _estimated_work


def _config(tmp_path: Path) -> object:
    rows = 5_000
    pd.DataFrame(
        {
            "id": range(rows),
            "name": "Иванов Иван",
            "phone": "+7 916 123-45-67",
            "addr": "ул. Ленина, д. 5",
        }
    ).to_csv(tmp_path / "wide.csv", index=False)
    pd.DataFrame({"id": range(rows), "email": "a@b.ru"}).to_parquet(tmp_path / "narrow.parquet")
    return parse_config(
        {
            "sources": [
                {
                    "name": "wide",
                    "path": str(tmp_path / "wide.csv"),
                    "id": "id",
                    "fields": {"full_name": "name", "phone": "phone", "address": "addr"},
                },
                {
                    "name": "narrow",
                    "path": str(tmp_path / "narrow.parquet"),
                    "id": "id",
                    "fields": {"email": "email"},
                },
                {"name": "memory", "id": "id", "fields": {"email": "email"}},
            ]
        }
    )


def test_rows_are_estimated_from_files_and_counted_in_memory(tmp_path: Path) -> None:
    config = _config(tmp_path)
    wide, narrow, memory = config.sources
    assert abs(_estimated_rows(config, wide, None) - 5_001) <= 250  # an estimate: within 5%
    assert _estimated_rows(config, narrow, None) == 5_000
    table = pd.DataFrame({"id": range(7), "email": "x@y.z"})
    assert _estimated_rows(config, memory, {"memory": table}) == 7
    assert _estimated_rows(config, memory, None) == 0  # no file, no table: nothing to weigh


def test_parsed_fields_weigh_more_than_plain_ones(tmp_path: Path) -> None:
    config = _config(tmp_path)
    wide, narrow, _ = config.sources
    assert _estimated_work(config, wide, None) > 5 * _estimated_work(config, narrow, None)
