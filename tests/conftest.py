"""Shared fixtures: small generated companies, cached per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmdm.datasets.synthetic import SyntheticCompany, generate


@pytest.fixture(scope="session")
def company_2k() -> SyntheticCompany:
    return generate(2_000, seed=11)


@pytest.fixture(scope="session")
def company_2k_dir(tmp_path_factory: pytest.TempPathFactory, company_2k: SyntheticCompany) -> Path:
    return company_2k.write(tmp_path_factory.mktemp("company_2k"))
