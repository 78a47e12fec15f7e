"""Nicknames and diminutives: Саша → Александр, Bob → Robert.

Data
----
* Russian: ``normalise/data/ru_nicknames.csv`` (``formal,gender,kind,names``); ``kind`` is
  ``diminutive`` (Саша for Александр) or ``spelling`` (Наталия for Наталья).
* English: the ``nicknames`` package (Bob → Robert, Liz → Elizabeth ...), plus
  ``normalise/data/en_nicknames_extra.csv`` (``formal,names``) for common pairs it lacks
  (Barb → Barbara, Liv → Olivia).

Everything is keyed by :func:`~custmdm.normalise.translit.translit_key`, so Latin
transliterations of Russian diminutives (Sasha, Vanya, Zhenya) work as well. Data is loaded
lazily on first use and cached.

Matching rule (not transitive)
------------------------------
``canonical_given_names(x)`` is the key of ``x`` plus the keys of the formal names ``x`` may
stand for. Two given names *a* and *b* match on nickname level iff

* ``key(a)`` is in ``canonical_given_names(b)``, or ``key(b)`` is in
  ``canonical_given_names(a)`` (one is a nickname / spelling of the other, or they are equal), or
* the two sets share a key that is a *formal* name (both are nicknames of one formal name:
  Саша and Шура).

Nicknames of nicknames are never followed, so Rob ~ Robert and Robin ~ Rob do not make Robin
match Robert, and Евгений ~ Женя ~ Евгения does not make Евгений match Евгения.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from custmdm._setops import RowSets, any_shared, contains
from custmdm.normalise.translit import translit_key

__all__ = ["canonical_given_names", "formal_name_keys", "given_name_keys", "nickname_match"]


class _NicknameData:
    __slots__ = ("canonicals", "formal", "given")

    def __init__(self) -> None:
        self.canonicals: dict[str, set[str]] = {}
        self.formal: set[str] = set()
        self.given: set[str] = set()

    def add(self, nickname: str, formal: str) -> None:
        nk, fk = translit_key(nickname), translit_key(formal)
        if not nk or not fk or " " in nk or " " in fk:
            return
        self.formal.add(fk)
        self.given.update((nk, fk))
        if nk != fk:
            self.canonicals.setdefault(nk, set()).add(fk)


def _load_russian(data: _NicknameData) -> None:
    text = (
        resources.files("custmdm.normalise")
        .joinpath("data/ru_nicknames.csv")
        .read_text(encoding="utf-8")
    )
    for row in csv.DictReader(text.splitlines()):
        formal = row["formal"].strip()
        data.given.add(translit_key(formal))
        data.formal.add(translit_key(formal))
        for name in row["names"].split():
            data.add(name, formal)


def _load_english(data: _NicknameData) -> None:
    try:
        from nicknames import NickNamer
    except ImportError:  # pragma: no cover - a declared dependency, but degrade gracefully
        return
    for canonical, nicks in NickNamer().nickname_lookup.items():
        data.formal.add(translit_key(canonical))
        data.given.add(translit_key(canonical))
        for nick in nicks:
            data.add(nick, canonical)


def _load_english_extra(data: _NicknameData) -> None:
    text = resources.files("custmdm.normalise").joinpath("data/en_nicknames_extra.csv")
    for row in csv.DictReader(text.read_text(encoding="utf-8").splitlines()):
        data.formal.add(translit_key(row["formal"]))
        data.given.add(translit_key(row["formal"]))
        for name in row["names"].split():
            data.add(name, row["formal"])


@cache
def _data() -> _NicknameData:
    data = _NicknameData()
    _load_russian(data)
    _load_english(data)
    _load_english_extra(data)
    from custmdm.normalise._given_names import COMMON_SURNAMES_NOT_GIVEN, EXTRA_GIVEN_NAMES

    data.given.difference_update(translit_key(n) for n in COMMON_SURNAMES_NOT_GIVEN)
    data.given.update(k for k in (translit_key(n) for n in EXTRA_GIVEN_NAMES) if k)
    return data


@lru_cache(maxsize=1 << 16)
def canonical_given_names(name: str) -> frozenset[str]:
    """Translit keys of the formal names ``name`` may stand for, including its own key.

    Examples
    --------
    >>> sorted(canonical_given_names("Саша"))
    ['alexander', 'alexandr', 'alexandra', 'sasha']
    >>> "ivan" in canonical_given_names("Vanya")
    True
    """
    key = translit_key(name)
    if not key:
        return frozenset()
    return frozenset({key, *_data().canonicals.get(key, ())})


def given_name_keys() -> frozenset[str]:
    """Translit keys of all known given names (formal and diminutive, Russian and English)."""
    return _given_frozen()


@cache
def _given_frozen() -> frozenset[str]:
    return frozenset(_data().given)


@cache
def formal_name_keys() -> frozenset[str]:
    """Translit keys of formal given names (Александр, Robert; not Саша or Bob).

    The extra given-name list counts as formal as well.
    """
    from custmdm.normalise._given_names import EXTRA_GIVEN_NAMES

    extra = {translit_key(n) for n in EXTRA_GIVEN_NAMES}
    return frozenset(_data().formal | {k for k in extra if k})


def _pair_match(a: str, b: str) -> bool:
    ka, kb = translit_key(a), translit_key(b)
    if not ka or not kb:
        return False
    ca, cb = canonical_given_names(a), canonical_given_names(b)
    if ka in cb or kb in ca:
        return True
    shared = ca & cb
    return bool(shared) and not shared.isdisjoint(_data().formal)


def nickname_match(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise nickname-level match of two aligned arrays of given names.

    Missing or empty names never match. Computed once per distinct ``(a, b)`` pair.

    Examples
    --------
    >>> nickname_match(np.array(["Саша", "Bob", "Robin"]), np.array(["Александр", "Robert", "Robert"]))
    array([ True,  True, False])
    """
    left = np.asarray(a, dtype=object)
    right = np.asarray(b, dtype=object)
    if left.shape != right.shape:
        raise ValueError(
            f"nickname_match needs arrays of one shape. Got {left.shape} and {right.shape}."
        )
    n = left.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    both = np.concatenate([left.ravel(), right.ravel()])
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    ca, cb = codes[:n], codes[n:]
    valid = (ca >= 0) & (cb >= 0)
    out = np.zeros(n, dtype=bool)
    if not valid.any():
        return out.reshape(left.shape)
    groups = _NameGroups.of([u if isinstance(u, str) else str(u) for u in uniques])
    out[valid] = groups.match(ca[valid], cb[valid])
    return out.reshape(left.shape)


@dataclass(frozen=True)
class _NameGroups:
    """:func:`_pair_match` for many pairs of a few distinct names, without a call per pair.

    Each distinct name's key, canonical names and formal canonical names become integer
    codes of one vocabulary, computed once per name; the three tests of a pair are then
    set-membership tests over all pairs at once.
    """

    key: np.ndarray  # vocabulary code of each name's translit key (-1: empty key)
    canonical: RowSets  # canonical_given_names of each name
    formal: RowSets  # its members that are formal names
    canonical_keys: np.ndarray  # canonical.keys(width)
    width: int

    @classmethod
    def of(cls, names: list[str]) -> _NameGroups:
        vocab: dict[str, int] = {}
        formal_names = _data().formal
        keys = np.full(len(names), -1, dtype=np.int64)
        canonical: list[list[int]] = []
        formal: list[list[int]] = []
        for k, name in enumerate(names):
            key = translit_key(name)
            if key:
                keys[k] = vocab.setdefault(key, len(vocab))
            group = sorted(canonical_given_names(name))
            canonical.append([vocab.setdefault(c, len(vocab)) for c in group])
            formal.append([vocab[c] for c in group if c in formal_names])
        sets = RowSets.of(canonical)
        width = max(len(vocab), 1)
        return cls(keys, sets, RowSets.of(formal), sets.keys(width), width)

    def match(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """:func:`_pair_match` of names ``a[k]`` and ``b[k]`` (positions in ``names``)."""
        ka, kb = self.key[a], self.key[b]
        both_keys = (ka >= 0) & (kb >= 0)
        # one name's key among the other's canonical names, or a formal name both stand for
        hit = contains(self.canonical_keys, self.width, b, ka)
        hit |= contains(self.canonical_keys, self.width, a, kb)
        hit |= any_shared(self.formal, a, self.canonical_keys, self.width, b)
        return hit & both_keys
