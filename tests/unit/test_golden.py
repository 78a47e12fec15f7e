"""Golden records built in chunks of clusters, in one process or several, equal those built
in one pass."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import custmdm
from custmdm import pipeline
from custmdm.config import load_config
from custmdm.merge import golden
from custmdm.pipeline import Resolver


@pytest.fixture(scope="module")
def resolved(company_2k_dir: Path) -> custmdm.ResolutionResult:
    return Resolver(company_2k_dir).run()


@pytest.mark.parametrize(
    ("chunk_records", "workers"), [(7, 1), (97, 1), (1_000, 1), (97, 2), (300, 3)]
)
def test_chunks_give_the_one_pass_result(
    resolved: custmdm.ResolutionResult,
    chunk_records: int,
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table, extras = resolved.prepared.table, resolved.prepared.extras
    labels = resolved.crosswalk["customer_id"].factorize()[0]
    first = pd.Series(range(len(labels))).groupby(labels).transform("min").to_numpy()
    one_pass = golden.build_golden(table, extras, first)
    monkeypatch.setattr(golden, "MERGE_CHUNK_RECORDS", chunk_records)
    chunked = golden.build_golden(table, extras, first, workers=workers)
    pd.testing.assert_frame_equal(chunked.golden, one_pass.golden)
    pd.testing.assert_frame_equal(chunked.lineage, one_pass.lineage)
    pd.testing.assert_frame_equal(chunked.crosswalk, one_pass.crosswalk)
    assert chunked.golden.to_csv(index=False) == one_pass.golden.to_csv(index=False)
    assert chunked.lineage.to_csv(index=False) == one_pass.lineage.to_csv(index=False)


def test_extra_values_as_text_keep_their_kind() -> None:
    values = pd.array([1, True, 1.0, "1"], dtype=object).to_numpy()
    assert golden._as_text(values).tolist() == ["1", "True", "1.0", "1"]
    assert golden._as_text(values[3:]).tolist() == ["1"]


def test_lineage_text_columns_are_categories_in_text_order(
    resolved: custmdm.ResolutionResult,
) -> None:
    lineage = resolved.lineage
    assert len(lineage) > len(resolved.crosswalk)  # several attributes per record
    as_text = lineage.astype(str)
    for col in ("customer_id", "attribute", "source", "record_id"):
        assert isinstance(lineage[col].dtype, pd.CategoricalDtype)
        categories = lineage[col].cat.categories.tolist()
        assert categories == sorted(set(as_text[col]))  # only values that occur, sorted
    # rows in (customer_id, attribute, value, source, record_id) order, as text
    key = list(zip(*(as_text[c] for c in golden.LINEAGE_COLUMNS), strict=True))
    assert key == sorted(key)
    # sorting by the categorical columns keeps that order
    resorted = lineage.sort_values(list(golden.LINEAGE_COLUMNS), kind="stable")
    assert resorted.index.tolist() == list(range(len(lineage)))
    # the lineage of one customer, selected by its id as text
    cid = str(lineage["customer_id"].iat[0])
    assert (lineage["customer_id"] == cid).sum() >= 1


def test_a_run_merges_with_its_workers(
    company_2k_dir: Path, resolved: custmdm.ResolutionResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    build = golden.build_golden

    def spy(*args: object, workers: int = 1) -> golden.GoldenResult:
        seen.append(workers)
        return build(*args, workers=workers)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "build_golden", spy)
    monkeypatch.setattr(golden, "MERGE_CHUNK_RECORDS", 300)
    config = load_config(company_2k_dir)
    two = Resolver(config.model_copy(update={"workers": 2})).run()
    one = Resolver(config.model_copy(update={"workers": 1})).run()
    assert seen == [2, 1]
    for name in ("golden", "lineage", "crosswalk"):
        pd.testing.assert_frame_equal(getattr(two, name), getattr(resolved, name))
        pd.testing.assert_frame_equal(getattr(one, name), getattr(resolved, name))
    monkeypatch.setattr(pipeline, "PARALLEL_MERGE_RECORDS", 1_000)  # above it: one process
    Resolver(config.model_copy(update={"workers": 2})).run()
    assert seen[-1] == 1
