"""``custmdm ingest`` / ``lookup`` / ``export`` end to end on a SQLite store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from custmdm.cli import main


def test_ingest_lookup_export(
    small_company: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = small_company.data.write(tmp_path / "data")  # the config file
    small_company.model.save(tmp_path / "model.json")
    store = tmp_path / "s.db"
    assert (
        main(
            ["ingest", str(config), "--store", str(store), "--model", str(tmp_path / "model.json")]
        )
        == 0
    )
    assert "batch 1" in capsys.readouterr().out
    assert main(["ingest", str(config), "--store", str(store)]) == 0
    assert "nothing changed" in capsys.readouterr().out

    prepared = small_company.result.prepared.table
    phone = next(p for p in prepared["phone"] if p and str(p).startswith("+7"))
    assert main(["lookup", "--store", str(store), "--phone", "8" + str(phone)[2:]]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {"customer_id", "score"} <= set(hits[0])

    assert main(["export", "--store", str(store), "--out", str(tmp_path / "out")]) == 0
    crosswalk = pd.read_csv(tmp_path / "out" / "crosswalk.csv", dtype=str)
    assert list(crosswalk.columns) == ["source", "record_id", "customer_id"]
    assert len(crosswalk) == len(small_company.result.crosswalk)


def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--store", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("custmdm: error:") and err.count("\n") == 1
    assert main(["export", "--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "o")]) == 2
    assert main(["ingest", str(tmp_path / "missing.yaml"), "--store", str(tmp_path / "s.db")]) == 2
    assert main(["lookup", "--store", "nosuch://x", "--phone", "1"]) == 2
