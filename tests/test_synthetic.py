"""Tests for the synthetic multi-department company generator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from custmdm.datasets.synthetic import (
    SOURCES,
    TRUTH_TAGS,
    SyntheticCompany,
    demo_dir,
    generate,
    make_config,
    write_generated,
)
from custmdm.schema import CANONICAL_FIELDS as SCHEMA_FIELDS

CANONICAL_FIELDS = set(SCHEMA_FIELDS)
SOURCE_KEYS = {
    "name",
    "path",
    "id",
    "phone_regions",
    "date_format",
    "trust",
    "updated_at",
    "fields",
}


@pytest.fixture(scope="module")
def company() -> SyntheticCompany:
    return generate(6000, seed=11)


@pytest.fixture(scope="module")
def stressed() -> SyntheticCompany:
    return generate(6000, seed=11, stress=True)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _assert_same(a: SyntheticCompany, b: SyntheticCompany) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert a.config == b.config


def test_exact_record_count(company: SyntheticCompany) -> None:
    assert sum(len(t) for t in company.tables.values()) == 6000
    assert len(company.truth) == 6000
    assert list(company.tables) == list(SOURCES)


@pytest.mark.parametrize("n", [0, 1, 7, 250])
def test_small_sizes(n: int) -> None:
    c = generate(n, seed=3)
    assert sum(len(t) for t in c.tables.values()) == n
    assert len(c.truth) == n


def test_deterministic_same_seed() -> None:
    _assert_same(generate(1500, seed=5), generate(1500, seed=5))
    _assert_same(generate(800, seed=5, stress=True), generate(800, seed=5, stress=True))


def test_different_seed_differs() -> None:
    a, b = generate(1500, seed=5), generate(1500, seed=6)
    assert not a.tables["billing"].equals(b.tables["billing"])
    c = generate(1500, seed=5, stress=True)
    assert not a.truth.equals(c.truth)


def test_deterministic_across_processes(tmp_path: Path) -> None:
    """Output must not depend on PYTHONHASHSEED (no hash() or set order anywhere)."""
    code = (
        "import sys; from custmdm.datasets.synthetic import generate;"
        "generate(400, seed=9, stress=True).write(sys.argv[1])"
    )
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / hashseed)], check=True, env=env)
    for name in [*SOURCES, "truth"]:
        one = (tmp_path / "1" / f"{name}.csv").read_bytes()
        two = (tmp_path / "2" / f"{name}.csv").read_bytes()
        assert one == two, name


def test_ids_unique_and_truth_complete(company: SyntheticCompany) -> None:
    truth = company.truth
    for source, table in company.tables.items():
        id_col = next(s["id"] for s in company.config["sources"] if s["name"] == source)
        assert table.columns[0] == id_col
        assert table[id_col].is_unique, source
        ids = truth.loc[truth["source"] == source, "record_id"]
        assert sorted(ids) == sorted(table[id_col])
    assert not truth.duplicated(["source", "record_id"]).any()
    assert truth["person_id"].notna().all()


def test_all_columns_are_strings(company: SyntheticCompany) -> None:
    for table in company.tables.values():
        for col in table.columns:
            assert all(isinstance(v, str) for v in table[col]), col


def test_config_shape_and_columns_exist(company: SyntheticCompany) -> None:
    config = company.config
    assert config == make_config()
    assert set(config) == {"sources"}
    names = [s["name"] for s in config["sources"]]
    assert names == list(SOURCES)
    for src in config["sources"]:
        assert set(src) <= SOURCE_KEYS
        assert {"name", "path", "id", "fields"} <= set(src)
        assert src["path"] == f"{src['name']}.csv"
        assert src["phone_regions"] == ["RU", "US"]
        assert set(src["fields"]) <= CANONICAL_FIELDS
        columns = set(company.tables[src["name"]].columns)
        assert src["id"] in columns
        assert set(src["fields"].values()) <= columns
        if "updated_at" in src:
            assert src["updated_at"] in columns
        # 0–2 extra unmapped columns ride along.
        mapped = {src["id"], src.get("updated_at"), *src["fields"].values()}
        assert len(columns - mapped) <= 2


def test_date_formats_match_config(company: SyntheticCompany) -> None:
    for src in company.config["sources"]:
        if "date_format" not in src:
            continue
        values = company.tables[src["name"]][src["fields"]["birth_date"]]
        values = values[values != ""]
        parsed = pd.to_datetime(values, format=src["date_format"], errors="coerce")
        assert parsed.notna().all(), src["name"]


def test_people_span_sources(company: SyntheticCompany) -> None:
    per_person = company.truth.groupby("person_id")["source"].nunique()
    assert per_person.max() <= 5
    assert 0.35 < (per_person == 1).mean() < 0.75
    assert (per_person >= 3).mean() > 0.1


def test_hard_case_rates(company: SyntheticCompany) -> None:
    rates = company.truth[list(TRUTH_TAGS)].mean()
    assert 0.15 < rates["is_family"] < 0.45
    assert 0.005 < rates["is_twin"] < 0.08
    assert 0.003 < rates["is_junior"] < 0.05
    assert 0.01 < rates["is_namesake"] < 0.12
    assert 0.1 < rates["is_translit"] < 0.3
    assert 0.03 < rates["is_nickname"] < 0.2
    assert 0.02 < rates["is_typo"] < 0.12
    assert 0.05 < rates["is_moved"] < 0.2
    assert 0.03 < rates["is_duplicate"] < 0.2
    assert 0.0005 < rates["is_shared_phone"] < 0.02


def test_stress_has_more_namesakes_and_shared_emails(
    company: SyntheticCompany, stressed: SyntheticCompany
) -> None:
    assert stressed.truth["is_namesake"].mean() > 2 * company.truth["is_namesake"].mean()

    def strangers_sharing_email(c: SyntheticCompany) -> int:
        frames = []
        for src in c.config["sources"]:
            col = src["fields"].get("email")
            if col is None:
                continue
            t = c.tables[src["name"]]
            ids = c.truth.set_index(["source", "record_id"])["person_id"]
            person = ids.loc[[(src["name"], r) for r in t[src["id"]]]].to_numpy()
            frames.append(pd.DataFrame({"email": t[col].str.lower(), "person": person}))
        e = pd.concat(frames)
        e = e[e["email"].str.contains("@") & (e["email"] != "noemail@mail.ru")]
        per_email = e.drop_duplicates().groupby("email")["person"].nunique()
        return int((per_email > 1).sum())

    # Typos in marketing can make two people's addresses collide, rarely; stress shares many.
    assert strangers_sharing_email(stressed) > 5 * max(strangers_sharing_email(company), 1)


def test_family_members_share_surname_stem_and_address(company: SyntheticCompany) -> None:
    truth = company.truth
    fam = truth[truth["is_family"] & (truth["source"] == "billing")]
    assert len(fam) > 20


def test_webshop_russians_are_latin(company: SyntheticCompany) -> None:
    web = company.tables["webshop"]
    translit = company.truth.loc[company.truth["source"] == "webshop", "is_translit"].to_numpy()
    truth_ids = company.truth.loc[company.truth["source"] == "webshop", "record_id"].to_numpy()
    by_id = dict(zip(truth_ids, translit, strict=True))
    flags = np.array([by_id[i] for i in web["user_id"]])
    assert flags.mean() > 0.5
    latin = web["last_name"].str.fullmatch(r"[A-Za-z' -]+")
    assert latin.all()


def test_pos_names_are_given_plus_initial(company: SyntheticCompany) -> None:
    names = company.tables["pos_loyalty"]["holder_name"]
    assert names.str.fullmatch(r"\S+ \S\.").mean() > 0.95


def test_write_round_trip(tmp_path: Path) -> None:
    c = generate(300, seed=2)
    path = c.write(tmp_path)
    assert path == tmp_path / "config.yaml"
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == c.config
    for name, table in c.tables.items():
        pd.testing.assert_frame_equal(_read(tmp_path / f"{name}.csv"), table)


def test_write_generated_chunks(tmp_path: Path) -> None:
    n = 5000
    out1 = write_generated(tmp_path / "a", n, seed=4, chunk_people=700).parent
    out2 = write_generated(tmp_path / "b", n, seed=4, chunk_people=700).parent
    truth = _read(out1 / "truth.csv")
    assert len(truth) == n
    total = 0
    for src in make_config()["sources"]:
        t = _read(out1 / src["path"])
        total += len(t)
        assert t[src["id"]].is_unique, src["name"]
        assert (out1 / src["path"]).read_bytes() == (out2 / src["path"]).read_bytes()
    assert total == n
    assert not truth.duplicated(["source", "record_id"]).any()
    assert (out1 / "truth.csv").read_bytes() == (out2 / "truth.csv").read_bytes()
    # More than one chunk was written and person ids do not clash across chunks.
    people = truth.groupby("person_id")["source"].size()
    assert people.max() <= 12
    assert truth["person_id"].nunique() > 700


def test_write_generated_phones_unique_across_chunks(tmp_path: Path) -> None:
    out = write_generated(tmp_path, 4000, seed=8, chunk_people=500).parent
    truth = _read(out / "truth.csv")
    web = _read(out / "webshop.csv").merge(
        truth[truth["source"] == "webshop"], left_on="user_id", right_on="record_id"
    )
    web = web[web["email"].str.contains("@")]
    per_email = web.groupby(web["email"].str.lower())["person_id"].nunique()
    assert (per_email > 1).sum() == 0


def test_demo_files_are_current() -> None:
    directory = demo_dir()
    expected = generate(300, seed=7)
    config = yaml.safe_load((directory / "config.yaml").read_text(encoding="utf-8"))
    assert config == expected.config
    for name, table in expected.tables.items():
        pd.testing.assert_frame_equal(_read(directory / f"{name}.csv"), table)
    truth = _read(directory / "truth.csv")
    pd.testing.assert_frame_equal(truth, expected.truth.astype(str))


def test_cli(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    subprocess.run(
        [sys.executable, str(script), "--records", "500", "--seed", "1", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert len(_read(tmp_path / "truth.csv")) == 500


def test_rejects_negative() -> None:
    with pytest.raises(ValueError, match="n_records"):
        generate(-1)


def test_household_invariants() -> None:
    """Families share surname, address and landline; twins a birth date; juniors a name."""
    from custmdm.datasets import synthetic as s

    pools = s._pools_arrays()
    rng = np.random.default_rng(0)
    people = s._draw_people(rng, 20_000, stress=False, pools=pools, registry=s._Registry())
    anchor = people.household
    member = anchor != np.arange(people.n)
    assert member.mean() > 0.1
    assert (people.sur[member] == people.sur[anchor[member]]).all()
    assert (people.ru[member] == people.ru[anchor[member]]).all()
    for key in people.addr:
        assert (people.addr[key][member] == people.addr[key][anchor[member]]).all()
    assert (people.home[member] == people.home[anchor[member]]).all()
    twins = people.role == s._TWIN
    assert twins.sum() > 50
    assert (people.birth[twins] == people.birth[anchor[twins]]).all()
    assert (people.given[twins] != people.given[anchor[twins]]).all()
    assert (people.home[twins] >= 0).all()
    junior = people.role == s._JUNIOR
    assert junior.sum() > 50
    assert (people.given[junior] == people.given[anchor[junior]]).all()
    assert (people.birth[junior] - people.birth[anchor[junior]] > 18 * 365).all()
    spouse = people.role == s._SPOUSE
    assert (people.sex[spouse] != people.sex[anchor[spouse]]).all()
    # Strangers never share a mobile or an e-mail by accident (outside stress mode).
    assert len(np.unique(people.mobile)) == people.n
    assert pd.Series(people.email1.astype(object)).is_unique


def test_write_generated_single_chunk_equals_generate(tmp_path: Path) -> None:
    generate(1200, seed=3, stress=True).write(tmp_path / "a")
    write_generated(tmp_path / "b", 1200, seed=3, stress=True)
    for name in [*SOURCES, "truth"]:
        a = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.csv").read_bytes(), name
