"""The same input in any row order, source order or hash seed gives byte-identical outputs."""

from __future__ import annotations

import copy
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import custmdm
from custmdm.config import parse_config
from custmdm.datasets.synthetic import SyntheticCompany, generate

N_ORDERS = 20


@pytest.fixture(scope="module")
def small_company() -> SyntheticCompany:
    return generate(400, seed=5)


def fingerprint(result: custmdm.ResolutionResult) -> dict[str, str]:
    """Hashes of the sorted outputs (timings in report.json are the only thing left out)."""
    frames = {
        "crosswalk": result.crosswalk,
        "golden": result.golden,
        "lineage": result.lineage,
        "quality": result.quality,
        "pairs": result.pairs,
    }
    out = {}
    for name, frame in frames.items():
        ordered = frame.sort_values(list(frame.columns)).reset_index(drop=True)
        out[name] = hashlib.sha256(ordered.to_csv(index=False).encode()).hexdigest()
    model = result.model.to_dict()
    out["model"] = hashlib.sha256(repr(model).encode()).hexdigest()
    return out


def shuffled(
    company: SyntheticCompany, seed: int
) -> tuple[custmdm.ResolverConfig, dict[str, pd.DataFrame]]:
    rng = np.random.default_rng(seed)
    data = copy.deepcopy(company.config)
    order = rng.permutation(len(data["sources"]))
    data["sources"] = [data["sources"][k] for k in order]
    tables = {}
    for name, table in company.tables.items():
        tables[name] = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    return parse_config(data), tables


def test_row_and_source_order_do_not_matter(small_company: SyntheticCompany) -> None:
    reference = fingerprint(
        custmdm.resolve(parse_config(small_company.config), small_company.tables)
    )
    for seed in range(N_ORDERS):
        config, tables = shuffled(small_company, seed)
        assert fingerprint(custmdm.resolve(config, tables)) == reference, f"order #{seed} differs"


SCRIPT = """
import sys, hashlib, pandas as pd
from pathlib import Path
import custmdm
out = Path(sys.argv[2])
custmdm.resolve(sys.argv[1]).write(out)
for name in ("crosswalk.csv", "golden.csv", "lineage.csv", "quality.csv", "model.json"):
    print(name, hashlib.sha256((out / name).read_bytes()).hexdigest())
"""


def test_hash_seed_does_not_matter(small_company: SyntheticCompany, tmp_path: Path) -> None:
    config = small_company.write(tmp_path / "data")
    digests = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(config), str(tmp_path / f"out{seed}")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        digests.add(proc.stdout)
    assert len(digests) == 1
