"""The master data store against SQLite and PostgreSQL (see conftest.store_url)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from custmdm.config import parse_config
from custmdm.exceptions import StoreError
from custmdm.prepare import prepare
from custmdm.store import Store

Company = Any  # conftest.Company: .config, .tables, .result, .model


def partition(crosswalk: pd.DataFrame) -> set[frozenset[tuple[str, str]]]:
    groups: dict[str, set[tuple[str, str]]] = {}
    for src, rid, cid in crosswalk[["source", "record_id", "customer_id"]].itertuples(index=False):
        groups.setdefault(cid, set()).add((src, rid))
    return {frozenset(g) for g in groups.values()}


def _ingest_one_by_one(store: Store, company: Company) -> None:
    for name, table in company.tables.items():
        store.ingest(company.config, {name: table}, model=company.model)


# -- the headline: incremental == batch ------------------------------------------------


def test_one_source_at_a_time_gives_the_batch_partition(
    store_url: str, company: Company, tmp_path: Path
) -> None:
    store = Store(store_url)
    _ingest_one_by_one(store, company)
    crosswalk = store.crosswalk()
    assert len(crosswalk) == len(company.result.crosswalk)  # every record present
    batch = partition(company.result.crosswalk)
    incremental = partition(crosswalk)
    differ = set().union(*(batch ^ incremental)) if batch != incremental else set()
    assert len(differ) == 0

    # export writes what a batch resolve writes (up to the ids)
    out = store.export(tmp_path / "export")
    company.result.write(tmp_path / "batch")
    ids = dict(
        zip(
            pd.read_csv(out / "crosswalk.csv", dtype=str)["customer_id"],
            company.result.crosswalk["customer_id"],
            strict=True,
        )
    )
    for name in ("golden.csv", "lineage.csv"):
        mine = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        theirs = pd.read_csv(tmp_path / "batch" / name, dtype=str, keep_default_na=False)
        assert list(mine.columns) == list(theirs.columns)
        mine["customer_id"] = mine["customer_id"].map(ids)
        key = list(theirs.columns)
        pd.testing.assert_frame_equal(
            mine.sort_values(key).reset_index(drop=True),
            theirs.sort_values(key).reset_index(drop=True),
        )

    # re-ingesting identical data changes nothing
    before = store.stats()
    report = store.ingest(company.config, company.tables, model=company.model)
    assert not report.changed
    assert store.stats() == before
    assert store.crosswalk().equals(crosswalk)
    store.close()


def _first_records(tables: dict[str, pd.DataFrame], n: int) -> dict[str, pd.DataFrame]:
    """The first ``n`` records over the sources, in source order."""
    out = {}
    for name, frame in tables.items():
        out[name] = frame.head(max(n, 0))
        n -= len(out[name])
    assert n <= 0, "not enough unrelated records generated"
    return out


def test_adding_unrelated_customers_changes_no_existing_id(
    store_url: str, small_company: Company
) -> None:
    from custmdm.datasets.synthetic import generate

    store = Store(store_url)
    store.ingest(small_company.config, small_company.tables, model=small_company.model)
    before = store.crosswalk()
    # 10% new people, unrelated to the stored ones: no shared given name, surname, phone or
    # email. (A new namesake is not unrelated: it makes the name more common, which may
    # rightly re-decide a borderline link that rested on the name alone.)
    new = generate(80, seed=4242)
    existing = prepare(small_company.config, small_company.tables).table
    taken = {
        col: set(existing[col].dropna())
        for col in ("first_full_key", "last_full_key", "phone", "email")
    }
    tables = {}
    for src in small_company.config.sources:
        frame = new.tables[src.name].copy().reset_index(drop=True)
        one = parse_config({"sources": [src.model_dump(exclude_none=True)]})
        keys = prepare(one, {src.name: frame}).table.set_index("record_id")
        keys = keys.loc[frame[src.id].astype(str)]
        clash = np.zeros(len(frame), dtype=bool)
        for col, values in taken.items():
            if col in keys:
                clash |= keys[col].isin(values).to_numpy()
        frame = frame[~clash]
        frame[src.id] = "NEW-" + frame[src.id].astype(str)
        tables[src.name] = frame
    tables = {k: v for k, v in _first_records(tables, 30).items() if len(v)}
    config = small_company.config.model_copy(
        update={"sources": [s for s in small_company.config.sources if s.name in tables]}
    )
    report = store.ingest(config, tables)
    assert report.records_new == sum(len(t) for t in tables.values())
    after = store.crosswalk().merge(before, on=["source", "record_id"], suffixes=("", "_before"))
    assert len(after) == len(before)
    assert int((after["customer_id"] != after["customer_id_before"]).sum()) == 0
    store.close()


# -- ids, merges, steward decisions, history ------------------------------------------


def _two_customers(store: Store) -> tuple[str, str, tuple[str, str], tuple[str, str]]:
    cw = store.crosswalk()
    sizes = cw.groupby("customer_id").size().sort_values(ascending=False, kind="stable")
    big, small = sizes.index[0], sizes.index[-1]
    a = tuple(cw[cw.customer_id == big].iloc[0][["source", "record_id"]])
    b = tuple(cw[cw.customer_id == small].iloc[0][["source", "record_id"]])
    return big, small, a, b  # type: ignore[return-value]


def test_merge_keeps_survivor_redirects_loser_and_unmerge_restores(
    store_url: str, small_company: Company
) -> None:
    store = Store(store_url)
    store.ingest(small_company.config, small_company.tables, model=small_company.model)
    big, small, a, b = _two_customers(store)
    untouched_before = store.crosswalk()
    time.sleep(0.01)
    t_before_merge = datetime.now(UTC)
    time.sleep(0.01)
    report = store.must_link(a, b, reason="same person, checked by phone call")
    assert report.customers_merged == 1
    # the customer with more records survives; the loser's id redirects to it
    card = store.customer(small)
    assert card["customer_id"] == big
    assert {"source": b[0], "record_id": b[1]} in card["records"]
    kinds = [e["kind"] for e in store.history(big)]
    assert "absorbed" in kinds and "merged_into" in kinds
    # nobody else changed id
    now = store.crosswalk().merge(untouched_before, on=["source", "record_id"])
    moved = now[now.customer_id_x != now.customer_id_y]
    assert set(moved["customer_id_y"]) <= {small}
    # the past is still there
    past = store.customer(small, as_of=t_before_merge)
    assert past["customer_id"] == small
    assert {"source": b[0], "record_id": b[1]} in past["records"]
    # the steward decision survives a re-ingest of changed data
    tables = {k: v.copy() for k, v in small_company.tables.items()}
    src = small_company.config.sources[0]
    tables[src.name].loc[tables[src.name].index[-1], src.fields["full_name"]] = "Changed Name"
    store.ingest(small_company.config, tables)
    assert store.customer(small)["customer_id"] == big
    store.close()


def test_unmerge_restores_the_merged_id(store_url: str, small_company: Company) -> None:
    store = Store(store_url)
    store.ingest(small_company.config, small_company.tables, model=small_company.model)
    big, small, a, b = _two_customers(store)
    small_records = store.customer(small)["records"]
    store.must_link(a, b)
    assert store.customer(small)["customer_id"] == big
    report = store.unmerge(small)
    assert report.changed
    card = store.customer(small)
    assert card["customer_id"] == small and card["status"] == "active"
    assert card["records"] == small_records
    assert store.customer(big)["customer_id"] == big
    # the cannot-links survive a full re-ingest
    store.ingest(small_company.config, small_company.tables)
    assert store.customer(small)["customer_id"] == small
    store.close()


def test_cannot_link_splits_and_survives_reingest(store_url: str, small_company: Company) -> None:
    store = Store(store_url)
    store.ingest(small_company.config, small_company.tables, model=small_company.model)
    cw = store.crosswalk()
    sizes = cw.groupby("customer_id").size()
    cid = sizes[sizes >= 2].index[0]
    members = cw[cw.customer_id == cid][["source", "record_id"]].itertuples(index=False)
    first, second = (tuple(m) for m in list(members)[:2])
    store.cannot_link(first, second)
    lookup = store.crosswalk().set_index(["source", "record_id"])["customer_id"]
    assert lookup[first] != lookup[second]
    assert cid in (lookup[first], lookup[second])  # one side keeps the id
    tables = {k: v.copy() for k, v in small_company.tables.items()}
    store.ingest(small_company.config, tables)
    lookup = store.crosswalk().set_index(["source", "record_id"])["customer_id"]
    assert lookup[first] != lookup[second]
    store.close()


def test_history_and_state_as_of(store_url: str, small_company: Company) -> None:
    store = Store(store_url)
    names = list(small_company.tables)
    store.ingest(
        small_company.config, {names[0]: small_company.tables[names[0]]}, model=small_company.model
    )
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    store.ingest(small_company.config, {n: small_company.tables[n] for n in names[1:]})
    cw = store.crosswalk()
    mixed = cw.groupby("customer_id")["source"].agg(set)
    cid = next(c for c, srcs in mixed.items() if names[0] in srcs and len(srcs) > 1)
    then = store.customer(cid, as_of=between)
    assert {r["source"] for r in then["records"]} == {names[0]}
    now = store.customer(cid)
    assert len(now["records"]) > len(then["records"])
    assert now["lineage"] and now["golden"]["customer_id"] == cid
    events = store.history(cid)
    assert events[0]["kind"] in ("record_attached", "created")
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    with pytest.raises(StoreError, match="not in the store"):
        store.customer("CNOSUCHCUSTOMER0")
    store.close()


# -- queries -----------------------------------------------------------------------------


def test_lookup_by_phone_email_name(store_url: str, small_company: Company) -> None:
    store = Store(store_url)
    store.ingest(small_company.config, small_company.tables, model=small_company.model)
    cw = store.crosswalk().set_index(["source", "record_id"])["customer_id"]
    src = next(
        s for s in small_company.config.sources if "phone" in s.fields and "email" in s.fields
    )
    table = small_company.tables[src.name]
    prepared = small_company.result.prepared.table.set_index(["source", "record_id"])
    checked = 0
    for _, row in table.head(40).iterrows():
        rid = str(row[src.id]).strip()
        e164 = prepared.loc[(src.name, rid), "phone"]
        if not e164 or not str(e164).startswith("+7"):
            continue
        # the contact centre types the number as 8 (XXX) XXX-XX-XX
        digits = str(e164)[2:]
        typed = f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
        hits = store.lookup(phone=typed)
        assert hits, "a stored phone must be found"
        assert cw[(src.name, rid)] in [h["customer_id"] for h in hits]
        assert hits == sorted(hits, key=lambda h: (-h["match_weight"], h["customer_id"]))
        assert "phone" in hits[0]["matched_on"]
        checked += 1
    assert checked >= 5
    email = prepared.loc[(src.name, str(table.iloc[0][src.id]).strip()), "email"]
    if email:
        hits = store.lookup(email=str(email).upper())
        assert cw[(src.name, str(table.iloc[0][src.id]).strip())] == hits[0]["customer_id"]
    assert store.lookup(phone="+7 000 000 00 01") == []
    with pytest.raises(StoreError):
        store.lookup()
    store.close()


# -- safety ------------------------------------------------------------------------------

NASTY = [
    "'; DROP TABLE records; --",
    'Robert"); DROP TABLE customers;--',
    "O'Brien \\ % _ ?",
    "Ёжиков Пётр — 名前 🙂",
    "tab\tnew\nline",
]


def test_injection_and_unicode_round_trip(store_url: str) -> None:
    rows = []
    for k, text in enumerate(NASTY):
        rows.append(
            {
                "id": f"{text}#{k}",
                "name": f"{text} Иванов",
                "phone": f"+7916123456{k}",
                "note": text,
            }
        )
    src_name = "src'; DROP TABLE crosswalk; -- ü"
    config = parse_config(
        {
            "sources": [
                {
                    "name": src_name,
                    "id": "id",
                    "fields": {"full_name": "name", "phone": "phone"},
                }
            ]
        }
    )
    frame = pd.DataFrame(rows)
    store = Store(store_url)
    store.ingest(config, {src_name: frame})
    cw = store.crosswalk()
    assert sorted(cw["record_id"]) == sorted(r["id"] for r in rows)
    assert set(cw["source"]) == {src_name}
    for r in rows:
        cid = cw[cw.record_id == r["id"]]["customer_id"].iloc[0]
        card = store.customer(cid)
        assert {"source": src_name, "record_id": r["id"]} in card["records"]
        assert (
            r["note"] in json.dumps(card["golden"], ensure_ascii=False)
            or card["golden"]["note"] == r["note"]
        )
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        raw = conn.execute(sa.text("SELECT raw FROM records")).scalars().all()
    engine.dispose()
    assert {"records", "customers", "crosswalk"} <= names
    assert {json.loads(x)["note"] for x in raw} == set(NASTY)
    store.forget(src_name, rows[0]["id"])
    assert rows[0]["id"] not in set(store.crosswalk()["record_id"])
    store.close()


def test_forget_leaves_no_trace(store_url: str, small_company: Company, tmp_path: Path) -> None:
    planted = {
        "name": "Зюзюкина Аделаида Феоктистовна",
        "phone": "+7 (912) 555-73-19",
        "email": "adelaida.zuzukina.planted@example.org",
    }
    needles = [
        "Зюзюкина",
        "зюзюкина",
        "Аделаида",
        "Феоктистовна",
        "79125557319",
        "adelaida.zuzukina.planted",
        "zuzukina",
        "zyuzyukina",
        "ziuziukina",
        "feoktistovna",
    ]
    src = next(
        s
        for s in small_company.config.sources
        if "full_name" in s.fields and "email" in s.fields and "phone" in s.fields
    )
    tables = {k: v.copy() for k, v in small_company.tables.items()}
    frame = tables[src.name]
    victim = frame.iloc[[0]].copy()
    victim[src.id] = "FORGET-ME-1"
    victim[src.fields["full_name"]] = planted["name"]
    victim[src.fields["phone"]] = planted["phone"]
    victim[src.fields["email"]] = planted["email"]
    twin = victim.copy()
    twin[src.id] = "FORGET-ME-2"
    tables[src.name] = pd.concat([frame, victim, twin], ignore_index=True)
    store = Store(store_url)
    store.ingest(small_company.config, tables, model=small_company.model)
    cid = store.crosswalk().set_index(["source", "record_id"])["customer_id"][
        (src.name, "FORGET-ME-1")
    ]
    assert store.lookup(phone=planted["phone"])
    store.forget(src.name, "FORGET-ME-1")
    store.forget(src.name, "FORGET-ME-2")
    assert store.lookup(phone=planted["phone"]) == []
    events = store.history(cid)
    assert events[-1]["kind"] in ("record_forgotten", "retired", "attribute_removed")
    store.close()
    if store_url.startswith("sqlite"):
        path = Path(store_url.removeprefix("sqlite:///"))
        blob = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for needle in needles:
            assert (
                needle.encode() not in blob.lower() and needle.lower().encode() not in blob.lower()
            ), needle
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):  # fixed table names
                text = " ".join(str(v) for v in row).lower()
                for needle in needles:
                    assert needle.lower() not in text, (table, needle)
    engine.dispose()


KILL_SCRIPT = textwrap.dedent(
    """
    import os, sys, time, pickle
    from custmdm.store import Store
    url, data = sys.argv[1], sys.argv[2]
    with open(data, "rb") as fh:
        config, tables, model = pickle.load(fh)
    def progress(stage, done, total):
        if done == total // 2:
            print("MIDWAY", flush=True)
            time.sleep(60)
    Store(url).ingest(config, tables, model=model, progress=progress)
    print("DONE", flush=True)
    """
)


def test_kill_9_during_ingest_leaves_before_or_after(
    store_url: str, small_company: Company, tmp_path: Path
) -> None:
    import pickle

    names = list(small_company.tables)
    store = Store(store_url)
    store.ingest(
        small_company.config, {names[0]: small_company.tables[names[0]]}, model=small_company.model
    )
    before_cw, before_stats = store.crosswalk(), store.stats()
    data = tmp_path / "batch.pkl"
    rest = {n: small_company.tables[n] for n in names[1:]}
    data.write_bytes(pickle.dumps((small_company.config, rest, small_company.model)))
    script = tmp_path / "ingest.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), store_url, str(data)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "MIDWAY"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    store.close()
    store = Store(store_url)
    assert store.stats() == before_stats
    assert store.crosswalk().equals(before_cw)
    # and the store still works: the same batch completes
    report = store.ingest(small_company.config, rest)
    assert report.records_new == sum(len(t) for t in rest.values())
    assert len(store.crosswalk()) == len(small_company.result.crosswalk)
    store.close()


def test_two_writers_lose_no_update(store_url: str, small_company: Company) -> None:
    names = list(small_company.tables)
    Store(store_url).ingest(
        small_company.config, {names[0]: small_company.tables[names[0]]}, model=small_company.model
    )
    errors: list[BaseException] = []

    def writer(part: list[str]) -> None:
        try:
            with Store(store_url) as st:
                for n in part:
                    st.ingest(small_company.config, {n: small_company.tables[n]})
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [
        threading.Thread(target=writer, args=(names[1::2],)),
        threading.Thread(target=writer, args=(names[2::2],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store = Store(store_url)
    cw = store.crosswalk()
    assert len(cw) == len(small_company.result.crosswalk)
    assert partition(cw) == partition(small_company.result.crosswalk)
    store.close()


def test_schema_version_and_newer_store_refused(store_url: str) -> None:
    Store(store_url).close()
    store = Store(store_url)  # opening again applies nothing
    with store.engine.begin() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version")).scalars().all()
        assert versions == [1]
        conn.execute(
            sa.text("INSERT INTO schema_version VALUES (99, 'future', :at)"),
            {"at": datetime(2030, 1, 1)},
        )
    store.close()
    with pytest.raises(StoreError, match="newer"):
        Store(store_url)


def test_errors_name_records_not_values(store_url: str, small_company: Company) -> None:
    store = Store(store_url)
    with pytest.raises(StoreError, match="empty"):
        store.must_link(("a", "1"), ("b", "2"))
    store.ingest(small_company.config, small_company.tables, model=small_company.model)
    with pytest.raises(StoreError, match=r"record billing:NOPE is not in the store"):
        store.forget("billing", "NOPE")
    store.close()
