"""Lookup: which customers carry this phone, email, name or birth date?

The query is one record of a tiny source, normalised by the batch pipeline's
``prepare`` (so "8 (916) 123-45-67" finds "+79161234567"). Candidates come from
the ``record_keys`` index (one indexed equality per key), and each candidate
record is scored against the query with the store's model and the batch
pipeline's :class:`~custmdm.matchers.base.LevelEvaluator`. A customer's score is
its best record's match probability.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, select

from custmdm.config import ResolverConfig, SourceConfig
from custmdm.exceptions import StoreError
from custmdm.matchers.base import LevelEvaluator
from custmdm.scoring.fellegi_sunter import FellegiSunterModel, probability
from custmdm.store import schema as s
from custmdm.store.engine import read_transaction

if TYPE_CHECKING:
    from custmdm.store.store import Store

#: At most this many candidate records are scored (a generic phone must not stall a call).
MAX_CANDIDATES = 2000

#: Golden attributes shown with each candidate.
CARD_FIELDS = ("n_records", "sources", "full_name", "birth_date", "phones", "emails", "address")

# statements built once: a lookup only binds values
_Q_KEYS = (
    select(s.record_keys.c.record_pk, s.record_keys.c.key)
    .where(s.record_keys.c.key == bindparam("k"), s.record_keys.c.value == bindparam("v"))
    .limit(bindparam("n"))
)
_Q_RECORDS = (
    select(s.records.c.pk, s.records.c.normalised, s.crosswalk.c.customer_id)
    .join(s.crosswalk, s.crosswalk.c.record_pk == s.records.c.pk)
    .where(s.records.c.pk.in_(bindparam("pks", expanding=True)))
)
_Q_CARDS = select(s.customers.c.customer_id, s.customers.c.golden).where(
    s.customers.c.customer_id.in_(bindparam("ids", expanding=True))
)
_Q_BATCH = select(s.batches.c.batch).order_by(s.batches.c.batch.desc()).limit(1)

_QUERY_COLUMNS = {
    "full_name": "name",
    "phone": "phone",
    "email": "email",
    "birth_date": "birth_date",
}


def normalise_query(
    *,
    phone: str | None,
    email: str | None,
    name: str | None,
    birth_date: str | None,
    region: str,
) -> dict[str, Any]:
    """The query as a prepared record, by the same normalisers as every source.

    The normalisers are called directly (not through ``prepare``) on one-value
    columns: a lookup must answer within milliseconds.
    """
    from custmdm.normalise import normalise_dates, normalise_emails, normalise_phones, parse_names
    from custmdm.prepare import add_derived_keys

    if all(v in (None, "") for v in (phone, email, name, birth_date)):
        msg = "give at least one of phone, email, name or birth date to look up"
        raise StoreError(msg)
    try:
        SourceConfig(name="lookup", id="id", phone_regions=[region], fields={"phone": "phone"})
    except ValueError:
        msg = f"phone region {region!r} is not a known region code (e.g. RU, US, DE)"
        raise StoreError(msg) from None

    def one(value: str) -> pd.Series:
        return pd.Series([str(value)], dtype=object)

    parts: list[pd.DataFrame] = []
    if phone:
        parts.append(normalise_phones(one(phone), [region])[0])
    if email:
        parts.append(
            normalise_emails(
                one(email),
                provider_rules=ResolverConfig.model_fields["email_provider_rules"].default,
            )[0]
        )
    if name:
        parts.append(parse_names(one(name), None, None, None)[0])
    if birth_date:
        parts.append(normalise_dates(one(birth_date), date_format=None, field="birth_date")[0])
    row: dict[str, Any] = {}
    for part in parts:
        row.update({str(k): v for k, v in part.iloc[0].items()})
    if name or birth_date:
        row = {str(k): v for k, v in add_derived_keys(pd.DataFrame([row])).iloc[0].items()}
    return {
        str(k): (None if v is None or (isinstance(v, float) and v != v) else v)
        for k, v in row.items()
    }


def _query_keys(query: dict[str, Any]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for key, column in (("phone", "phones"), ("email", "emails")):
        value = query.get(column)
        if value:
            keys += [(key, part) for part in str(value).split("|") if part]
    if query.get("name_pair_key"):
        keys.append(("name", str(query["name_pair_key"])))
    if not keys and query.get("birth_date"):
        keys.append(("birth_date", str(query["birth_date"])))
    return keys


def run_lookup(
    store: Store,
    *,
    phone: str | None,
    email: str | None,
    name: str | None,
    birth_date: str | None,
    region: str,
    limit: int,
) -> list[dict[str, Any]]:
    query = normalise_query(
        phone=phone, email=email, name=name, birth_date=birth_date, region=region
    )
    keys = _query_keys(query)
    if not keys:
        return []
    with read_transaction(store.engine) as conn:
        model = _model(store, conn)
        if model is None:
            return []
        hits: list[Any] = []
        for k, v in keys:
            hits += conn.execute(_Q_KEYS, {"k": k, "v": v, "n": MAX_CANDIDATES}).all()
        if not hits:
            return []
        matched: dict[int, set[str]] = {}
        for pk, key in hits:
            matched.setdefault(int(pk), set()).add(key)
        rows = conn.execute(_Q_RECORDS, {"pks": sorted(matched)[:MAX_CANDIDATES]}).all()
        cids = sorted({r.customer_id for r in rows})
        cards = {
            r.customer_id: json.loads(r.golden) if r.golden else {}
            for r in conn.execute(_Q_CARDS, {"ids": cids})
        }
    # a comparison whose column the query lacks is null for every candidate (weight 0):
    # evaluate only the others, on a frame of just the columns they need
    comparisons = list(model.comparisons)
    active = [c for c, comp in enumerate(comparisons) if query.get(comp.column) is not None]
    n = len(rows)
    levels = np.full((n, len(comparisons)), -1, dtype=np.int8)
    if active:
        docs = [json.loads(r.normalised) for r in rows]
        needed = sorted(
            {
                col
                for c in active
                for col in (comparisons[c].column, *[lv.column for lv in comparisons[c].levels])
                if col
            }
        )
        table = pd.DataFrame(
            {col: [query.get(col), *[d.get(col) for d in docs]] for col in needed}, dtype=object
        )
        levels[:, active] = LevelEvaluator(table, [comparisons[c] for c in active]).levels(
            np.zeros(n, dtype=np.int64), np.arange(1, n + 1, dtype=np.int64)
        )
    weight = model.match_weight(levels)
    best: dict[str, tuple[float, set[str]]] = {}
    for pos, r in enumerate(rows):
        w = float(weight[pos])
        prev = best.get(r.customer_id)
        on = matched[int(r.pk)]
        if prev is None or w > prev[0]:
            best[r.customer_id] = (w, on | (prev[1] if prev else set()))
        else:
            prev[1].update(on)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    out = []
    for cid, (w, on) in ranked:
        card = cards.get(cid, {})
        entry: dict[str, Any] = {
            "customer_id": cid,
            "score": round(float(probability(np.array([w]))[0]), 6),
            "match_weight": round(w, 3),
            "matched_on": sorted(on),
        }
        entry.update({f: card.get(f) for f in CARD_FIELDS if f in card})
        out.append(entry)
    return out


def _model(store: Store, conn: Any) -> FellegiSunterModel | None:
    """The store's model, cached on the store object until a later batch is written."""
    batch = conn.execute(_Q_BATCH).scalar()
    cached = getattr(store, "_lookup_model", None)
    if cached is not None and cached[0] == batch:
        return cached[1]  # type: ignore[no-any-return]
    raw = conn.execute(select(s.meta.c.value).where(s.meta.c.key == "model")).scalar()
    model = FellegiSunterModel.from_dict(json.loads(raw)) if raw else None
    store._lookup_model = (batch, model)  # type: ignore[attr-defined]
    return model
