"""Blocking: candidate pairs from declarative rules, counted before they are built.

A rule ``on=[k1, k2]`` pairs every two records that agree on all its keys. The
union of rules yields each pair once: a pair produced by rule *r* is dropped when
an earlier rule already produced it (its keys agree there too), so no global
de-duplication of pairs is needed and pairs can stream in bounded chunks.

Pairs are ``(left, right)`` int32 arrays of row positions in the prepared table
with ``left < right``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custmdm.config import BlockingRule
from custmdm.exceptions import BlockingError

log = logging.getLogger(__name__)

#: Keys that identify a person on their own; a value carried by too many records is generic.
IDENTIFIER_KEYS: tuple[str, ...] = ("phone_key", "email", "national_id")

#: The input field a derived key stands for, in reports and quality flags.
_FIELD_OF_KEY = {"phone_key": "phone"}


def key_field(key: str) -> str:
    """The field name users know a blocking key by (``phone_key`` is the phone)."""
    return _FIELD_OF_KEY.get(key, key)


def generic_key(key: str) -> str:
    """The identifier key whose generic values also mask ``key`` (a rule on ``phone`` is
    masked where ``phone_key`` is generic: the shop's counter phone in either spelling)."""
    return next((k for k, field in _FIELD_OF_KEY.items() if field == key), key)


DEFAULT_CHUNK_PAIRS = 2_000_000

#: Largest block of the default full-name rule (see :func:`default_blocking_rules`).
NAME_BLOCK_LIMIT = 100
#: Pair budget of the default full-name rule, per record of the table.
NAME_PAIRS_PER_RECORD = 2.0


_MASK_KEY = os.urandom(16)


def mask_value(value: object) -> str:
    """A value safe to show in messages: a digest keyed per process, never the value.

    The same value gets the same tag within one run, so messages can be correlated,
    but the tag cannot be reversed by hashing guesses.
    """
    digest = hmac.new(_MASK_KEY, str(value).encode("utf-8", "surrogatepass"), hashlib.sha256)
    return f"<value #{digest.hexdigest()[:10]}>"


def factorize_column(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer codes of a column, -1 where missing; codes follow order of first appearance."""
    codes, _ = pd.factorize(pd.Series(values, copy=False), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def combine_codes(code_columns: Sequence[np.ndarray]) -> np.ndarray:
    """One code per record for a tuple of key codes; -1 if any key is missing."""
    combined = code_columns[0].astype(np.int64, copy=True)
    for codes in code_columns[1:]:
        missing = (combined < 0) | (codes < 0)
        width = int(codes.max(initial=-1)) + 1
        combined = combined * max(width, 1) + codes
        combined[missing] = -1
        # re-factorize to keep codes dense and overflow-free
        valid = combined >= 0
        dense = np.full(combined.shape, -1, dtype=np.int64)
        if valid.any():
            _, inverse = np.unique(combined[valid], return_inverse=True)
            dense[valid] = inverse
        combined = dense
    return combined


@dataclass(frozen=True)
class RuleStats:
    """What a blocking rule would do, computed before any pair is built."""

    rule: str
    pairs: int
    largest_blocks: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class GenericValue:
    """A value of an identifier key carried by many records (shop phone, default email)."""

    key: str
    masked_value: str
    records: int


class Blocker:
    """Candidate pairs from blocking rules over a prepared table.

    Parameters
    ----------
    table
        The prepared record table (one row per record).
    rules
        Blocking rules, applied in order; their union gives each pair once.
    max_pairs_per_rule
        A rule that would build more pairs than this raises :class:`BlockingError`.
    generic
        Per key column, codes to treat as missing (generic values).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        rules: Sequence[BlockingRule],
        *,
        max_pairs_per_rule: int,
        generic: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.rules = list(rules)
        missing = sorted({k for r in self.rules for k in r.on} - set(table.columns))
        if missing:
            from custmdm.exceptions import ConfigError

            msg = f"blocking rules use unknown key column(s) {missing}"
            raise ConfigError(msg)
        key_codes: dict[str, np.ndarray] = {}
        for key in sorted({k for r in self.rules for k in r.on}):
            codes = factorize_column(table[key].to_numpy())
            source = key if generic and key in generic else generic_key(key)
            if generic and source in generic and generic[source].size:
                masked = codes if source == key else factorize_column(table[source].to_numpy())
                codes = codes.copy()
                codes[np.isin(masked, generic[source])] = -1
            key_codes[key] = codes
        # dense codes fit in int32 while a table has fewer than 2**31 rows: half the memory
        code_type = np.int32 if len(table) < np.iinfo(np.int32).max else np.int64
        self._rule_codes: list[np.ndarray] = [
            _cap_blocks(combine_codes([key_codes[k] for k in r.on]).astype(code_type), r)
            for r in self.rules
        ]
        del key_codes
        self._table = table
        self.max_pairs_per_rule = max_pairs_per_rule

    def stats(self) -> list[RuleStats]:
        """Pair count of every rule (before de-duplication against earlier rules)."""
        out = []
        for rule, codes in zip(self.rules, self._rule_codes, strict=True):
            valid = codes[codes >= 0]
            counts = np.bincount(valid) if valid.size else np.zeros(0, dtype=np.int64)
            pairs = int((counts * (counts - 1) // 2).sum())
            top = np.argsort(-counts, kind="stable")[:5]
            largest = []
            for code in top:
                if counts[code] < 2:
                    break
                first = int(np.flatnonzero(codes == code)[0])
                value = "|".join(str(self._table[k].iat[first]) for k in rule.on)
                largest.append((mask_value(value), int(counts[code])))
            out.append(RuleStats(rule.label, pairs, largest))
        return out

    def check(self) -> list[RuleStats]:
        """Raise :class:`BlockingError` if a rule would build too many pairs."""
        stats = self.stats()
        for s in stats:
            if s.pairs > self.max_pairs_per_rule:
                worst = ", ".join(f"{v} in {n:,} records" for v, n in s.largest_blocks[:3])
                msg = (
                    f"blocking rule '{s.rule}' would build {s.pairs:,} candidate pairs, more than "
                    f"max_pairs_per_rule={self.max_pairs_per_rule:,}; largest blocks: {worst}. "
                    "Make the rule stricter (add a key) or raise max_pairs_per_rule."
                )
                raise BlockingError(msg)
        return stats

    def iter_pairs(
        self, chunk_pairs: int = DEFAULT_CHUNK_PAIRS
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield candidate pairs in chunks of at most about ``chunk_pairs``; each pair once."""
        for r, codes in enumerate(self._rule_codes):
            earlier = self._rule_codes[:r]
            for left, right in _pairs_within_blocks(codes, chunk_pairs):
                if earlier:
                    keep = np.ones(left.size, dtype=bool)
                    for prev in earlier:
                        pl = prev[left]
                        keep &= ~((pl >= 0) & (pl == prev[right]))
                    left, right = left[keep], right[keep]
                if left.size:
                    yield left, right

    def rule_agreement(self, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
        """Per rule, which of the given pairs agree on all of the rule's keys."""
        out = []
        for codes in self._rule_codes:
            cl = codes[left]
            out.append((cl >= 0) & (cl == codes[right]))
        return out

    def all_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """All candidate pairs, sorted by (left, right)."""
        lefts, rights = [], []
        for left, right in self.iter_pairs():
            lefts.append(left)
            rights.append(right)
        if not lefts:
            empty = np.zeros(0, dtype=np.int32)
            return empty, empty.copy()
        left = np.concatenate(lefts)
        right = np.concatenate(rights)
        order = np.lexsort((right, left))
        return left[order], right[order]


def block_size_limit(
    rule: BlockingRule, blocks_of_size: Sequence[int] | np.ndarray, records: int
) -> int | None:
    """The largest block that builds pairs under ``rule``; ``None`` if every block does.

    ``blocks_of_size[s]`` is the number of blocks of ``s`` records (a histogram, so the
    Spark engine can collect it cheaply) and ``records`` the rows of the table. The limit is
    the rule's ``max_block_size``, lowered while the blocks up to it would build more than
    ``max_pairs_per_record * records`` pairs: blocks are admitted smallest first.
    """
    limit = rule.max_block_size
    if rule.max_pairs_per_record is None:
        return limit
    hist = np.asarray(blocks_of_size, dtype=np.int64)
    sizes = np.arange(hist.size, dtype=np.int64)
    cumulative = np.cumsum(hist * (sizes * (sizes - 1) // 2))
    within = np.flatnonzero(cumulative <= rule.max_pairs_per_record * records)
    # cumulative[0] = cumulative[1] = 0, so a size of at least 1 always fits the budget
    budget_limit = max(int(within[-1]), 1) if within.size else 1
    if budget_limit >= hist.size - 1:
        return limit
    return budget_limit if limit is None else min(limit, budget_limit)


def _cap_blocks(codes: np.ndarray, rule: BlockingRule) -> np.ndarray:
    """``codes`` with the blocks over the rule's block-size limit set to -1 (no block)."""
    if rule.max_block_size is None and rule.max_pairs_per_record is None:
        return codes
    valid = codes >= 0
    if not valid.any():
        return codes
    sizes = np.bincount(codes[valid])
    limit = block_size_limit(rule, np.bincount(sizes), codes.size)
    if limit is None:
        return codes
    over = np.zeros(codes.size, dtype=bool)
    over[valid] = sizes[codes[valid]] > limit
    if over.any():
        log.info(
            "blocking rule '%s': %d blocks of more than %d records (%d records) build no "
            "pairs under this rule",
            rule.label,
            int((sizes > limit).sum()),
            limit,
            int(over.sum()),
        )
        codes = codes.copy()
        codes[over] = -1
    return codes


def _pairs_within_blocks(
    codes: np.ndarray, chunk_pairs: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """All pairs of rows sharing a code, as (left < right) int32 arrays, in bounded chunks."""
    valid = np.flatnonzero(codes >= 0)
    if valid.size < 2:
        return
    order = valid[np.argsort(codes[valid], kind="stable")]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sizes = np.diff(np.r_[starts, sorted_codes.size])
    # position of each element inside its block, and how many partners follow it
    block_of = np.repeat(np.arange(starts.size), sizes)
    offset = np.arange(sorted_codes.size) - starts[block_of]
    partners = sizes[block_of] - 1 - offset
    has = np.flatnonzero(partners > 0)
    if has.size == 0:
        return
    cum = np.cumsum(partners[has])
    begin = 0
    while begin < has.size:
        base = cum[begin - 1] if begin else 0
        end = int(np.searchsorted(cum, base + chunk_pairs, side="right"))
        end = max(end, begin + 1)
        elems = has[begin:end]
        counts = partners[elems]
        lpos = np.repeat(elems, counts)
        # partner k of element e sits at e + 1 + k
        run_start = np.repeat(np.cumsum(counts) - counts, counts)
        k = np.arange(lpos.size) - run_start
        rpos = lpos + 1 + k
        a = order[lpos]
        b = order[rpos]
        left = np.minimum(a, b).astype(np.int32)
        right = np.maximum(a, b).astype(np.int32)
        yield left, right
        begin = end


def generic_values(
    table: pd.DataFrame, keys: Sequence[str], max_share: int
) -> tuple[dict[str, np.ndarray], list[GenericValue]]:
    """Codes of identifier values carried by more than ``max_share`` records, per key.

    Such values (a shop's counter phone, a default email) never form a block.
    """
    codes_out: dict[str, np.ndarray] = {}
    found: list[GenericValue] = []
    for key in keys:
        if key not in table.columns:
            continue
        codes = factorize_column(table[key].to_numpy())
        valid = codes[codes >= 0]
        if not valid.size:
            continue
        counts = np.bincount(valid)
        big = np.flatnonzero(counts > max_share)
        codes_out[key] = big
        for code in big[np.argsort(-counts[big], kind="stable")]:
            first = int(np.flatnonzero(codes == code)[0])
            found.append(
                GenericValue(key_field(key), mask_value(table[key].iat[first]), int(counts[code]))
            )
    return codes_out, found


def default_blocking_rules(fields: Sequence[str] | set[str]) -> list[BlockingRule]:
    """Blocking rules derived from the canonical fields the sources map.

    Identifiers block on their own; names block with a second key so that a
    common name never forms one giant block.
    """
    has = set(fields)
    names = bool(has & {"full_name", "first_name", "last_name"})
    rules: list[BlockingRule] = []
    if "phone" in has:
        # the phone's matching key: a bare +1/+7 number meets itself written with either code
        rules.append(BlockingRule(on=["phone_key"]))
    for key in ("email", "national_id"):
        if key in has:
            rules.append(BlockingRule(on=[key]))
    if names:
        # first and last name in either order; a full name carried by more than
        # NAME_BLOCK_LIMIT records is common enough that its pairs come from the rules with
        # a second key (its blocks grow with the square of the data: 664 records at 1M), and
        # the pair budget lowers that limit as the data grows (namesakes fill the blocks)
        rules.append(
            BlockingRule(
                on=["name_pair_key"],
                max_block_size=NAME_BLOCK_LIMIT,
                max_pairs_per_record=NAME_PAIRS_PER_RECORD,
            )
        )
    if names and "birth_date" in has:
        rules.append(BlockingRule(on=["last_phonetic", "birth_date"]))
        rules.append(BlockingRule(on=["first_phonetic", "birth_date"]))
    if names and ("postcode" in has or "address" in has):
        rules.append(BlockingRule(on=["postcode", "last_phonetic"]))
        rules.append(BlockingRule(on=["postcode", "first_phonetic"]))
    if names and "address" in has:
        rules.append(BlockingRule(on=["address_key", "first_letter"]))
    if "birth_date" in has and ("postcode" in has or "address" in has):
        rules.append(BlockingRule(on=["birth_date", "postcode"]))
    if "house_number" in has and "postcode" in has:
        rules.append(BlockingRule(on=["postcode", "house_number"]))
    if not rules:
        from custmdm.exceptions import ConfigError

        msg = (
            "cannot derive blocking rules: map at least a name, phone, email or national_id "
            "field, or give 'blocking' rules in the config"
        )
        raise ConfigError(msg)
    return rules
