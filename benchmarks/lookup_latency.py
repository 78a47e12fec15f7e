"""Lookup latency of the master data store: ``store.lookup(phone=...)`` on N customers.

Builds a store of ``--customers`` one-record customers (default 1 000 000) by bulk
insert (parameterised executemany in one transaction; the records are copies of
a small generated company's normalised records, each given its own phone), then
times lookups of stored phones typed the way a contact centre types them
("8 (916) 123-45-67") and of absent phones. Prints p50 / p99 / mean latency and
checks that every stored phone finds its customer first.

    python benchmarks/lookup_latency.py --customers 1000000 --store /tmp/lookup.db
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from custmdm.config import parse_config
from custmdm.datasets.synthetic import generate
from custmdm.pipeline import Resolver
from custmdm.store import Store
from custmdm.store import schema as s
from custmdm.store.engine import write_transaction
from custmdm.store.store import _dumps, _meta_for

CHUNK = 50_000


def phone_of(k: int) -> str:
    return f"+79{k:09d}"


def build(store: Store, n: int) -> float:
    company = generate(2000, seed=5)
    config = parse_config(company.config)
    result = Resolver(config).run(company.tables)
    table = result.prepared.table.astype(object).where(result.prepared.table.notna(), None)
    templates = [
        {k: v for k, v in row.items() if v is not None and k not in ("source", "record_id")}
        for row in table.to_dict("records")
    ]
    for t in templates:
        t["trust"] = int(t["trust"])
    start = time.perf_counter()
    with write_transaction(store.engine) as conn:
        for key, value in _meta_for(config, result.model).items():
            conn.execute(insert(s.meta).values(key=key, value=value))
        conn.execute(
            insert(s.batches).values(
                batch=1, kind="bulk", started_at=_now(), finished_at=_now(), summary="{}"
            )
        )
        for lo in range(0, n, CHUNK):
            hi = min(n, lo + CHUNK)
            records, keys, cross, customers = [], [], [], []
            for k in range(lo, hi):
                doc = dict(templates[k % len(templates)])
                phone = phone_of(k)
                doc["phone"] = doc["phones"] = phone
                cid = f"C{k:015d}"
                rid = f"R{k:09d}"
                records.append(
                    {
                        "pk": k + 1,
                        "source": "bulk",
                        "record_id": rid,
                        "content_hash": f"{k:064d}",
                        "raw": "{}",
                        "normalised": _dumps(doc),
                        "extras": "{}",
                        "first_batch": 1,
                        "changed_batch": 1,
                    }
                )
                keys.append({"record_pk": k + 1, "key": "phone", "value": phone})
                cross.append({"record_pk": k + 1, "customer_id": cid, "batch": 1})
                card = {
                    "customer_id": cid,
                    "n_records": 1,
                    "sources": "bulk",
                    "full_name": doc.get("raw_full_name"),
                    "phones": phone,
                }
                customers.append(
                    {
                        "customer_id": cid,
                        "status": "active",
                        "created_batch": 1,
                        "updated_batch": 1,
                        "n_records": 1,
                        "golden": _dumps(card),
                    }
                )
            conn.execute(insert(s.records), records)
            conn.execute(insert(s.record_keys), keys)
            conn.execute(insert(s.crosswalk), cross)
            conn.execute(insert(s.customers), customers)
            print(f"\rloaded {hi:,} customers", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return time.perf_counter() - start


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(tzinfo=None)


def typed(phone: str) -> str:
    d = phone[2:]
    return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--store", default="/tmp/custmdm-lookup-bench.db")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse", action="store_true", help="time an existing store built by an earlier run"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="do not read the database file into the OS page cache before timing",
    )
    args = parser.parse_args()
    path = Path(args.store)
    if args.reuse and path.exists():
        store = Store(f"sqlite:///{path}")
        load_s = float("nan")
    else:
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        store = Store(f"sqlite:///{path}")
        load_s = build(store, args.customers)
    if not args.cold:
        # a serving machine keeps its hot database in the page cache; read it once
        with path.open("rb") as fh:
            while fh.read(1 << 24):
                pass
    rng = np.random.default_rng(args.seed)
    picks = rng.integers(0, args.customers, size=args.queries)
    for k in picks[:50]:  # warm-up: page cache, statement cache, model
        store.lookup(phone=typed(phone_of(int(k))))
    times, wrong = [], 0
    for k in picks.tolist():
        t = time.perf_counter()
        hits = store.lookup(phone=typed(phone_of(k)))
        times.append(time.perf_counter() - t)
        if not hits or hits[0]["customer_id"] != f"C{k:015d}":
            wrong += 1
    absent = []
    for k in range(args.queries // 4):
        t = time.perf_counter()
        hits = store.lookup(phone=typed(f"+79{999_000_000 - k:09d}"))
        absent.append(time.perf_counter() - t)
        wrong += bool(hits) and args.customers < 999_000_000 - k
    ms = np.array(times) * 1e3
    ab = np.array(absent) * 1e3
    out = {
        "customers": args.customers,
        "bulk_load_s": round(load_s, 1),
        "db_size_mb": round(
            sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6, 1
        ),
        "queries": len(ms),
        "found_p50_ms": round(float(np.percentile(ms, 50)), 2),
        "found_p99_ms": round(float(np.percentile(ms, 99)), 2),
        "found_mean_ms": round(float(ms.mean()), 2),
        "absent_p50_ms": round(float(np.percentile(ab, 50)), 2),
        "absent_p99_ms": round(float(np.percentile(ab, 99)), 2),
        "wrong_results": int(wrong),
    }
    print(json.dumps(out, indent=2))
    store.close()
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
