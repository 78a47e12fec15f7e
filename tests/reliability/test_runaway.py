"""Runaway blocks stop early with a clear message; runaway clusters are split."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

import custmdm
from custmdm.config import parse_config

ONE_POSTCODE = r"""
import resource, sys
import numpy as np, pandas as pd
import custmdm
from custmdm.config import parse_config
from custmdm.exceptions import BlockingError

n = 1_000_000
rng = np.random.default_rng(1)
first = np.array(["Иван", "Пётр", "Анна", "Мария", "John", "Mary"])
letters = np.array(list("абвгдежзиклмнопрстуфхцчшэюя"))
last = np.array(["".join(letters[rng.integers(0, letters.size, 7)]) + "ов" for _ in range(2000)])
table = pd.DataFrame({
    "id": np.char.add("R", np.arange(n).astype(str)),
    "first": first[rng.integers(0, first.size, n)],
    "last": last[rng.integers(0, last.size, n)],
    "postcode": "101000",
})
config = parse_config({
    "sources": [{"name": "s", "id": "id", "fields": {"first_name": "first", "last_name": "last", "postcode": "postcode"}}],
    "blocking": [{"on": ["last_key", "first_key"]}, {"on": ["postcode"]}],
})
try:
    custmdm.resolve(config, {"s": table})
except BlockingError as err:
    print("ERROR", err)
print("PEAK_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def test_one_million_records_in_one_postcode_stop_before_pairs_are_built() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", ONE_POSTCODE], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    message = lines["ERROR"]
    assert "blocking rule 'postcode'" in message
    assert "499,999,500,000 candidate pairs" in message
    assert "1,000,000 records" in message
    assert "101000" not in message
    assert float(lines["PEAK_MB"]) < 2048


def test_star_of_one_thousand_records_around_one_phone() -> None:
    n = 1000
    rng = np.random.default_rng(7)
    firsts = np.array(
        ["Иван", "Пётр", "Анна", "Мария", "Олег", "Ольга", "John", "Mary", "Nina", "Oscar"]
    )
    table = pd.DataFrame(
        {
            "id": [f"S{k}" for k in range(n)],
            "first": firsts[rng.integers(0, firsts.size, n)],
            "last": [f"Фамилия{k}" for k in range(n)],
            "birth": [f"{1940 + k % 60}-{1 + k % 12:02d}-{1 + k % 28:02d}" for k in range(n)],
            "phone": "+7 (495) 000-00-00",
        }
    )
    config = parse_config(
        {
            "sources": [
                {
                    "name": "shop",
                    "id": "id",
                    "fields": {
                        "first_name": "first",
                        "last_name": "last",
                        "birth_date": "birth",
                        "phone": "phone",
                    },
                }
            ]
        }
    )
    result = custmdm.resolve(config, {"shop": table})
    assert result.report["generic_values"][0]["key"] == "phone"
    assert result.report["generic_values"][0]["records"] == n
    assert len(result.golden) == n  # nobody merged through the shop's phone
    flagged = result.quality[
        (result.quality["field"] == "phone") & (result.quality["reason"] == "generic_value")
    ]
    assert len(flagged) == n


def test_chain_of_ten_thousand_near_duplicates_is_split() -> None:
    # record k+1 is record k with one field replaced: neighbours are near-duplicates,
    # records far apart share nothing, so connected components alone would chain all.
    # The first name drifts a letter at a time (a wholly new first name with surname,
    # birth date, phone and email kept reads as a twin in the household, not as a typo).
    n = 10_000
    rng = np.random.default_rng(3)
    fields = ["first", "last", "birth", "phone", "email"]

    def word(k: int) -> str:
        # a distinct letters-only word per k (digits are not part of names)
        alphabet = "бвгдзклмнпрстфхцчшщ"
        out = ""
        for _ in range(4):
            k, r = divmod(k, len(alphabet))
            out += alphabet[r] + "аеиоу"[r % 5]
        return out

    def fresh(field: str, k: int) -> str:
        return {
            "first": word(k).capitalize(),
            "last": word(k + 50_000).capitalize() + "ов",
            "birth": f"{1930 + k % 70}-{1 + (k // 70) % 12:02d}-{1 + (k // 840) % 28:02d}",
            "phone": f"+7916{k:07d}",
            "email": f"user{k}@example.org",
        }[field]

    def drift(name: str, k: int) -> str:
        # one letter of the first name replaced; the name stays a near-duplicate of itself
        at = 1 + (k // len(fields)) % (len(name) - 1)
        letter = "бвгдзклмнпрстфхцчшщ"[k % 19] if at % 2 == 0 else "аеиоу"[k % 5]
        return name[:at] + letter + name[at + 1 :]

    current = {f: fresh(f, 0) for f in fields}
    rows = []
    for k in range(n):
        if k:
            field = fields[k % len(fields)]
            current[field] = drift(current[field], k) if field == "first" else fresh(field, k)
        rows.append(dict(current, id=f"N{k}"))
    table = pd.DataFrame(rows).iloc[rng.permutation(n)]
    config = parse_config(
        {
            "sources": [
                {
                    "name": "s",
                    "id": "id",
                    "fields": {
                        "first_name": "first",
                        "last_name": "last",
                        "birth_date": "birth",
                        "phone": "phone",
                        "email": "email",
                    },
                }
            ]
        }
    )
    result = custmdm.resolve(config, {"s": table})
    largest = int(result.golden["n_records"].max())
    assert largest <= config.clustering.max_cluster_size
    assert result.report["clusters_split"], "the guard must report the split"
    assert result.report["clusters_split"][0]["size"] > 1000
    assert len(result.crosswalk) == n
