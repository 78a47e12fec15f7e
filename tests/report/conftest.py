"""A resolved multi-department company with its report, shared by the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from custmdm.datasets.synthetic import SyntheticCompany, generate
from custmdm.pipeline import ResolutionResult, Resolver


@dataclass
class Resolved:
    company: SyntheticCompany
    result: ResolutionResult
    out: Path

    @property
    def html(self) -> str:
        return (self.out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> Resolved:
    company = generate(1_500, seed=21)
    config = company.write(tmp_path_factory.mktemp("company"))
    result = Resolver(config).run()
    out = result.write(tmp_path_factory.mktemp("out"))
    return Resolved(company, result, out)
