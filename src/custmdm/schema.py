"""Canonical fields and the columns of the prepared record table.

Every source maps some of its columns onto these canonical fields; everything
downstream (blocking, comparison, survivorship) speaks only of them.
"""

from __future__ import annotations

from typing import Final

CANONICAL_FIELDS: Final[tuple[str, ...]] = (
    "full_name",
    "first_name",
    "middle_name",
    "last_name",
    "birth_date",
    "phone",
    "email",
    "address",
    "postcode",
    "city",
    "street",
    "house_number",
    "national_id",
)

NAME_FIELDS: Final[tuple[str, ...]] = ("full_name", "first_name", "middle_name", "last_name")
ADDRESS_FIELDS: Final[tuple[str, ...]] = ("address", "postcode", "city", "street", "house_number")

#: Columns of the crosswalk output, in order.
CROSSWALK_COLUMNS: Final[tuple[str, ...]] = ("source", "record_id", "customer_id")

#: Columns of the lineage output, in order.
LINEAGE_COLUMNS: Final[tuple[str, ...]] = (
    "customer_id",
    "attribute",
    "value",
    "source",
    "record_id",
)

#: Columns of the quality output, in order.
QUALITY_COLUMNS: Final[tuple[str, ...]] = ("source", "record_id", "field", "reason")
