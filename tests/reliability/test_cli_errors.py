"""User mistakes end with one line naming what is wrong and where; exit 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from custmdm.cli import main

GOOD = """
sources:
  - name: billing
    path: billing.csv
    id: account_no
    fields:
      full_name: full_name
      phone: phone
"""


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custmdm.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(
    tmp: Path,
    config: str,
    csv: str
    | None = "account_no,full_name,phone\nA1,Иванов Иван,+79161234567\nA2,Петров Пётр,+79161234568\n",
) -> Path:
    (tmp / "config.yaml").write_text(config, encoding="utf-8")
    if csv is not None:
        (tmp / "billing.csv").write_text(csv, encoding="utf-8")
    return tmp / "config.yaml"


CASES = [
    ("missing config", None, None, "config file not found"),
    ("bad yaml", "sources: [\n  - name: x\n   bad", None, "not valid YAML at line"),
    (
        "unknown field",
        GOOD.replace("phone: phone", "telephone: phone"),
        "default",
        "unknown canonical field(s) ['telephone']",
    ),
    (
        "missing column",
        GOOD.replace("phone: phone", "phone: tel"),
        "default",
        "source 'billing': field 'phone' is mapped to column 'tel'",
    ),
    (
        "missing file",
        GOOD.replace("billing.csv", "nope.csv"),
        "default",
        "source 'billing': file not found",
    ),
    (
        "empty source",
        GOOD,
        "account_no,full_name,phone\n",
        "source 'billing': the table has no rows",
    ),
    ("empty file", GOOD, "", "source 'billing': file is empty"),
    (
        "missing id column",
        GOOD.replace("id: account_no", "id: acct"),
        "default",
        "id column 'acct' not found",
    ),
    (
        "duplicate ids",
        GOOD,
        "account_no,full_name,phone\nA1,Иванов Иван,+79161234567\nA1,Петров Пётр,+79161234568\n",
        "record billing:A1",
    ),
    ("no sources", "sources: []\n", None, "sources"),
    ("bad threshold", GOOD + "threshold: 1.5\n", "default", "threshold"),
    (
        "bad exclusive link threshold",
        GOOD + "clustering:\n  exclusive_link_threshold: 1.5\n",
        "default",
        "exclusive_link_threshold",
    ),
]


def check_one_line(code: int, stderr: str, expected: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.startswith("custmdm: error:")]
    assert len(lines) == 1, stderr
    assert expected in lines[0]
    # no personal value from the data in the message
    for value in ("Иванов", "Петров", "+7916"):
        assert value not in stderr


@pytest.mark.parametrize(("name", "config", "csv", "expected"), CASES, ids=[c[0] for c in CASES])
def test_user_mistake_gives_one_clear_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    config: str | None,
    csv: str | None,
    expected: str,
) -> None:
    if config is not None:
        if csv == "default":
            write(tmp_path, config)
        else:
            write(tmp_path, config, csv)
    monkeypatch.chdir(tmp_path)
    code = main(["resolve", "config.yaml", "--out", "out"])
    check_one_line(code, capsys.readouterr().err, expected)


def test_user_mistake_in_a_real_process(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("phone: phone", "phone: tel"))
    proc = run_cli("resolve", "config.yaml", "--out", "out", cwd=tmp_path)
    check_one_line(proc.returncode, proc.stderr, "field 'phone' is mapped to column 'tel'")


def test_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "custmdm.cli", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.startswith("custmdm ")
