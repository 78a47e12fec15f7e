"""Phone numbers to E.164 with ``phonenumbers``.

Each distinct raw value is parsed once. A raw value may hold several numbers separated by
``,`` ``;`` ``/`` ``|``, a newline or the words ``or`` / ``или``; ``phones`` keeps all distinct
valid numbers and ``phone`` the first one.

For each part, the regions are tried in order (the source's default region first): the first
region under which ``phonenumbers`` says the number is *valid* wins. A number grouped 3-3-4
("(702) 529-5831") tries a North American region of the list first (see
:func:`preferred_regions`): bare digits cannot tell it from a Russian or Kazakh +7 number. Numbers written with ``+``
or ``00`` carry their own country code. Placeholder numbers (one repeated digit, ascending or
descending runs such as ``1234567890``, fewer than 7 digits) are flagged ``junk_phone`` and never
parsed; anything else that is not valid anywhere is flagged ``invalid_phone``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from custmdm.normalise._common import (
    Reasons,
    apply_distinct,
    clean_scalar,
    map_distinct,
    text_positions,
    to_text,
)
from custmdm.normalise.issues import INVALID_PHONE, JUNK_PHONE, JUNK_VALUE

__all__ = [
    "PHONE_COLUMNS",
    "fast_e164",
    "is_junk_phone_digits",
    "normalise_phones",
    "phone_keys",
    "preferred_regions",
]

PHONE_COLUMNS: tuple[str, ...] = ("phone", "phones")
_FIELD = "phone"

_SPLIT_RE = re.compile(
    r"\s*(?:[,;/|\n]|\s(?:or|или|либо|и|and)\s|(?<=\d)(?=\+\d))\s*", re.IGNORECASE
)
# The number itself: from the first digit (or a "+" / "(" right before it) to the last digit;
# labels around it ("тел.", "моб.", "(Иван)") are dropped.
_NUMBER_SPAN_RE = re.compile(r"(?:\+\s*|\(\s*)?\d(?:.*\d)?", re.DOTALL)
_DIGITS_RE = re.compile(r"\d")
_EXTENSION_RE = re.compile(r"(?:доб|ext|extension|вн|x)\.?\s*\d+\s*$", re.IGNORECASE)
_ASCENDING = "01234567890123456789"
_DESCENDING = "98765432109876543210"
_MIN_DIGITS = 7
_PLAIN_RE = re.compile(r"^\+?[\d\s().-]+$")
_FORMATTING_RE = re.compile(r"[\s().-]")


def is_junk_phone_digits(digits: str) -> bool:
    """True for placeholder digit strings: too short, one repeated digit, or a plain run.

    Examples
    --------
    >>> [is_junk_phone_digits(d) for d in ["0000000000", "1234567890", "79161234567"]]
    [True, True, False]
    """
    if len(digits) < _MIN_DIGITS:
        return True
    if len(set(digits)) == 1:
        return True
    # Ignore a leading country/trunk digit ("+7 111 111 11 11", "8 000 000 00 00").
    body = digits[1:] if len(digits) == 11 else digits
    if len(set(body)) == 1:
        return True
    return body in _ASCENDING or body in _DESCENDING or digits in _ASCENDING


_NANP_REGIONS = frozenset({"US", "CA"})
# "(212) 555-0147", "212-555-0147", "212.555.0147": three, three and four digits. Russian
# numbers are grouped 3-3-2-2 ("(916) 123-45-67"), so the grouping tells them apart.
_NANP_GROUPING_RE = re.compile(r"^(?:\+?1[\s.-]*)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]+\d{4}$")


def preferred_regions(text: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    """The regions to try for one number, a North American one first for 3-3-4 grouping.

    Bare digits cannot tell ``7025295831`` (Las Vegas) from a number of the default region;
    the way a number is written can: North American numbers are written 3-3-4, Russian ones
    3-3-2-2. Without a North American region among ``regions`` nothing changes.

    Examples
    --------
    >>> preferred_regions("(702) 529-5831", ("RU", "US"))
    ('US', 'RU')
    >>> preferred_regions("8 (916) 123-45-67", ("RU", "US"))
    ('RU', 'US')
    """
    if not _NANP_REGIONS.intersection(regions) or not _NANP_GROUPING_RE.match(text.strip()):
        return regions
    return tuple(sorted(regions, key=lambda r: r not in _NANP_REGIONS))


def _parse_part(part: str, regions: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Return (E.164, None) or (None, reason) for one candidate number."""
    text = _EXTENSION_RE.sub("", part).strip()
    if span := _NUMBER_SPAN_RE.search(text):
        text = span.group(0)
    digits = "".join(_DIGITS_RE.findall(text))
    if not digits:
        return None, INVALID_PHONE
    if is_junk_phone_digits(digits):
        return None, JUNK_PHONE
    regions = preferred_regions(text, regions)
    if _PLAIN_RE.match(text):
        # Only digits and formatting characters: phonenumbers strips the formatting itself, so
        # the compact form parses identically (proved by a test) and different spellings of
        # one number share one parse through the cache.
        compact = _FORMATTING_RE.sub("", text)
        if (e164 := fast_e164(compact, regions)) is not None:
            return e164, None
        return _parse_cached(compact, regions)
    return _parse_candidate(text, regions)


class _RegionCheck:
    """Validity of a national number by one region's own metadata (general pattern and the
    fixed-line or mobile pattern, with their possible lengths), as ``phonenumbers`` decides it.
    """

    def __init__(self, region: str) -> None:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if metadata is None:  # pragma: no cover - RU and US are always there
            msg = f"phonenumbers has no metadata for region {region!r}"
            raise ValueError(msg)
        self.country_code = str(metadata.country_code)
        self._general = self._desc(metadata.general_desc)
        self._types = [
            d for d in (self._desc(metadata.fixed_line), self._desc(metadata.mobile)) if d
        ]

    @staticmethod
    def _desc(desc: Any) -> tuple[frozenset[int], re.Pattern[str]] | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length), re.compile(desc.national_number_pattern)

    @staticmethod
    def _matches(desc: tuple[frozenset[int], re.Pattern[str]] | None, number: str) -> bool:
        if desc is None:
            return False
        lengths, pattern = desc
        if lengths and len(number) not in lengths:
            return False
        return pattern.fullmatch(number) is not None

    def valid(self, national: str) -> bool:
        return self._matches(self._general, national) and any(
            self._matches(d, national) for d in self._types
        )

    @staticmethod
    def _matches_many(desc: tuple[frozenset[int], re.Pattern[str]] | None, numbers: Any) -> Any:
        import pyarrow.compute as pc

        if desc is None:
            return np.zeros(len(numbers), dtype=bool)
        lengths, pattern = desc
        ok = pc.match_substring_regex(numbers, f"^(?:{pattern.pattern})$")
        ok = ok.to_numpy(zero_copy_only=False)
        if lengths:
            ok &= np.isin(pc.utf8_length(numbers).to_numpy(), list(lengths))
        return ok

    def valid_many(self, numbers: Any) -> np.ndarray:
        """:meth:`valid` of each national number of an Arrow array of ASCII digit strings."""
        ok = np.zeros(len(numbers), dtype=bool)
        for desc in self._types:
            ok |= self._matches_many(desc, numbers)
        return ok & self._matches_many(self._general, numbers)


@cache
def _region_check(region: str) -> _RegionCheck:
    return _RegionCheck(region)


# Ten-digit national numbers whose region phonenumbers picks without doubt: +7 numbers starting
# with 3, 4 or 9 are Russian (RU's leading digits; 8 is left out, it is also the trunk prefix),
# +1 numbers starting with 2-9 are tried as US first.
_FAST_FIRST = {"RU": "349", "US": "23456789"}
_FAST_TRUNK = {"RU": "87", "US": "1"}


def fast_e164(compact: str, regions: tuple[str, ...]) -> str | None:
    """E.164 of a compact number in the commonest clean forms, or ``None`` when unsure.

    Reproduces ``phonenumbers`` (parse with the first region, ``is_valid_number``, format)
    for Russian numbers ``+7 NNN``, ``8 NNN``, ``7 NNN``, bare ``NNN`` (ten digits starting
    with 3, 4 or 9) when RU is tried first, and North American numbers ``+1 NNN``, ``1 NNN``
    and bare ``NNN`` when US is tried first, valid by the region's own fixed-line or mobile
    pattern. A number written with ``+`` ignores ``regions`` as ``phonenumbers`` does.
    ``None`` means "ask phonenumbers"; a test compares the two on large random samples.

    Examples
    --------
    >>> fast_e164("89161234567", ("RU", "US")), fast_e164("2125550147", ("US", "RU"))
    ('+79161234567', '+12125550147')
    >>> fast_e164("9161234567", ("US", "RU")) is None
    True
    """
    if not compact.isascii() or not compact.lstrip("+").isdigit():
        return None
    if compact.startswith("+"):
        region = {"7": "RU", "1": "US"}.get(compact[1:2])
        if region is None or len(compact) != 12:
            return None
        national = compact[2:]
    else:
        region = regions[0] if regions else ""
        if region not in _FAST_FIRST:
            return None
        if len(compact) == 10:
            national = compact
        elif len(compact) == 11 and compact[0] in _FAST_TRUNK[region]:
            national = compact[1:]
        else:
            return None
    if national[0] not in _FAST_FIRST[region]:
        return None
    check = _region_check(region)
    if not check.valid(national):
        return None
    return f"+{check.country_code}{national}"


#: Number types a person gives as their own phone (not toll-free, premium, shared-cost...).
_PERSONAL_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def _parse_candidate(text: str, regions: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Parse under each region in turn; a personal number valid *for* the region wins.

    ``7043991003`` parsed as Russian is a valid Kazakh +7 number, but a source whose
    regions are RU then US means the US number: a number valid only in another country
    sharing the calling code is taken only when no listed region claims it. Likewise
    ``8043498535`` is a Russian toll-free number and a Virginia line: a customer's own
    phone is a fixed line or a mobile, so a later region where it is one wins over an
    earlier region where it is toll-free, premium-rate or shared-cost.
    """
    candidate = "+" + text[2:] if text.startswith("00") else text
    if candidate.lstrip().startswith("+"):
        regions_to_try: tuple[str | None, ...] = (None,)
    else:
        regions_to_try = regions
    elsewhere: str | None = None
    impersonal: str | None = None
    for region in regions_to_try:
        try:
            number = phonenumbers.parse(candidate, region)
        except NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if region is None:
            return e164, None
        if phonenumbers.is_valid_number_for_region(number, region):
            if phonenumbers.number_type(number) in _PERSONAL_TYPES:
                return e164, None
            impersonal = impersonal or e164
        else:
            elsewhere = elsewhere or e164
    if impersonal is not None:
        return impersonal, None
    if elsewhere is not None:
        return elsewhere, None
    return None, INVALID_PHONE


@lru_cache(maxsize=1 << 18)
def _parse_cached(compact: str, regions: tuple[str, ...]) -> tuple[str | None, str | None]:
    return _parse_candidate(compact, regions)


def _normalise_one(value: Any, regions: tuple[str, ...]) -> tuple[tuple[Any, ...], Reasons]:
    text, reasons = clean_scalar(value, _FIELD)
    if text is None:
        # "0000000000" is a placeholder *phone*: report it as such rather than generic junk.
        raw_text = to_text(value) or ""
        if (_FIELD, JUNK_VALUE) in reasons and _DIGITS_RE.search(raw_text):
            reasons = tuple((f, JUNK_PHONE if r == JUNK_VALUE else r) for f, r in reasons)
        return (None, None), reasons
    found: list[str] = []
    problems: list[str] = []
    parts = [p for p in _SPLIT_RE.split(text) if p and p.strip()]
    for part in parts:
        e164, problem = _parse_part(part, regions)
        if e164 is not None:
            if e164 not in found:
                found.append(e164)
        elif problem is not None:
            problems.append(problem)
    out_reasons = list(reasons)
    # A value whose only content is junk is junk; otherwise every bad part is reported once.
    for problem in dict.fromkeys(problems):
        out_reasons.append((_FIELD, problem))
    if not found:
        return (None, None), tuple(out_reasons)
    return (found[0], "|".join(found)), tuple(out_reasons)


# Values the column path may answer: ASCII digits with single spaces, dots, dashes and
# brackets, a "+" or "(" only right before the first digit, ending with a digit. For these the
# scalar path leaves the text as it is (no cleaning, one part, no extension, the span is the
# whole text), so only the digit checks and fast_e164 remain, which are done per column.
_BULK_RE = r"^[+(]?[0-9](?:[0-9().-]*(?: [0-9().-]+)*[0-9])?$"


def _placeholder_digits(digits: Any, length: int) -> np.ndarray:
    """:func:`is_junk_phone_digits` of Arrow strings of ``length`` ASCII digits each.

    With ten or eleven digits a placeholder is a body (the digits after the first of
    eleven) of one repeated digit or of a run up or down: steps of 0, +1 or -1 (mod 10).
    """
    offsets = np.frombuffer(digits.buffers()[1], dtype=np.int64)[digits.offset :]
    start = offsets[0]
    data = np.frombuffer(digits.buffers()[2], dtype=np.uint8)[start : start + len(digits) * length]
    body = data.reshape(len(digits), length)[:, 1:] if length == 11 else data.reshape(-1, length)
    steps = (body[:, 1:].astype(np.int16) - body[:, :-1]) % 10
    return (steps == 0).all(1) | (steps == 1).all(1) | (steps == 9).all(1)


def _bulk_e164(uniques: np.ndarray, regions: tuple[str, ...]) -> np.ndarray:
    """E.164 of the distinct raw values that :func:`fast_e164` answers, ``None`` elsewhere.

    The answers of the scalar path (:func:`_normalise_one`) for the values it covers, worked
    out a column at a time with Arrow: values of the form ``_BULK_RE`` that are not
    placeholders, whose compact form ``fast_e164`` answers under the regions
    :func:`preferred_regions` orders. A test compares the two on random spellings.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.full(len(uniques), None, dtype=object)
    where, text = text_positions(uniques)
    keep = pc.match_substring_regex(text, _BULK_RE).to_numpy(zero_copy_only=False)
    where, text = where[keep], text.filter(pa.array(keep))
    if not len(text):
        return out
    compact = pc.replace_substring_regex(text, r"[ ().-]", "")
    plus = pc.starts_with(compact, "+").to_numpy(zero_copy_only=False)
    length = pc.utf8_length(compact).to_numpy()
    lead = pc.utf8_slice_codeunits(compact, 0, 2).to_numpy(zero_copy_only=False)
    # the region fast_e164 is asked under: preferred_regions' first, or the "+" country code
    region = np.full(len(text), regions[0], dtype=object)
    if _NANP_REGIONS.intersection(regions):
        grouped = pc.match_substring_regex(text, _NANP_GROUPING_RE.pattern)
        region[grouped.to_numpy(zero_copy_only=False)] = next(
            r for r in regions if r in _NANP_REGIONS
        )
    region[plus] = None
    region[plus & (lead == "+7")] = "RU"
    region[plus & (lead == "+1")] = "US"
    # where the ten national digits start; -1: fast_e164 does not answer
    skip = np.full(len(text), -1)
    skip[plus & (length == 12)] = 2
    for name, trunk in _FAST_TRUNK.items():
        bare = ~plus & (region == name)
        skip[bare & (length == 10)] = 0
        with_trunk = np.isin(
            np.fromiter((v[:1] for v in lead), dtype="U1", count=len(lead)), list(trunk)
        )
        skip[bare & (length == 11) & with_trunk] = 1
    for (name, leading), k in itertools.product(_FAST_FIRST.items(), (0, 1, 2)):
        mine = np.flatnonzero((region == name) & (skip == k))
        if not len(mine):
            continue
        digits = pc.replace_substring(compact.take(mine), "+", "")
        national = pc.utf8_slice_codeunits(compact.take(mine), k, 12)
        first_digit = pc.utf8_slice_codeunits(national, 0, 1).to_numpy(zero_copy_only=False)
        ok = np.isin(first_digit, list(leading)) & _region_check(name).valid_many(national)
        # all have ten national digits: eleven digits with a trunk or "+" code, else ten
        ok &= ~_placeholder_digits(digits, 10 if k == 0 else 11)
        calling = pa.scalar("+" + _region_check(name).country_code, national.type)
        e164 = pc.binary_join_element_wise(calling, national, pa.scalar("", national.type))
        out[where[mine[ok]]] = e164.filter(pa.array(ok)).to_numpy(zero_copy_only=False)
    return out


def normalise_phones(
    raw: pd.Series, regions: Sequence[str] = ("RU",)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise phone numbers to E.164.

    Parameters
    ----------
    raw : pandas.Series
        Raw phone values (strings, numbers, ``None``...).
    regions : sequence of str
        ISO 3166 region codes tried in order for numbers without a ``+`` country code; the
        first is the source's default region, the rest are fallbacks.

    Returns
    -------
    frame : pandas.DataFrame
        ``phone`` (E.164 of the first valid number) and ``phones`` (``|``-joined distinct valid
        numbers), ``None`` when there is none.
    issues : pandas.DataFrame
        ``row``, ``field`` (``"phone"``), ``reason`` (``junk_phone``, ``invalid_phone``...).

    Examples
    --------
    >>> frame, _ = normalise_phones(pd.Series(["8 916 123-45-67", "+7 (916) 123-45-67"]))
    >>> frame["phone"].tolist()
    ['+79161234567', '+79161234567']
    """
    region_tuple = tuple(r.upper() for r in regions)
    if not region_tuple:
        raise ValueError("normalise_phones needs at least one region. Got an empty sequence.")
    return apply_distinct(
        raw,
        lambda v: _normalise_one(v, region_tuple),
        PHONE_COLUMNS,
        bulk=lambda uniques: _bulk_e164(uniques, region_tuple),
    )


#: Calling codes whose national numbers are ten digits and overlap: written without a
#: country code, ``904 985 1939`` is both a Jacksonville and a Russian mobile number.
_TEN_DIGIT_CODES = ("+1", "+7")


def phone_keys(phones: pd.Series) -> pd.Series:
    """Matching key of E.164 numbers: the ten national digits for +1 and +7, else E.164.

    A source that stores bare ten-digit numbers cannot say which of the two countries it
    meant, so its ``+7`` reading must still meet the ``+1`` number written elsewhere. Two
    people whose numbers differ only in that calling code are rare enough to leave to the
    other fields.

    Examples
    --------
    >>> phone_keys(pd.Series(["+79049851939", "+19049851939", "+442079460958", None])).tolist()
    ['9049851939', '9049851939', '+442079460958', None]
    """
    return map_distinct(phones.astype(object), phone_key)


def phone_key(number: str) -> str:
    """:func:`phone_keys` of one E.164 number."""
    return number[2:] if len(number) == 12 and number.startswith(_TEN_DIGIT_CODES) else number
