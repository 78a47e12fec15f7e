"""Default comparisons, derived from the canonical fields the sources map.

A user who writes only the column mapping gets these. Each is an ordered list
of levels over a prepared column (see ``docs/stages.md`` for the columns).
"""

from __future__ import annotations

from collections.abc import Collection

from custmdm.config import (
    Comparison,
    DateTypoLevel,
    ExactLevel,
    InitialLevel,
    JaroWinklerLevel,
    Level,
    LevenshteinLevel,
    NicknameLevel,
    SharedValueLevel,
    TokenSetLevel,
)


def first_name_comparison() -> Comparison:
    return Comparison(
        name="first_name",
        column="first_key",
        levels=[
            ExactLevel(column="first_full_key"),
            # first and last name swapped between the records
            ExactLevel(column="name_pair_key"),
            NicknameLevel(column="first_full_name"),
            JaroWinklerLevel(column="first_full_key", threshold=0.92),
            JaroWinklerLevel(column="first_full_key", threshold=0.8),
            InitialLevel(column="first_initial"),
        ],
        tf_adjust=True,
        # exact, swapped, nickname, typo: one name (not the loose Jaro-Winkler or the initial)
        same_value_levels=[0, 1, 2, 3],
    )


def last_name_comparison() -> Comparison:
    return Comparison(
        name="last_name",
        column="last_key",
        levels=[
            ExactLevel(column="last_full_key"),
            ExactLevel(column="name_pair_key"),
            # masculine/feminine forms (Иванов/Иванова): related, not the same person
            ExactLevel(column="last_stem"),
            JaroWinklerLevel(column="last_full_key", threshold=0.92),
            JaroWinklerLevel(column="last_full_key", threshold=0.8),
            InitialLevel(column="last_initial"),
        ],
        tf_adjust=True,
        household_shared=True,
        # exact, swapped, typo: not the other gender's form of the surname
        same_value_levels=[0, 1, 3],
    )


def middle_name_comparison() -> Comparison:
    return Comparison(
        name="middle_name",
        column="middle_key",
        levels=[
            ExactLevel(column="middle_full_key"),
            InitialLevel(column="middle_initial"),
            JaroWinklerLevel(column="middle_full_key", threshold=0.88),
        ],
    )


def birth_date_comparison() -> Comparison:
    return Comparison(
        name="birth_date",
        column="birth_date",
        levels=[ExactLevel(), DateTypoLevel(), ExactLevel(column="birth_year")],
        strong=True,
        household_shared=True,
    )


def phone_comparison() -> Comparison:
    return Comparison(
        name="phone",
        column="phones",
        levels=[
            ExactLevel(column="phone_key"),
            SharedValueLevel(),
            LevenshteinLevel(column="phone", max_distance=1),
        ],
        tf_adjust=True,
        strong=True,
        household_shared=True,
    )


def email_comparison() -> Comparison:
    return Comparison(
        name="email",
        column="emails",
        levels=[
            ExactLevel(column="email"),
            SharedValueLevel(),
            # no fuzzy level: addresses built from the name (ivanov.ivan@…) are alike for
            # namesakes, so a near-equal email is evidence about the name, not the person
        ],
        tf_adjust=True,
        strong=True,
        household_shared=True,
    )


def national_id_comparison() -> Comparison:
    return Comparison(
        name="national_id",
        column="national_id",
        levels=[ExactLevel(), LevenshteinLevel(max_distance=1)],
        strong=True,
    )


def address_comparison(with_postcode: bool) -> Comparison:
    # the postcode is part of the same evidence (where the person lives): one comparison,
    # so that a shared street and a shared postcode are not counted as two independent facts
    levels: list[Level] = [ExactLevel(), TokenSetLevel(threshold=0.9), TokenSetLevel(threshold=0.7)]
    if with_postcode:
        levels.append(ExactLevel(column="postcode"))
    return Comparison(name="address", column="address_key", levels=levels, household_shared=True)


def street_comparison() -> Comparison:
    return Comparison(
        name="street",
        column="street_key",
        levels=[ExactLevel(), JaroWinklerLevel(threshold=0.9), TokenSetLevel(threshold=0.7)],
        household_shared=True,
    )


def house_number_comparison() -> Comparison:
    return Comparison(
        name="house_number",
        column="house_number",
        levels=[ExactLevel(), LevenshteinLevel(max_distance=1)],
    )


def postcode_comparison() -> Comparison:
    return Comparison(
        name="postcode",
        column="postcode",
        levels=[ExactLevel(), LevenshteinLevel(max_distance=1)],
        household_shared=True,
    )


def city_comparison() -> Comparison:
    return Comparison(
        name="city",
        column="city_key",
        levels=[ExactLevel(), JaroWinklerLevel(threshold=0.88)],
        household_shared=True,
    )


def default_comparisons(fields: Collection[str]) -> list[Comparison]:
    """The comparisons a resolution uses when the config names none.

    ``fields`` are the canonical fields mapped by at least one source.
    """
    has = set(fields)
    names = has & {"full_name", "first_name", "last_name", "middle_name"}
    out: list[Comparison] = []
    if names:
        out.append(first_name_comparison())
        out.append(last_name_comparison())
        if "full_name" in has or "middle_name" in has:
            out.append(middle_name_comparison())
    if "birth_date" in has:
        out.append(birth_date_comparison())
    if "phone" in has:
        out.append(phone_comparison())
    if "email" in has:
        out.append(email_comparison())
    if "national_id" in has:
        out.append(national_id_comparison())
    if "address" in has:
        out.append(address_comparison(with_postcode=True))
    elif "street" in has:
        out.append(street_comparison())
    if "house_number" in has and "address" not in has:
        out.append(house_number_comparison())
    if "postcode" in has and "address" not in has:
        out.append(postcode_comparison())
    if "city" in has and "address" not in has:
        out.append(city_comparison())
    return out
