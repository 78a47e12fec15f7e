"""A synthetic company: six departmental customer tables with ground truth.

The generator invents people (largely Russian, about a quarter English-speaking), gives some
of them families, twins, sons named after their fathers and namesakes, then lets each
person appear in one to five departmental systems.  Every department stores its customers in
its own schema and with its own habits (surname-first capitals in billing, Latin
transliterations in the web shop, "Иван И." on loyalty cards, nicknames in the contact
centre, typos in marketing leads, split addresses in the ERP).  The ``truth`` table records
which real person each record belongs to and tags the hard cases, so a benchmark can break
precision and recall down by kind.

Everything is vectorised with numpy ``StringDType`` arrays: one million records take a few
seconds.  Output is a pure function of ``(n_records, seed, stress)``; no Python ``hash()``
or set iteration order is involved.

Examples
--------
>>> from custmdm.datasets.synthetic import generate
>>> company = generate(500, seed=1)
>>> sorted(company.tables)
['billing', 'contact_centre', 'erp_orders', 'marketing', 'pos_loyalty', 'webshop']
>>> sum(len(t) for t in company.tables.values())
500
>>> len(company.truth)
500
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from numpy.dtypes import StringDType

from custmdm.datasets import _pools
from custmdm.datasets._text import CONVENTIONS, add_typos, transliterate

__all__ = [
    "SOURCES",
    "TRUTH_TAGS",
    "SyntheticCompany",
    "demo_dir",
    "generate",
    "make_config",
    "write_generated",
]

SOURCES: tuple[str, ...] = (
    "billing",
    "webshop",
    "pos_loyalty",
    "contact_centre",
    "marketing",
    "erp_orders",
)
"""Names of the departmental systems, in config order."""

TRUTH_TAGS: tuple[str, ...] = (
    "is_family",
    "is_twin",
    "is_junior",
    "is_namesake",
    "is_translit",
    "is_nickname",
    "is_typo",
    "is_moved",
    "is_duplicate",
    "is_shared_phone",
)
"""Boolean hard-case tags in ``truth``, one per record.

``is_family``: the person shares a household (surname, address, home phone) with another
customer. ``is_twin``: the person has a twin in the household (same birth date).
``is_junior``: a son with his father's given name and surname, or that father.
``is_namesake``: another customer outside the household has the same given name and
surname (and, for Russians, the same patronymic). ``is_translit``: this record shows a
Russian name in Latin letters. ``is_nickname``: this record uses a nickname.
``is_typo``: this record carries a typing error. ``is_moved``: the person moved and their
address-bearing records (billing, ERP) show both the old and the new address. ``is_duplicate``: a re-registration of the same
person within one source. ``is_shared_phone``: the record carries a shop's counter phone
shared by unrelated customers.
"""

_S = StringDType()

_ID_COLUMNS = {
    "billing": "account_no",
    "webshop": "user_id",
    "pos_loyalty": "card_no",
    "contact_centre": "call_id",
    "marketing": "lead_id",
    "erp_orders": "order_customer_id",
}

# Relative chance that a person is known to each system, and in-system re-registration rate.
_SOURCE_WEIGHT = np.array([1.0, 0.9, 0.75, 0.45, 0.6, 0.8])
_HAS_ADDRESS = np.array([True, False, False, False, False, True])
_DUP_RATE = np.array([0.03, 0.07, 0.06, 0.30, 0.10, 0.04])
# People appear in 1..5 systems, Zipf-ish.
_N_SYSTEMS_P = 1.0 / np.arange(1, 6) ** 1.2
_N_SYSTEMS_P = _N_SYSTEMS_P / _N_SYSTEMS_P.sum()
_RECORDS_PER_PERSON = float((_N_SYSTEMS_P * np.arange(1, 6)).sum() * 1.12)

_EPOCH = np.datetime64("1970-01-01", "D")
_DAY_1940 = int((np.datetime64("1940-01-01") - _EPOCH).astype(int))
_DAY_1945 = int((np.datetime64("1945-01-01") - _EPOCH).astype(int))
_DAY_1976 = int((np.datetime64("1976-01-01") - _EPOCH).astype(int))
_DAY_2007 = int((np.datetime64("2007-12-31") - _EPOCH).astype(int))
_DAY_2012 = int((np.datetime64("2012-01-01") - _EPOCH).astype(int))
_DAY_2014 = int((np.datetime64("2014-01-01") - _EPOCH).astype(int))
_DAY_2025 = int((np.datetime64("2025-06-30") - _EPOCH).astype(int))
_YEAR = 365.25

# Roles inside a household.
_ANCHOR, _SPOUSE, _CHILD, _TWIN, _JUNIOR = 0, 1, 2, 3, 4


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


@dataclass
class SyntheticCompany:
    """Generated departmental tables, their ground truth and a custmdm config.

    Attributes
    ----------
    tables : dict[str, pandas.DataFrame]
        Source name → raw table; every column holds strings, missing values are ``""``.
    truth : pandas.DataFrame
        One row per record: ``source``, ``record_id``, ``person_id`` and the boolean tags
        in :data:`TRUTH_TAGS`.
    config : dict
        The custmdm config mapping (``sources`` list) with paths ``"<source>.csv"``.
    """

    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    config: dict[str, Any] = field(default_factory=dict)

    def write(self, directory: str | Path) -> Path:
        """Write ``<source>.csv``, ``truth.csv`` and ``config.yaml``; return the config path.

        Examples
        --------
        >>> import tempfile
        >>> path = generate(50, seed=3).write(tempfile.mkdtemp())
        >>> path.name
        'config.yaml'
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            table.to_csv(out / f"{name}.csv", index=False)
        self.truth.to_csv(out / "truth.csv", index=False)
        path = out / "config.yaml"
        path.write_text(_dump_config(self.config), encoding="utf-8")
        return path


def generate(n_records: int, *, seed: int = 0, stress: bool = False) -> SyntheticCompany:
    """Generate a company whose six systems hold exactly ``n_records`` records in total.

    Parameters
    ----------
    n_records : int
        Total number of records across all sources.
    seed : int
        Seed; the output is identical for the same ``(n_records, seed, stress)``.
    stress : bool
        Harder data: same-name strangers share e-mail addresses, families share e-mails
        and phones, and about 30% of people have a namesake.

    Examples
    --------
    >>> company = generate(200, seed=7)
    >>> company.truth.groupby("source").size().sum()
    200
    >>> company.tables["billing"].columns[0]
    'account_no'
    """
    if n_records < 0:
        msg = f"n_records must be >= 0. Got {n_records} instead."
        raise ValueError(msg)
    n_people = int(np.ceil(n_records / _RECORDS_PER_PERSON * 1.08)) + 20
    while True:
        rng = np.random.default_rng([int(seed), 0, int(stress)])
        chunk = _generate_chunk(
            rng,
            n_people,
            stress=stress,
            max_records=n_records,
            offsets=_Offsets(),
            registry=_Registry(),
        )
        if chunk.n_records >= n_records:
            break
        n_people = int(n_people * 1.25) + 20
    return SyntheticCompany(tables=chunk.tables, truth=chunk.truth, config=make_config())


def write_generated(
    directory: str | Path,
    n_records: int,
    *,
    seed: int = 0,
    stress: bool = False,
    chunk_people: int = 400_000,
) -> Path:
    """Stream a large synthetic company to ``directory`` in chunks of people.

    Each chunk of ``chunk_people`` people is generated from its own random stream
    (seeded by ``seed`` and the chunk index) and appended to the CSV files, so memory
    stays bounded whatever ``n_records`` is.  Record ids and person ids are globally
    unique, and phones and e-mail addresses stay unique across chunks (except where a
    hard case shares them on purpose).  Returns the path of ``config.yaml``.

    When ``n_records`` fits in one chunk the files are byte-identical to
    ``generate(n_records, seed=seed, stress=stress).write(directory)``.

    Examples
    --------
    >>> import tempfile
    >>> path = write_generated(tempfile.mkdtemp(), 300, seed=1, chunk_people=60)
    >>> import pandas as pd
    >>> len(pd.read_csv(path.parent / "truth.csv"))
    300
    """
    if n_records < 0:
        msg = f"n_records must be >= 0. Got {n_records} instead."
        raise ValueError(msg)
    if chunk_people < 1:
        msg = f"chunk_people must be >= 1. Got {chunk_people} instead."
        raise ValueError(msg)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    offsets = _Offsets()
    registry = _Registry()
    remaining = n_records
    chunk_index = 0
    first = True
    while first or remaining > 0:
        rng = np.random.default_rng([int(seed), chunk_index, int(stress)])
        estimate = int(np.ceil(remaining / _RECORDS_PER_PERSON * 1.08)) + 20
        chunk = _generate_chunk(
            rng,
            min(chunk_people, estimate),
            stress=stress,
            max_records=remaining,
            offsets=offsets,
            registry=registry,
        )
        mode: Literal["w", "a"] = "w" if first else "a"
        for name, table in chunk.tables.items():
            table.to_csv(out / f"{name}.csv", index=False, mode=mode, header=first)
        chunk.truth.to_csv(out / "truth.csv", index=False, mode=mode, header=first)
        remaining -= chunk.n_records
        chunk_index += 1
        first = False
    path = out / "config.yaml"
    path.write_text(_dump_config(make_config()), encoding="utf-8")
    return path


def demo_dir() -> Path:
    """Directory of the bundled demo company (``generate(300, seed=7)``).

    Examples
    --------
    >>> (demo_dir() / "config.yaml").is_file()
    True
    """
    return Path(__file__).resolve().parent / "demo"


def make_config() -> dict[str, Any]:
    """The custmdm config mapping for the generated sources (paths ``<source>.csv``).

    Examples
    --------
    >>> [s["id"] for s in make_config()["sources"]][:2]
    ['account_no', 'user_id']
    """
    regions = ["RU", "US"]
    return {
        "sources": [
            {
                "name": "billing",
                "path": "billing.csv",
                "id": "account_no",
                "phone_regions": list(regions),
                "date_format": "%d.%m.%Y",
                "trust": 5,
                "updated_at": "modified",
                "fields": {
                    "full_name": "full_name",
                    "phone": "phone",
                    "email": "email",
                    "birth_date": "birth_date",
                    "address": "billing_address",
                },
            },
            {
                "name": "webshop",
                "path": "webshop.csv",
                "id": "user_id",
                "phone_regions": list(regions),
                "date_format": "%Y-%m-%d",
                "trust": 3,
                "updated_at": "created_at",
                "fields": {
                    "first_name": "first_name",
                    "last_name": "last_name",
                    "email": "email",
                    "phone": "phone",
                    "birth_date": "birth_date",
                },
            },
            {
                "name": "pos_loyalty",
                "path": "pos_loyalty.csv",
                "id": "card_no",
                "phone_regions": list(regions),
                "date_format": "%d.%m.%Y",
                "trust": 2,
                "fields": {
                    "full_name": "holder_name",
                    "phone": "phone",
                    "email": "email",
                    "birth_date": "birth_date",
                },
            },
            {
                "name": "contact_centre",
                "path": "contact_centre.csv",
                "id": "call_id",
                "phone_regions": list(regions),
                "trust": 1,
                "fields": {
                    "full_name": "caller_name",
                    "phone": "phone",
                },
            },
            {
                "name": "marketing",
                "path": "marketing.csv",
                "id": "lead_id",
                "phone_regions": list(regions),
                "trust": 1,
                "fields": {
                    "first_name": "fname",
                    "last_name": "lname",
                    "email": "email",
                    "phone": "phone",
                    "birth_date": "birth_date",
                },
            },
            {
                "name": "erp_orders",
                "path": "erp_orders.csv",
                "id": "order_customer_id",
                "phone_regions": list(regions),
                "trust": 4,
                "updated_at": "updated_at",
                "fields": {
                    "full_name": "customer_name",
                    "phone": "phone",
                    "email": "email",
                    "postcode": "zip",
                    "city": "city",
                    "street": "street",
                    "house_number": "house",
                },
            },
        ]
    }


def _dump_config(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


# --------------------------------------------------------------------------------------
# Pools as arrays
# --------------------------------------------------------------------------------------


def _zipf(n: int, a: float, k: float) -> np.ndarray:
    w = 1.0 / (np.arange(n) + k) ** a
    return np.asarray(w / w.sum())


def _surname_p(n: int, head: int, head_share: float) -> np.ndarray:
    """Zipf over the common head, flat over the generated tail."""
    p = np.empty(n)
    p[:head] = head_share * _zipf(head, 0.8, 8.0)
    p[head:] = (1 - head_share) / max(n - head, 1)
    return p


def _arr(values: list[str] | tuple[str, ...]) -> np.ndarray:
    return np.array(list(values), dtype=_S)


@dataclass(frozen=True)
class _Pools:
    # Given names: categories 0 ru male, 1 ru female, 2 en male, 3 en female, concatenated.
    given: np.ndarray
    given_lat: np.ndarray  # (n_conventions, G)
    nick: np.ndarray  # (2, G), "" where absent
    nick_lat: np.ndarray  # (2, G)
    n_nicks: np.ndarray  # (G,)
    cat_start: np.ndarray  # (4,)
    cat_size: np.ndarray  # (4,)
    cat_p: tuple[np.ndarray, ...]
    pat_m: np.ndarray  # (n ru male,)
    pat_f: np.ndarray
    # Surnames: Russian then English.
    sur_m: np.ndarray
    sur_f: np.ndarray
    sur_lat_m: np.ndarray  # (n_conventions, Sn)
    sur_lat_f: np.ndarray
    sur_start: np.ndarray  # (2,) ru, en
    sur_size: np.ndarray
    sur_p: tuple[np.ndarray, ...]
    # Russian places.
    ru_city: np.ndarray
    ru_city_prefix: np.ndarray
    ru_city_code: np.ndarray
    ru_city_code_len: np.ndarray
    ru_city_p: np.ndarray
    ru_street_kind: np.ndarray
    ru_street_name: np.ndarray
    # US places.
    us_city: np.ndarray
    us_state: np.ndarray
    us_city_prefix: np.ndarray
    us_city_code: np.ndarray
    us_city_p: np.ndarray
    us_street: np.ndarray
    us_suffix_full: np.ndarray
    us_suffix_short: np.ndarray
    ru_domains: np.ndarray
    ru_domain_p: np.ndarray
    en_domains: np.ndarray
    en_domain_p: np.ndarray


@lru_cache(maxsize=1)
def _pools_arrays() -> _Pools:
    ru_m, pats = _pools.ru_male()
    cats = [ru_m, _pools.ru_female(), _pools.en_male(), _pools.en_female()]
    names: list[str] = []
    nicks: list[tuple[str, ...]] = []
    starts, sizes = [], []
    for cat in cats:
        starts.append(len(names))
        sizes.append(len(cat))
        for name, nk in cat:
            names.append(name)
            nicks.append(nk)
    is_ru = np.zeros(len(names), dtype=bool)
    is_ru[: sizes[0] + sizes[1]] = True

    def lat(words: list[str], ru_mask: np.ndarray) -> np.ndarray:
        rows = []
        for conv in CONVENTIONS:
            rows.append(
                [
                    transliterate(w, conv) if r and w else w
                    for w, r in zip(words, ru_mask, strict=True)
                ]
            )
        return np.array(rows, dtype=_S)

    nick_rows = [[nk[i] if len(nk) > i else "" for nk in nicks] for i in range(2)]
    nick_lat_rows = [
        [transliterate(w, "informal_y") if r and w else w for w, r in zip(row, is_ru, strict=True)]
        for row in nick_rows
    ]
    ru_s, ru_head = _pools.ru_surnames()
    en_s, en_head = _pools.en_surnames()
    sur_m = ru_s + en_s
    sur_f = [_pools.feminine_surname(s) for s in ru_s] + en_s
    sur_ru = np.zeros(len(sur_m), dtype=bool)
    sur_ru[: len(ru_s)] = True
    ru_c = _pools.ru_cities()
    us_c = _pools.us_cities()
    ru_w = np.array([c[3] for c in ru_c])
    us_w = np.array([c[4] for c in us_c])
    rd = _pools.RU_EMAIL_DOMAINS
    ed = _pools.EN_EMAIL_DOMAINS
    return _Pools(
        given=_arr(names),
        given_lat=lat(names, is_ru),
        nick=np.array(nick_rows, dtype=_S),
        nick_lat=np.array(nick_lat_rows, dtype=_S),
        n_nicks=np.array([len(nk) for nk in nicks]),
        cat_start=np.array(starts),
        cat_size=np.array(sizes),
        # Russian given names are few and concentrated; English ones are spread wider.
        cat_p=tuple(_zipf(s, *((1.0, 4.0) if c < 2 else (0.7, 10.0))) for c, s in enumerate(sizes)),
        pat_m=_arr([p[0] for p in pats]),
        pat_f=_arr([p[1] for p in pats]),
        sur_m=_arr(sur_m),
        sur_f=_arr(sur_f),
        sur_lat_m=lat(sur_m, sur_ru),
        sur_lat_f=lat(sur_f, sur_ru),
        sur_start=np.array([0, len(ru_s)]),
        sur_size=np.array([len(ru_s), len(en_s)]),
        sur_p=(_surname_p(len(ru_s), ru_head, 0.6), _surname_p(len(en_s), en_head, 0.4)),
        ru_city=_arr([c[0] for c in ru_c]),
        ru_city_prefix=np.array([c[1] for c in ru_c]),
        ru_city_code=np.array([int(c[2]) for c in ru_c]),
        ru_city_code_len=np.array([len(c[2]) for c in ru_c]),
        ru_city_p=ru_w / ru_w.sum(),
        ru_street_kind=_arr([s[0] for s in _pools.ru_streets()]),
        ru_street_name=_arr([s[1] for s in _pools.ru_streets()]),
        us_city=_arr([c[0] for c in us_c]),
        us_state=_arr([c[1] for c in us_c]),
        us_city_prefix=np.array([c[2] for c in us_c]),
        us_city_code=np.array([int(c[3]) for c in us_c]),
        us_city_p=us_w / us_w.sum(),
        us_street=_arr(_pools.us_streets()),
        us_suffix_full=_arr([s[0] for s in _pools.us_suffixes()]),
        us_suffix_short=_arr([s[1] for s in _pools.us_suffixes()]),
        ru_domains=_arr([d for d, _ in rd]),
        ru_domain_p=np.array([w for _, w in rd]) / sum(w for _, w in rd),
        en_domains=_arr([d for d, _ in ed]),
        en_domain_p=np.array([w for _, w in ed]) / sum(w for _, w in ed),
    )


# --------------------------------------------------------------------------------------
# Chunk state shared across chunks
# --------------------------------------------------------------------------------------


@dataclass
class _Offsets:
    """Running counters so ids stay globally unique across chunks."""

    people: int = 0
    records: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))


@dataclass
class _Registry:
    """Phones and e-mail hashes already handed out, so strangers never collide by chance."""

    phones: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    emails: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))

    def add_phones(self, values: np.ndarray) -> None:
        self.phones = np.sort(np.concatenate([self.phones, values[values >= 0]]))

    def add_emails(self, hashes: np.ndarray) -> None:
        self.emails = np.sort(np.concatenate([self.emails, hashes]))


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Membership test against a sorted array (binary search; no hashing or re-sorting)."""
    if sorted_values.size == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_values, values)
    pos = np.minimum(pos, sorted_values.size - 1)
    return np.asarray(sorted_values[pos] == values)


def _mask_of(indices: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


@dataclass
class _Chunk:
    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    n_records: int


# --------------------------------------------------------------------------------------
# String helpers (vectorised)
# --------------------------------------------------------------------------------------


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    """Concatenate string arrays and scalars element-wise."""
    out: Any = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return np.asarray(out, dtype=_S)


def _num(values: np.ndarray, width: int = 0) -> np.ndarray:
    """Integers as strings, zero-padded to ``width``."""
    s = np.asarray(values).astype(np.int64).astype(_S)
    return np.strings.zfill(s, width) if width else s


def _pick(mask: np.ndarray, a: np.ndarray | str, b: np.ndarray | str) -> np.ndarray:
    return np.asarray(np.where(mask, a, b), dtype=_S)


def _empty(n: int) -> np.ndarray:
    return np.full(n, "", dtype=_S)


def _choose_styles(
    rng: np.random.Generator, n: int, probs: list[float] | tuple[float, ...]
) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _phone_strings(nat: np.ndarray, is_ru: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Format 10-digit national numbers.

    Russian styles: 0 "+7 (916) 123-45-67", 1 "89161234567", 2 "+79161234567",
    3 "9161234567", 4 "8 (916) 123-45-67", 5 "+7 916 123 45 67", 6 "8-916-123-45-67".
    US styles: 0 "+1 (312) 555-0142", 1 "+13125550142", 2 "3125550142",
    3 "(312) 555-0142", 4 "312-555-0142", 5 "1-312-555-0142", 6 "312.555.0142".
    """
    s = _num(nat, 10)
    a = np.strings.slice(s, 0, 3)
    b = np.strings.slice(s, 3, 6)
    c = np.strings.slice(s, 6, 8)
    d = np.strings.slice(s, 8, 10)
    e = np.strings.slice(s, 6, 10)
    out = _empty(len(nat))
    ru_styles: list[Callable[[np.ndarray], np.ndarray]] = [
        lambda i: _cat("+7 (", a[i], ") ", b[i], "-", c[i], "-", d[i]),
        lambda i: _cat("8", s[i]),
        lambda i: _cat("+7", s[i]),
        lambda i: s[i],
        lambda i: _cat("8 (", a[i], ") ", b[i], "-", c[i], "-", d[i]),
        lambda i: _cat("+7 ", a[i], " ", b[i], " ", c[i], " ", d[i]),
        lambda i: _cat("8-", a[i], "-", b[i], "-", c[i], "-", d[i]),
    ]
    us_styles: list[Callable[[np.ndarray], np.ndarray]] = [
        lambda i: _cat("+1 (", a[i], ") ", b[i], "-", e[i]),
        lambda i: _cat("+1", s[i]),
        lambda i: s[i],
        lambda i: _cat("(", a[i], ") ", b[i], "-", e[i]),
        lambda i: _cat(a[i], "-", b[i], "-", e[i]),
        lambda i: _cat("1-", a[i], "-", b[i], "-", e[i]),
        lambda i: _cat(a[i], ".", b[i], ".", e[i]),
    ]
    for k in range(7):
        idx = np.flatnonzero(is_ru & (style == k))
        if idx.size:
            out[idx] = ru_styles[k](idx)
        idx = np.flatnonzero(~is_ru & (style == k))
        if idx.size:
            out[idx] = us_styles[k](idx)
    return out


def _date_strings(days: np.ndarray, style: np.ndarray | int) -> np.ndarray:
    """Format days since 1970: 0 "dd.mm.yyyy", 1 "yyyy-mm-dd", 2 "mm/dd/yyyy"."""
    iso = np.datetime_as_string(_EPOCH + np.asarray(days, dtype=np.int64)).astype(_S)
    y = np.strings.slice(iso, 0, 4)
    m = np.strings.slice(iso, 5, 7)
    d = np.strings.slice(iso, 8, 10)
    style = np.broadcast_to(np.asarray(style), iso.shape)
    out = np.asarray(iso.copy(), dtype=_S)
    i = style == 0
    out[i] = _cat(d[i], ".", m[i], ".", y[i])
    i = style == 2
    out[i] = _cat(m[i], "/", d[i], "/", y[i])
    return out


def _timestamp_strings(seconds: np.ndarray, sep: str = " ") -> np.ndarray:
    ts = np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]")).astype(_S)
    return ts if sep == "T" else np.strings.replace(ts, "T", sep)


def _blank(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = values.copy()
    out[mask] = ""
    return out


def _junk(
    rng: np.random.Generator, values: np.ndarray, rate: float, junk: tuple[str, ...]
) -> np.ndarray:
    mask = rng.random(len(values)) < rate
    out = values.copy()
    if mask.any():
        out[mask] = np.array(junk, dtype=_S)[rng.integers(0, len(junk), int(mask.sum()))]
    return out


def _yo_to_ye(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    """Most systems drop ё: write е instead in a share of records."""
    mask = rng.random(len(values)) < rate
    plain = np.strings.replace(np.strings.replace(values, "ё", "е"), "Ё", "Е")
    return _pick(mask, plain, values)


def _extra_spaces(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    r = rng.random(len(values))
    doubled = np.strings.replace(values, " ", "  ", 1)
    trailing = np.strings.add(values, " ")
    out = _pick(r < rate / 2, doubled, values)
    return _pick((r >= rate / 2) & (r < rate) & (np.strings.str_len(values) > 0), trailing, out)


def _apply_typos(
    rng: np.random.Generator, values: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Typo in the masked entries; returns new values and where a change actually happened."""
    idx = np.flatnonzero(mask & (np.strings.str_len(values) >= 3))
    out = values.copy()
    changed = np.zeros(len(values), dtype=bool)
    if idx.size:
        kinds = rng.choice(4, size=idx.size, p=[0.45, 0.25, 0.2, 0.1])
        new = np.array(
            add_typos(values[idx], kinds, rng.random(idx.size), rng.random(idx.size)), dtype=_S
        )
        changed[idx] = new != values[idx]
        out[idx] = new
    return out, changed


def _case(
    rng: np.random.Generator, values: np.ndarray, p_upper: float, p_lower: float
) -> np.ndarray:
    r = rng.random(len(values))
    out = _pick(r < p_upper, np.strings.upper(values), values)
    return _pick((r >= p_upper) & (r < p_upper + p_lower), np.strings.lower(values), out)


def _initial(values: np.ndarray) -> np.ndarray:
    return _cat(np.strings.slice(values, 0, 1), ".")


# --------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------


@dataclass
class _People:
    n: int
    ru: np.ndarray
    sex: np.ndarray
    given: np.ndarray
    sur: np.ndarray
    pat: np.ndarray  # index into Russian male names (father), -1 for English speakers
    mid: np.ndarray  # English middle name (global given index) or -1
    birth: np.ndarray
    household: np.ndarray
    role: np.ndarray
    in_family: np.ndarray
    twin: np.ndarray
    junior: np.ndarray
    namesake: np.ndarray
    conv: np.ndarray
    addr_ru: np.ndarray
    moved: np.ndarray
    move_day: np.ndarray
    moved_visible: np.ndarray  # moved, and both addresses appear in the data
    addr: dict[str, np.ndarray]  # current address fields
    old: dict[str, np.ndarray]  # previous address fields (moved people)
    mobile: np.ndarray
    mobile2: np.ndarray
    home: np.ndarray
    email1: np.ndarray
    email2: np.ndarray


def _draw_address(rng: np.random.Generator, pools: _Pools, ru: np.ndarray) -> dict[str, np.ndarray]:
    n = len(ru)
    ru_city = rng.choice(len(pools.ru_city), size=n, p=pools.ru_city_p)
    us_city = rng.choice(len(pools.us_city), size=n, p=pools.us_city_p)
    city = np.where(ru, ru_city, us_city)
    ru_house = np.minimum(1 + rng.geometric(1 / 25, n), 250)
    us_house = rng.integers(1, 9999, n)
    flat = np.where(rng.random(n) < 0.85, rng.integers(1, 400, n), 0)
    apt = np.where(rng.random(n) < 0.25, rng.integers(1, 40, n), 0)
    korpus = np.where(rng.random(n) < 0.12, rng.integers(1, 5, n), 0)
    post = np.where(
        ru,
        pools.ru_city_prefix[ru_city] * 1000 + rng.integers(0, 200, n),
        pools.us_city_prefix[us_city] * 100 + rng.integers(0, 100, n),
    )
    return {
        "city": city,
        "street": np.where(
            ru,
            rng.integers(0, len(pools.ru_street_name), n),
            rng.integers(0, len(pools.us_street), n),
        ),
        "suffix": rng.integers(0, len(pools.us_suffix_full), n),
        "house": np.where(ru, ru_house, us_house),
        "korpus": np.where(ru, korpus, 0),
        "flat": np.where(ru, flat, apt),
        "post": post,
    }


def _draw_phone(
    rng: np.random.Generator,
    pools: _Pools,
    ru: np.ndarray,
    city: np.ndarray,
    landline: bool,
) -> np.ndarray:
    """10-digit national numbers: Russian mobiles 9xx / city landlines, US numbers."""
    n = len(ru)
    us_city = np.where(ru, 0, city)
    us = pools.us_city_code[us_city] * 10_000_000 + rng.integers(2_000_000, 9_999_999, n)
    if landline:
        ru_city = np.where(ru, city, 0)
        code = pools.ru_city_code[ru_city]
        sub_len = 10 - pools.ru_city_code_len[ru_city]
        scale = 10 ** sub_len.astype(np.int64)
        # Subscriber numbers start with 2..9; shop counters (below) use 1, so never collide.
        sub = (2 * scale // 10) + (rng.random(n) * (scale - 2 * scale // 10)).astype(np.int64)
        ru_nat = code.astype(np.int64) * scale + sub
    else:
        ru_nat = 9_000_000_000 + rng.integers(10_000_000, 999_999_999, n)
    return np.where(ru, ru_nat, us).astype(np.int64)


def _make_unique_phones(
    rng: np.random.Generator,
    phones: np.ndarray,
    ru: np.ndarray,
    registry: _Registry,
) -> np.ndarray:
    """Redraw phones that collide with each other or with earlier chunks."""
    out = phones.copy()
    for _ in range(20):
        valid = out >= 0
        order = np.argsort(out, kind="stable")
        sorted_vals = out[order]
        dup_sorted = np.zeros(len(out), dtype=bool)
        dup_sorted[1:] = sorted_vals[1:] == sorted_vals[:-1]
        dup = np.zeros(len(out), dtype=bool)
        dup[order] = dup_sorted
        bad = valid & (dup | _in_sorted(out, registry.phones))
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        # Keep the first four digits (area code and the subscriber's leading 2..9).
        out[idx] = (out[idx] // 1_000_000) * 1_000_000 + rng.integers(0, 1_000_000, idx.size)
    registry.add_phones(out)
    return out


def _email_hash(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.util.hash_array(np.asarray(values, dtype=object)), dtype=np.uint64)


def _draw_emails(
    rng: np.random.Generator,
    pools: _Pools,
    first: np.ndarray,
    last: np.ndarray,
    birth: np.ndarray,
    ru: np.ndarray,
) -> np.ndarray:
    n = len(first)
    f = np.strings.lower(first)
    lw = np.strings.lower(last)
    year = _num(1970 + np.floor(birth / _YEAR).astype(np.int64))
    yy = np.strings.slice(year, 2, 4)
    nn = _num(rng.integers(1, 99, n))
    nnn = _num(rng.integers(100, 999, n))
    f0 = np.strings.slice(f, 0, 1)
    pattern = _choose_styles(rng, n, [20, 12, 14, 12, 10, 8, 14, 10])
    candidates = [
        lambda i: _cat(f[i], ".", lw[i]),
        lambda i: _cat(lw[i], ".", f[i]),
        lambda i: _cat(f0[i], lw[i]),
        lambda i: _cat(f[i], lw[i], yy[i]),
        lambda i: _cat(lw[i], year[i]),
        lambda i: _cat(f[i], "_", lw[i]),
        lambda i: _cat(f[i], ".", lw[i], nn[i]),
        lambda i: _cat(lw[i], f0[i], nnn[i]),
    ]
    local = _empty(n)
    for k, make in enumerate(candidates):
        idx = np.flatnonzero(pattern == k)
        if idx.size:
            local[idx] = make(idx)
    domain = _pick(
        ru,
        pools.ru_domains[rng.choice(len(pools.ru_domains), size=n, p=pools.ru_domain_p)],
        pools.en_domains[rng.choice(len(pools.en_domains), size=n, p=pools.en_domain_p)],
    )
    return _cat(local, "@", domain)


def _make_unique_emails(
    rng: np.random.Generator, emails: np.ndarray, registry: _Registry
) -> np.ndarray:
    out = emails.copy()
    for round_ in range(20):
        h = _email_hash(out)
        dup = pd.Series(h).duplicated().to_numpy()
        bad = dup | _in_sorted(h, registry.emails)
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        parts = np.strings.partition(out[idx], np.array("@", dtype=_S))
        digits = _num(rng.integers(1, 10 ** min(2 + round_, 6), idx.size))
        out[idx] = _cat(parts[0], digits, "@", parts[2])
    registry.add_emails(_email_hash(out))
    return out


def _draw_people(
    rng: np.random.Generator, n: int, *, stress: bool, pools: _Pools, registry: _Registry
) -> _People:
    idx = np.arange(n)
    ru = rng.random(n) < 0.75
    sex = (rng.random(n) < 0.53).astype(np.int64)
    birth = rng.integers(_DAY_1940, _DAY_2007, n)
    conv = rng.choice(len(CONVENTIONS), size=n, p=[0.3, 0.15, 0.4, 0.15])

    def draw_given(cat: np.ndarray) -> np.ndarray:
        out = np.empty(len(cat), dtype=np.int64)
        for c in range(4):
            sel = np.flatnonzero(cat == c)
            out[sel] = pools.cat_start[c] + rng.choice(
                pools.cat_size[c], size=sel.size, p=pools.cat_p[c]
            )
        return out

    def draw_sur(is_ru: np.ndarray) -> np.ndarray:
        out = np.empty(len(is_ru), dtype=np.int64)
        for c, sel in enumerate((np.flatnonzero(is_ru), np.flatnonzero(~is_ru))):
            out[sel] = pools.sur_start[c] + rng.choice(
                pools.sur_size[c], size=sel.size, p=pools.sur_p[c]
            )
        return out

    # --- households: a run of members attaches to the last non-member before it ---
    member = rng.random(n) < 0.17
    if n:
        member[0] = False
    anchor = np.maximum.accumulate(np.where(member, 0, idx))
    pos = idx - anchor
    r = rng.random(n)
    role = np.full(n, _ANCHOR)
    first_member = pos == 1
    role[first_member & (r < 0.55)] = _SPOUSE
    role[first_member & (r >= 0.55) & (r < 0.75)] = _CHILD
    role[first_member & (r >= 0.75) & (r < 0.87)] = _TWIN
    role[first_member & (r >= 0.87)] = _JUNIOR
    role[pos >= 2] = _CHILD

    a_sex = sex[anchor]
    role[(role == _JUNIOR) & (a_sex != 0)] = _CHILD
    ru = ru[anchor]
    sex = np.where(role == _SPOUSE, 1 - a_sex, sex)
    sex = np.where(role == _JUNIOR, 0, sex)
    cat = 2 * (~ru).astype(np.int64) + sex

    # Parents of grown-up children are born 1945..1975.
    parent = _mask_of(anchor[(role == _CHILD) | (role == _JUNIOR)], n)
    birth[parent] = rng.integers(_DAY_1945, _DAY_1976, int(parent.sum()))
    a_birth = birth[anchor]
    gap = rng.integers(int(20 * _YEAR), int(38 * _YEAR), n)
    birth = np.where(role == _SPOUSE, a_birth + (rng.normal(0, 3.5, n) * _YEAR).astype(int), birth)
    birth = np.where((role == _CHILD) | (role == _JUNIOR), a_birth + gap, birth)
    birth = np.where(role == _TWIN, a_birth, birth)
    # Fold births outside 1940..2007 back inside rather than piling them up on the bounds.
    birth = np.where(birth > _DAY_2007, _DAY_2007 - rng.integers(0, int(5 * _YEAR), n), birth)
    birth = np.where(birth < _DAY_1940, _DAY_1940 + rng.integers(0, int(5 * _YEAR), n), birth)

    given = draw_given(cat)
    # Family members never repeat the anchor's given name, except the junior.
    same = (given == given[anchor]) & (pos > 0)
    g_local = given - pools.cat_start[cat]
    given = np.where(
        same, pools.cat_start[cat] + (g_local + 1) % pools.cat_size[cat], given
    ).astype(np.int64)
    given = np.where(role == _JUNIOR, given[anchor], given)

    sur = draw_sur(ru)
    sur = sur[anchor]

    n_ru_male = int(pools.cat_size[0])
    pat = rng.choice(n_ru_male, size=n, p=pools.cat_p[0])
    a_given_local = given[anchor] - pools.cat_start[0]
    father_known = (a_sex == 0) & ((role == _CHILD) | (role == _JUNIOR))
    pat = np.where(father_known, a_given_local, pat)
    pat = np.where(role == _TWIN, pat[anchor], pat)
    pat = np.where(ru, pat, -1)
    mid_cat = 2 + sex
    mid = np.where(~ru & (rng.random(n) < 0.5), draw_given(np.where(ru, 0, mid_cat)), -1)

    # --- namesakes: people outside families take someone else's name ---
    hh_size = np.bincount(anchor, minlength=n)
    in_family = hh_size[anchor] > 1
    rate = 0.4 if stress else 0.06
    pick_ns = (~in_family) & (rng.random(n) < rate)
    ns_common = pick_ns & (rng.random(n) < 0.5)
    ns_copy = pick_ns & ~ns_common
    # The common kind: Иван Иванов, Александр Смирнов, John Smith, Mary Johnson …
    common_given = pools.cat_start[cat] + rng.integers(0, 3, n)
    common_sur = np.where(ru, rng.integers(0, 5, n), pools.sur_start[1] + rng.integers(0, 5, n))
    given = np.where(ns_common, common_given, given)
    sur = np.where(ns_common, common_sur, sur)
    # The copied kind: a random stranger of the same culture and sex.
    partner = np.full(n, -1)
    for c in range(4):
        cand = np.flatnonzero((cat == c) & ~ns_copy)
        sel = np.flatnonzero(ns_copy & (cat == c))
        if cand.size and sel.size:
            partner[sel] = cand[rng.integers(0, cand.size, sel.size)]
    has_partner = partner >= 0
    src = np.where(has_partner, partner, idx)
    given = np.where(has_partner, given[src], given)
    sur = np.where(has_partner, sur[src], sur)
    full_ns = has_partner & ru & (rng.random(n) < 0.7)
    pat = np.where(full_ns, pat[src], pat)
    common_full = ns_common & ru & (rng.random(n) < 0.5)
    pat = np.where(common_full, rng.integers(0, 3, n), pat)

    twin = (role == _TWIN) | _mask_of(anchor[role == _TWIN], n)
    junior = (role == _JUNIOR) | _mask_of(anchor[role == _JUNIOR], n)

    # --- addresses: families live together; some people moved ---
    addr_ru = np.where(ru, rng.random(n) < 0.97, rng.random(n) < 0.2)
    addr_ru = addr_ru[anchor]
    addr = _draw_address(rng, pools, addr_ru)
    old = _draw_address(rng, pools, addr_ru)
    same_city = rng.random(n) < 0.6
    old["city"] = np.where(same_city, addr["city"], old["city"])
    ru_same = same_city & addr_ru
    old["post"] = np.where(ru_same, (addr["post"] // 1000) * 1000 + old["post"] % 1000, old["post"])
    us_same = same_city & ~addr_ru
    old["post"] = np.where(us_same, (addr["post"] // 100) * 100 + old["post"] % 100, old["post"])
    moved = rng.random(n) < 0.25
    move_day = rng.integers(_DAY_2014 + 400, _DAY_2025 - 200, n)
    for d in (addr, old):
        for k in d:
            d[k] = d[k][anchor]
    moved = moved[anchor]
    move_day = move_day[anchor]

    # --- phones ---
    mobile = _draw_phone(rng, pools, addr_ru, addr["city"], landline=False)
    mobile2 = np.where(
        rng.random(n) < 0.15, _draw_phone(rng, pools, addr_ru, addr["city"], False), -1
    )
    wants_home = np.where(in_family, rng.random(n) < 0.75, rng.random(n) < 0.15)
    wants_home |= twin
    home = np.where(wants_home, _draw_phone(rng, pools, addr_ru, addr["city"], landline=True), -1)
    home = np.where(pos == 0, home, -1)
    allp = _make_unique_phones(
        rng, np.concatenate([mobile, mobile2, home]), np.tile(ru, 3), registry
    )
    mobile, mobile2, home = allp[:n], allp[n : 2 * n], allp[2 * n :]
    home = home[anchor]  # the household's landline
    twin_home_missing = twin & (home < 0)
    home = np.where(twin_home_missing, mobile[anchor], home)

    # --- e-mail ---
    first_lat = pools.given_lat[conv, given]
    last_lat = np.where(sex == 1, pools.sur_lat_f[conv, sur], pools.sur_lat_m[conv, sur])
    email1 = _draw_emails(rng, pools, first_lat, last_lat, birth, ru)
    email2 = _draw_emails(rng, pools, first_lat, last_lat, birth, ru)
    email1 = _make_unique_emails(rng, email1, registry)
    email2 = _make_unique_emails(rng, email2, registry)
    email2 = _blank(email2, rng.random(n) >= 0.2)

    if stress:
        share = in_family & (pos > 0) & (rng.random(n) < 0.4)
        email1 = _pick(share, email1[anchor], email1)
        mobile2 = np.where(in_family & (pos > 0) & (rng.random(n) < 0.4), mobile[anchor], mobile2)
        share_ns = has_partner & (rng.random(n) < 0.5)
        email1 = _pick(share_ns, email1[src], email1)

    return _People(
        n=n,
        ru=ru,
        sex=sex,
        given=given,
        sur=sur,
        pat=pat,
        mid=mid,
        birth=birth,
        household=anchor,
        role=role,
        in_family=in_family,
        twin=twin,
        junior=junior,
        namesake=np.zeros(n, dtype=bool),
        conv=conv,
        addr_ru=addr_ru,
        moved=moved,
        move_day=move_day,
        moved_visible=np.zeros(n, dtype=bool),
        addr=addr,
        old=old,
        mobile=mobile,
        mobile2=mobile2,
        home=home,
        email1=email1,
        email2=email2,
    )


def _namesake_flags(people: _People, keep: np.ndarray) -> np.ndarray:
    """People (among ``keep``) sharing their name with someone outside their household."""
    n_sur = int(people.sur.max(initial=0)) + 1
    key = ((people.given * n_sur + people.sur) * 2 + people.sex) * 200 + (people.pat + 1)
    frame = pd.DataFrame({"key": key[keep], "hh": people.household[keep]})
    n_households = frame.drop_duplicates().groupby("key")["hh"].size()
    out = np.zeros(people.n, dtype=bool)
    out[keep] = frame["key"].map(n_households).to_numpy() > 1
    return out


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass
class _Records:
    """Record-level arrays (all sources), sorted by person then source."""

    person: np.ndarray
    source: np.ndarray
    dup: np.ndarray
    use_old: np.ndarray
    conv: np.ndarray
    stamp: np.ndarray  # seconds since 1970 of the record's last change


def _draw_records(
    rng: np.random.Generator, people: _People, max_records: int
) -> tuple[_Records, np.ndarray]:
    n = people.n
    k = rng.choice(5, size=n, p=_N_SYSTEMS_P) + 1
    score = np.log(_SOURCE_WEIGHT)[None, :] + rng.gumbel(size=(n, len(SOURCES)))
    order = np.argsort(-score, axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(len(SOURCES)), order.shape), axis=1)
    member = rank < k[:, None]
    pp, ss = np.nonzero(member)
    r = rng.random(pp.size)
    copies = 1 + (r < _DUP_RATE[ss]) + (r < _DUP_RATE[ss] * 0.25)
    person = np.repeat(pp, copies)
    source = np.repeat(ss, copies)
    start = np.repeat(np.cumsum(copies) - copies, copies)
    dup = (np.arange(person.size) - start) > 0
    if person.size > max_records:
        person, source, dup = person[:max_records], source[:max_records], dup[:max_records]
    m = person.size
    # A mover's address-bearing records alternate between the old and the new address, so
    # anyone with two or more of them shows both.
    has_addr = _HAS_ADDRESS[source]
    first = np.searchsorted(person, person, side="left")
    seen = np.cumsum(has_addr)
    addr_rank = seen - (seen[first] - has_addr[first]) - 1
    flip = rng.integers(0, 2, n)
    use_old = people.moved[person] & has_addr & ((addr_rank + flip[person]) % 2 == 0)
    n_addr = np.bincount(person, weights=has_addr, minlength=n)
    people.moved_visible = people.moved & (n_addr >= 2)
    conv = np.where(rng.random(m) < 0.7, people.conv[person], rng.integers(0, 4, m))
    day_lo = np.where(people.moved[person] & ~use_old, people.move_day[person], _DAY_2014)
    day_hi = np.where(use_old, people.move_day[person], _DAY_2025)
    day = day_lo + (rng.random(m) * (day_hi - day_lo)).astype(np.int64)
    stamp = day * 86400 + rng.integers(0, 86400, m)
    keep = np.zeros(n, dtype=bool)
    keep[person] = True
    return _Records(person, source, dup, use_old, conv, stamp), keep


@dataclass
class _View:
    """Everything a source builder needs, restricted to that source's records."""

    p: np.ndarray  # person index per record
    ru: np.ndarray
    addr_ru: np.ndarray
    sex: np.ndarray
    given_idx: np.ndarray
    given: np.ndarray  # native script (Cyrillic for Russians)
    given_lat: np.ndarray
    sur: np.ndarray
    sur_lat: np.ndarray
    pat: np.ndarray  # Russian patronymic or English middle name, "" if none
    nick: np.ndarray
    nick_lat: np.ndarray
    has_nick: np.ndarray
    birth: np.ndarray
    stamp: np.ndarray
    use_old: np.ndarray
    addr: dict[str, np.ndarray]
    mobile: np.ndarray
    mobile2: np.ndarray
    home: np.ndarray
    email1: np.ndarray
    email2: np.ndarray
    twin: np.ndarray
    junior_son: np.ndarray

    @property
    def n(self) -> int:
        return len(self.p)


def _view(
    rng: np.random.Generator, pools: _Pools, people: _People, rec: _Records, sel: np.ndarray
) -> _View:
    p = rec.person[sel]
    conv = rec.conv[sel]
    sex = people.sex[p]
    g = people.given[p]
    s = people.sur[p]
    ru = people.ru[p]
    pat_idx = people.pat[p]
    mid_idx = people.mid[p]
    pat_ru = _pick(
        sex == 1,
        pools.pat_f[np.maximum(pat_idx, 0)],
        pools.pat_m[np.maximum(pat_idx, 0)],
    )
    pat_en = _pick(mid_idx >= 0, pools.given[np.maximum(mid_idx, 0)], "")
    nick_slot = np.where(pools.n_nicks[g] > 1, rng.integers(0, 2, p.size), 0)
    use_old = rec.use_old[sel]
    addr = {k: np.where(use_old, people.old[k][p], people.addr[k][p]) for k in people.addr}
    return _View(
        p=p,
        ru=ru,
        addr_ru=people.addr_ru[p],
        sex=sex,
        given_idx=g,
        given=pools.given[g],
        given_lat=pools.given_lat[conv, g],
        sur=_pick(sex == 1, pools.sur_f[s], pools.sur_m[s]),
        sur_lat=_pick(sex == 1, pools.sur_lat_f[conv, s], pools.sur_lat_m[conv, s]),
        pat=_pick(ru, pat_ru, pat_en),
        nick=pools.nick[nick_slot, g],
        nick_lat=pools.nick_lat[nick_slot, g],
        has_nick=pools.n_nicks[g] > 0,
        birth=people.birth[p],
        stamp=rec.stamp[sel],
        use_old=use_old,
        addr=addr,
        mobile=people.mobile[p],
        mobile2=people.mobile2[p],
        home=people.home[p],
        email1=people.email1[p],
        email2=people.email2[p],
        twin=people.twin[p],
        junior_son=people.role[p] == _JUNIOR,
    )


def _choose_phone(rng: np.random.Generator, v: _View, p_home: float, p_second: float) -> np.ndarray:
    r = rng.random(v.n)
    p_home_eff = np.where(v.twin, max(p_home, 0.5), p_home)
    use_home = (v.home >= 0) & (r < p_home_eff)
    use_m2 = (v.mobile2 >= 0) & (rng.random(v.n) < p_second)
    return np.where(use_home, v.home, np.where(use_m2, v.mobile2, v.mobile))


def _choose_email(rng: np.random.Generator, v: _View, p_second: float) -> np.ndarray:
    use2 = (np.strings.str_len(v.email2) > 0) & (rng.random(v.n) < p_second)
    return _pick(use2, v.email2, v.email1)


_PHONE_JUNK = ("N/A", "-", "0000000000", "нет", "+7 (000) 000-00-00")
_EMAIL_JUNK = ("-", "N/A", "noemail@mail.ru", "нет")


def _phone_column(
    rng: np.random.Generator,
    v: _View,
    ru_styles: list[float],
    us_styles: list[float],
    *,
    p_home: float,
    p_second: float,
    p_missing: float,
    p_junk: float,
) -> np.ndarray:
    nat = _choose_phone(rng, v, p_home, p_second)
    style = np.where(
        v.addr_ru, _choose_styles(rng, v.n, ru_styles), _choose_styles(rng, v.n, us_styles)
    )
    out = _phone_strings(nat, v.addr_ru, style)
    out = _junk(rng, out, p_junk, _PHONE_JUNK)
    return _blank(out, rng.random(v.n) < p_missing)


def _email_column(
    rng: np.random.Generator,
    v: _View,
    *,
    p_second: float,
    p_missing: float,
    p_junk: float,
    p_upper: float = 0.0,
) -> np.ndarray:
    out = _choose_email(rng, v, p_second)
    out = _pick(rng.random(v.n) < p_upper, np.strings.upper(out), out)
    out = _junk(rng, out, p_junk, _EMAIL_JUNK)
    return _blank(out, rng.random(v.n) < p_missing)


def _birth_column(
    rng: np.random.Generator, v: _View, style: np.ndarray | int, p_missing: float
) -> np.ndarray:
    out = _date_strings(v.birth, style)
    junk_mask = rng.random(v.n) < 0.004
    default = _date_strings(np.full(v.n, -25567), style)  # 1900-01-01, a classic default
    out = _pick(junk_mask, default, out)
    return _blank(out, rng.random(v.n) < p_missing)


def _ru_house(v: _View, long_form: np.ndarray) -> np.ndarray:
    house = _num(v.addr["house"])
    korpus = _pick(v.addr["korpus"] > 0, _cat("к", _num(v.addr["korpus"])), "")
    return _pick(long_form, _cat("д. ", house, korpus), _cat(house, korpus))


def _ru_street(rng: np.random.Generator, pools: _Pools, v: _View) -> np.ndarray:
    s_idx = np.where(v.addr_ru, v.addr["street"], 0)
    kind = pools.ru_street_kind[s_idx]
    name = pools.ru_street_name[s_idx]
    r = rng.random(v.n)
    long_kind = np.strings.replace(np.strings.replace(kind, "ул.", "улица"), "пр-т", "проспект")
    out = _pick(r < 0.7, _cat(kind, " ", name), _cat(name, " ", kind))
    out = _pick((r >= 0.85) & (r < 0.95), _cat(long_kind, " ", name), out)
    return _pick(r >= 0.95, name, out)


def _us_street(rng: np.random.Generator, pools: _Pools, v: _View) -> np.ndarray:
    s_idx = np.where(v.addr_ru, 0, v.addr["street"])
    suffix = _pick(
        rng.random(v.n) < 0.75,
        pools.us_suffix_short[v.addr["suffix"]],
        pools.us_suffix_full[v.addr["suffix"]],
    )
    return _cat(pools.us_street[s_idx], " ", suffix)


def _city(pools: _Pools, v: _View) -> np.ndarray:
    return _pick(
        v.addr_ru,
        pools.ru_city[np.where(v.addr_ru, v.addr["city"], 0)],
        pools.us_city[np.where(v.addr_ru, 0, v.addr["city"])],
    )


def _one_line_address(rng: np.random.Generator, pools: _Pools, v: _View) -> np.ndarray:
    """ "г. Москва, ул. Ленина, д. 5, кв. 12" / "12 Main St, Apt 4, Springfield, IL 62704"."""
    n = v.n
    city = _city(pools, v)
    r = rng.random(n)
    ru_city = _pick(r < 0.7, _cat("г. ", city), city)
    flat = _pick(v.addr["flat"] > 0, _cat(", кв. ", _num(v.addr["flat"])), "")
    ru_line = _cat(ru_city, ", ", _ru_street(rng, pools, v), ", ", _ru_house(v, r < 0.85), flat)
    with_post = rng.random(n) < 0.3
    ru_line = _pick(with_post & v.addr_ru, _cat(_num(v.addr["post"], 6), ", ", ru_line), ru_line)
    us_idx = np.where(v.addr_ru, 0, v.addr["city"])
    apt = _pick(v.addr["flat"] > 0, _cat(", Apt ", _num(v.addr["flat"])), "")
    us_line = _cat(
        _num(v.addr["house"]),
        " ",
        _us_street(rng, pools, v),
        apt,
        ", ",
        city,
        ", ",
        pools.us_state[us_idx],
        " ",
        _num(v.addr["post"], 5),
    )
    return _pick(v.addr_ru, ru_line, us_line)


def _modified(v: _View, sep: str) -> np.ndarray:
    return _timestamp_strings(v.stamp, sep)


def _extra(rng: np.random.Generator, n: int, values: tuple[str, ...], p: list[float]) -> np.ndarray:
    return np.array(values, dtype=_S)[_choose_styles(rng, n, p)]


@dataclass
class _Built:
    columns: dict[str, np.ndarray]
    translit: np.ndarray
    nickname: np.ndarray
    typo: np.ndarray
    shared_phone: np.ndarray


def _zeros(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def _build_billing(rng: np.random.Generator, pools: _Pools, v: _View) -> _Built:
    n = v.n
    with_pat = (np.strings.str_len(v.pat) > 0) & np.where(
        v.ru, rng.random(n) < 0.93, rng.random(n) < 0.4
    )
    sur, typo = _apply_typos(rng, v.sur, rng.random(n) < 0.02)
    name = _cat(sur, " ", v.given)
    name = _pick(with_pat, _cat(name, " ", v.pat), name)
    name = _pick(v.junior_son & ~v.ru & (rng.random(n) < 0.4), _cat(name, " Jr"), name)
    name = _yo_to_ye(rng, name, 0.5)
    name = _case(rng, name, 0.5, 0.0)
    name = _extra_spaces(rng, name, 0.03)
    cols = {
        "full_name": name,
        "phone": _phone_column(
            rng,
            v,
            [0.9, 0, 0.1],
            [0.85, 0.15],
            p_home=0.2,
            p_second=0.1,
            p_missing=0.02,
            p_junk=0.01,
        ),
        "email": _email_column(rng, v, p_second=0.1, p_missing=0.08, p_junk=0.01, p_upper=0.05),
        "birth_date": _birth_column(rng, v, 0, 0.03),
        "billing_address": _yo_to_ye(rng, _one_line_address(rng, pools, v), 0.5),
        "modified": _modified(v, " "),
        "segment": _extra(rng, n, ("B2C", "VIP", "SMB", "STAFF"), [80, 8, 10, 2]),
    }
    return _Built(cols, _zeros(n), _zeros(n), typo, _zeros(n))


def _build_webshop(rng: np.random.Generator, pools: _Pools, v: _View) -> _Built:
    n = v.n
    nick = v.has_nick & np.where(v.ru, rng.random(n) < 0.05, rng.random(n) < 0.15)
    first = _pick(nick, v.nick_lat, v.given_lat)
    last, typo = _apply_typos(rng, v.sur_lat, rng.random(n) < 0.02)
    lower = rng.random(n) < 0.08
    first = _pick(lower, np.strings.lower(first), first)
    last = _pick(lower, np.strings.lower(last), last)
    # Accounts were opened some time before their last change.
    created = _DAY_2012 * 86400 + (rng.random(n) * (v.stamp - _DAY_2012 * 86400)).astype(np.int64)
    cols = {
        "first_name": _extra_spaces(rng, first, 0.02),
        "last_name": last,
        "email": _email_column(rng, v, p_second=0.2, p_missing=0.02, p_junk=0.0),
        "phone": _phone_column(
            rng,
            v,
            [0, 0.5, 0.5],
            [0, 0.6, 0, 0, 0.4],
            p_home=0.05,
            p_second=0.15,
            p_missing=0.2,
            p_junk=0.005,
        ),
        "birth_date": _birth_column(rng, v, 1, 0.3),
        "created_at": _timestamp_strings(created, "T"),
        "consent_marketing": _extra(rng, n, ("true", "false", ""), [55, 35, 10]),
    }
    return _Built(cols, v.ru.copy(), nick, typo, _zeros(n))


_SHOP_PHONES = np.array(
    [4951000101, 4951000202, 8121000303, 3831000404, 3431000505, 8431000606], dtype=np.int64
)


def _build_pos(rng: np.random.Generator, pools: _Pools, v: _View) -> _Built:
    n = v.n
    nick = v.has_nick & (rng.random(n) < 0.1)
    given = _pick(nick, v.nick, v.given)
    name = _cat(given, " ", _initial(v.sur))
    name = _case(rng, _yo_to_ye(rng, name, 0.5), 0.05, 0.0)
    phone = _phone_column(
        rng, v, [0, 0, 0, 1], [0, 0, 1], p_home=0.2, p_second=0.1, p_missing=0.05, p_junk=0.02
    )
    shared = (rng.random(n) < 0.03) & v.addr_ru
    shop = _SHOP_PHONES[rng.integers(0, len(_SHOP_PHONES), n)]
    phone = _pick(shared, _num(shop, 10), phone)
    cols = {
        "holder_name": name,
        "phone": phone,
        "email": _email_column(rng, v, p_second=0.2, p_missing=0.95, p_junk=0.0),
        "birth_date": _birth_column(rng, v, 0, 0.45),
        "loyalty_level": _extra(rng, n, ("Bronze", "Silver", "Gold", "Platinum"), [50, 30, 15, 5]),
        "store_id": _cat("S", _num(rng.integers(1, 120, n), 3)),
    }
    return _Built(cols, _zeros(n), nick, _zeros(n), shared)


def _build_contact_centre(rng: np.random.Generator, pools: _Pools, v: _View) -> _Built:
    n = v.n
    nick = v.has_nick & (rng.random(n) < 0.55)
    given = _pick(nick, v.nick, v.given)
    r = rng.random(n)
    ru_name = _pick(r < 0.25, given, _cat(given, " ", v.sur))
    has_pat = np.strings.str_len(v.pat) > 0
    name_pat = (r >= 0.65) & (r < 0.85) & v.ru & has_pat
    ru_name = _pick(name_pat, _cat(v.given, " ", v.pat), ru_name)
    ru_name = _pick(r >= 0.85, _cat(v.sur, " ", given), ru_name)
    en_name = _pick(r < 0.35, given, _cat(given, " ", v.sur))
    name = _pick(v.ru, ru_name, en_name)
    nick = nick & ~name_pat
    name = _extra_spaces(rng, _yo_to_ye(rng, name, 0.6), 0.03)
    call = v.stamp + rng.integers(0, 86400 * 30, n)
    cols = {
        "caller_name": name,
        "phone": _phone_column(
            rng,
            v,
            [1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 1, 1],
            p_home=0.25,
            p_second=0.35,
            p_missing=0.03,
            p_junk=0.02,
        ),
        "call_time": _cat(
            _date_strings(call // 86400, 0),
            " ",
            np.strings.slice(_timestamp_strings(call, " "), 11, 16),
        ),
        "topic": _extra(
            rng, n, ("billing", "delivery", "complaint", "tariff", "other"), [30, 25, 15, 20, 10]
        ),
    }
    return _Built(cols, _zeros(n), nick, _zeros(n), _zeros(n))


def _build_marketing(rng: np.random.Generator, pools: _Pools, v: _View) -> _Built:
    n = v.n
    latin = v.ru & (rng.random(n) < 0.3)
    nick = v.has_nick & (rng.random(n) < 0.1)
    first = _pick(latin, _pick(nick, v.nick_lat, v.given_lat), _pick(nick, v.nick, v.given))
    last = _pick(latin, v.sur_lat, v.sur)
    email = _email_column(rng, v, p_second=0.3, p_missing=0.1, p_junk=0.01)
    has_typo = rng.random(n) < 0.35
    target = rng.choice(3, size=n, p=[0.3, 0.4, 0.3])
    first, t1 = _apply_typos(rng, first, has_typo & (target == 0))
    last, t2 = _apply_typos(rng, last, has_typo & (target == 1))
    email_ok = np.strings.find(email, "@") > 0
    email, t3 = _apply_typos(rng, email, has_typo & (target == 2) & email_ok)
    r = rng.random(n)
    first = _pick(r < 0.25, np.strings.lower(first), first)
    last = _pick(r < 0.25, np.strings.lower(last), last)
    first = _pick((r >= 0.25) & (r < 0.4), np.strings.upper(first), first)
    last = _pick((r >= 0.25) & (r < 0.4), np.strings.upper(last), last)
    date_style = np.where(v.ru, 0, 2)
    cols = {
        "fname": _extra_spaces(rng, _yo_to_ye(rng, first, 0.5), 0.04),
        "lname": _yo_to_ye(rng, last, 0.5),
        "email": _pick(rng.random(n) < 0.15, np.strings.capitalize(email), email),
        "phone": _phone_column(
            rng,
            v,
            [0, 1, 1, 0, 0, 1],
            [0, 0, 0, 1, 1],
            p_home=0.1,
            p_second=0.2,
            p_missing=0.4,
            p_junk=0.02,
        ),
        "birth_date": _birth_column(rng, v, date_style, 0.35),
        "campaign": _extra(
            rng,
            n,
            ("spring_sale", "black_friday", "newsletter", "webinar", "partner"),
            [25, 30, 25, 10, 10],
        ),
        "consent": _extra(rng, n, ("yes", "no"), [70, 30]),
    }
    return _Built(cols, latin, nick, t1 | t2 | t3, _zeros(n))


def _build_erp(rng: np.random.Generator, pools: _Pools, v: _View) -> _Built:
    n = v.n
    with_pat = (np.strings.str_len(v.pat) > 0) & np.where(
        v.ru, rng.random(n) < 0.7, rng.random(n) < 0.3
    )
    sur, typo = _apply_typos(rng, v.sur, rng.random(n) < 0.015)
    name = _pick(with_pat, _cat(v.given, " ", v.pat, " ", sur), _cat(v.given, " ", sur))
    name = _pick(v.junior_son & ~v.ru & (rng.random(n) < 0.4), _cat(name, " Jr."), name)
    name = _extra_spaces(rng, _yo_to_ye(rng, name, 0.5), 0.02)
    city = _yo_to_ye(rng, _city(pools, v), 0.5)
    street = _pick(v.addr_ru, _ru_street(rng, pools, v), _us_street(rng, pools, v))
    house_ru = _ru_house(v, rng.random(n) < 0.2)
    with_flat = (v.addr["flat"] > 0) & (rng.random(n) < 0.3)
    house_ru = _pick(with_flat, _cat(house_ru, ", кв. ", _num(v.addr["flat"])), house_ru)
    post = _pick(v.addr_ru, _num(v.addr["post"], 6), _num(v.addr["post"], 5))
    cols = {
        "customer_name": name,
        "phone": _phone_column(
            rng,
            v,
            [0.3, 0, 0, 0, 0.4, 0, 0.3],
            [0, 0, 0, 0.4, 0.4, 0.1, 0.1],
            p_home=0.15,
            p_second=0.1,
            p_missing=0.05,
            p_junk=0.01,
        ),
        "email": _email_column(rng, v, p_second=0.15, p_missing=0.15, p_junk=0.01),
        "zip": _blank(post, rng.random(n) < 0.1),
        "city": city,
        "street": _yo_to_ye(rng, street, 0.5),
        "house": _pick(v.addr_ru, house_ru, _num(v.addr["house"])),
        "updated_at": _modified(v, "T"),
        "payment_method": _extra(rng, n, ("card", "cash", "invoice", "sbp"), [60, 15, 10, 15]),
    }
    return _Built(cols, _zeros(n), _zeros(n), typo, _zeros(n))


_BUILDERS: dict[str, Callable[[np.random.Generator, _Pools, _View], _Built]] = {
    "billing": _build_billing,
    "webshop": _build_webshop,
    "pos_loyalty": _build_pos,
    "contact_centre": _build_contact_centre,
    "marketing": _build_marketing,
    "erp_orders": _build_erp,
}


def _record_ids(source: str, numbers: np.ndarray) -> np.ndarray:
    if source == "billing":
        return _cat("ACC", _num(numbers, 7))
    if source == "webshop":
        return _num(100_000 + numbers)
    if source == "pos_loyalty":
        return _cat("2770", _num(numbers, 9))
    if source == "contact_centre":
        return _cat("CC-", _num(numbers, 8))
    if source == "marketing":
        return _cat("LD", _num(numbers, 7))
    return _num(5_000_000 + numbers)


def _generate_chunk(
    rng: np.random.Generator,
    n_people: int,
    *,
    stress: bool,
    max_records: int,
    offsets: _Offsets,
    registry: _Registry,
) -> _Chunk:
    pools = _pools_arrays()
    people = _draw_people(rng, n_people, stress=stress, pools=pools, registry=registry)
    rec, keep = _draw_records(rng, people, max_records)
    # Tags that depend on who made it into the data.
    hh_kept = np.bincount(people.household[keep], minlength=people.n)
    in_family = hh_kept[people.household] > 1
    namesake = _namesake_flags(people, keep)
    person_ids = _cat("P", _num(offsets.people + np.arange(people.n), 8))

    tables: dict[str, pd.DataFrame] = {}
    truths: list[pd.DataFrame] = []
    for s_idx, source in enumerate(SOURCES):
        sel = np.flatnonzero(rec.source == s_idx)
        # Systems hand out ids in registration order, not grouped by person.
        sel = sel[rng.permutation(sel.size)]
        v = _view(rng, pools, people, rec, sel)
        built = _BUILDERS[source](rng, pools, v)
        ids = _record_ids(source, offsets.records[source] + np.arange(sel.size))
        offsets.records[source] += sel.size
        columns: dict[str, Any] = {_ID_COLUMNS[source]: ids.astype(object)}
        for name, values in built.columns.items():
            columns[name] = np.asarray(values, dtype=_S).astype(object)
        tables[source] = pd.DataFrame(columns)
        p = v.p
        truths.append(
            pd.DataFrame(
                {
                    "source": source,
                    "record_id": ids.astype(object),
                    "person_id": person_ids[p].astype(object),
                    "is_family": in_family[p],
                    "is_twin": people.twin[p] & in_family[p],
                    "is_junior": people.junior[p] & in_family[p],
                    "is_namesake": namesake[p],
                    "is_translit": built.translit,
                    "is_nickname": built.nickname,
                    "is_typo": built.typo,
                    "is_moved": people.moved_visible[p],
                    "is_duplicate": rec.dup[sel],
                    "is_shared_phone": built.shared_phone,
                }
            )
        )
    offsets.people += people.n
    truth = pd.concat(truths, ignore_index=True)
    return _Chunk(tables=tables, truth=truth, n_records=len(truth))
