"""The local and Spark engines give the same resolution of the same 10 000 records.

Same partition, same pairs and levels, match weights and probabilities within 1e-9, the same
golden records, lineage, crosswalk and quality flags. Also the Parquet paths of the Spark
engine: sources read from Parquet files, outputs written as Parquet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from custmdm.config import ResolverConfig
from custmdm.datasets.synthetic import generate, make_config
from custmdm.pipeline import ResolutionResult, Resolver

N_RECORDS = 10_000
SEED = 11
PAIR_KEY = ["left_source", "left_record_id", "right_source", "right_record_id"]


def _config(**changes: Any) -> ResolverConfig:
    data = make_config()
    # fewer random pairs for u keeps the test quick; both engines use the same sample
    data["u_sample_pairs"] = 200_000
    data.update(changes)
    return ResolverConfig.model_validate(data)


@pytest.fixture(scope="module")
def both(spark: Any) -> tuple[ResolutionResult, ResolutionResult]:
    company = generate(N_RECORDS, seed=SEED)
    config = _config()
    local = Resolver(config).run(company.tables)
    remote = Resolver(config, engine="spark", spark=spark).run(company.tables)
    return local, remote


def _partition(result: ResolutionResult) -> set[frozenset[tuple[str, str]]]:
    groups = result.crosswalk.groupby("customer_id")
    return {frozenset(zip(g["source"], g["record_id"], strict=True)) for _, g in groups}


def test_same_prepared_records(both: tuple[ResolutionResult, ResolutionResult]) -> None:
    local, remote = both
    pd.testing.assert_frame_equal(local.prepared.table, remote.prepared.table)
    pd.testing.assert_frame_equal(local.prepared.extras, remote.prepared.extras)
    pd.testing.assert_frame_equal(local.quality, remote.quality)


def test_same_partition(both: tuple[ResolutionResult, ResolutionResult]) -> None:
    local, remote = both
    assert len(local.crosswalk) == N_RECORDS
    assert _partition(local) == _partition(remote)
    pd.testing.assert_frame_equal(local.crosswalk, remote.crosswalk)


def test_same_pairs_levels_and_scores(both: tuple[ResolutionResult, ResolutionResult]) -> None:
    local, remote = both
    lp, rp = local.pairs, remote.pairs
    assert len(lp) > 1000
    # the local engine keeps the pair sides as categoricals (memory); compare them as text
    pd.testing.assert_frame_equal(lp[PAIR_KEY].astype(str), rp[PAIR_KEY].astype(str))
    levels = [c for c in lp.columns if c.startswith("level_")]
    np.testing.assert_array_equal(lp[levels].to_numpy(), rp[levels].to_numpy())
    for col in ("match_weight", "match_probability"):
        np.testing.assert_allclose(rp[col].to_numpy(), lp[col].to_numpy(), rtol=0, atol=1e-9)


def test_same_model(both: tuple[ResolutionResult, ResolutionResult]) -> None:
    local, remote = both
    lm, rm = local.model, remote.model
    assert lm.lambda_ == pytest.approx(rm.lambda_, rel=1e-12)
    assert lm.m_ is not None and rm.m_ is not None and lm.u_ is not None and rm.u_ is not None
    for a, b in zip(lm.m_ + lm.u_, rm.m_ + rm.u_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_same_golden_records_and_lineage(
    both: tuple[ResolutionResult, ResolutionResult],
) -> None:
    local, remote = both
    pd.testing.assert_frame_equal(
        local.golden.astype(object), remote.golden.astype(object), check_dtype=False
    )
    pd.testing.assert_frame_equal(local.lineage, remote.lineage)


def test_same_report_counts(both: tuple[ResolutionResult, ResolutionResult]) -> None:
    local, remote = both
    assert local.report["counts"] == remote.report["counts"]
    assert local.report["generic_values"] == remote.report["generic_values"] or [
        (g["key"], g["records"]) for g in local.report["generic_values"]
    ] == [(g["key"], g["records"]) for g in remote.report["generic_values"]]
    assert local.report["clusters_split"] == remote.report["clusters_split"]
    # both engines join exclusive partners, and this data has some to join
    assert local.report["exclusive_joins"] == remote.report["exclusive_joins"] > 0


def test_parquet_sources_and_outputs(spark: Any, tmp_path: Path) -> None:
    """Sources given as .parquet paths are read by Spark; outputs are written as Parquet."""
    from custmdm.backends.spark import resolve

    company = generate(1_500, seed=3)
    data = make_config()
    data["u_sample_pairs"] = 50_000
    for source in data["sources"]:
        name = source["name"]
        company.tables[name].to_parquet(tmp_path / f"{name}.parquet", index=False)
        source["path"] = f"{name}.parquet"
    data["base_dir"] = str(tmp_path)
    config = ResolverConfig.model_validate(data)

    local = Resolver(config).run()
    resolution = resolve(Resolver(config, engine="spark", spark=spark))
    out = tmp_path / "out"
    resolution.write_parquet(str(out))
    crosswalk = pd.read_parquet(out / "crosswalk")
    crosswalk = crosswalk.sort_values(["source", "record_id"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(local.crosswalk, crosswalk)
    golden = pd.read_parquet(out / "golden")
    assert len(golden) == len(local.golden)
    pairs = pd.read_parquet(out / "pairs").sort_values(PAIR_KEY, kind="stable")
    expected = local.pairs.sort_values(PAIR_KEY, kind="stable")
    np.testing.assert_allclose(
        pairs["match_weight"].to_numpy(), expected["match_weight"].to_numpy(), atol=1e-9
    )
    assert (out / "model.json").exists() and (out / "report.json").exists()
