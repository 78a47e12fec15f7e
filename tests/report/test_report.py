"""report.html: offline, masked, the same from memory and from the folder; the CLI."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from custmdm.cli import main
from custmdm.report.html import REPORT_FILE, ReportData, build_report, write_report
from custmdm.report.mask import PERSONAL_FIELDS

_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.S)


def _without_plotly_library(text: str) -> str:
    """The report minus the inlined plotly.js library (library code, not data)."""
    return _SCRIPT.sub(lambda m: "" if "plotly.js v" in m.group(1)[:200] else m.group(0), text)


def test_resolve_writes_the_report_and_the_profile(resolved):
    assert (resolved.out / REPORT_FILE).is_file()
    stored = json.loads((resolved.out / "report.json").read_text(encoding="utf-8"))
    sources = {s["source"] for s in stored["sources"]}
    assert sources == set(resolved.company.tables)
    for src in stored["sources"]:
        assert src["records"] == len(resolved.company.tables[src["source"]])
        for f in src["fields"]:
            assert 0.0 <= f["completeness"] <= 1.0
            assert 0.0 <= f["validity"] <= 1.0
            assert f["valid"] <= f["filled"] <= src["records"]
    assert stored["review_records"]


def test_every_section_is_there(resolved):
    html = resolved.html
    for anchor in ("sources", "overlap", "model", "clusters", "golden"):
        assert f'<section id="{anchor}">' in html
    for text in (
        "Completeness",
        "Customers shared by each pair of sources",
        "m: P(level | same customer)",
        "Match weight of candidate pairs",
        "Expected vs found matching pairs",
        "Cluster size distribution",
        "Least cohesive clusters",
        "Borderline pairs",
        "from record",
        "clusters joined as exclusive partners",
    ):
        assert text in html, text
    # one waterfall per borderline pair
    assert html.count('"type":"waterfall"') >= 2


def test_plotly_is_inlined_once_and_nothing_is_fetched(resolved):
    html = resolved.html
    assert html.count("plotly.js v") == 1
    # no script, stylesheet, image or frame from the network; no CSS import
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", html, re.I)
    assert not re.search(r"<(img|iframe)[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", html, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", _without_plotly_library(html))
    outside_library = _without_plotly_library(html)
    assert "http://" not in outside_library
    assert "https://" not in outside_library


def _personal_values(resolved) -> set[str]:
    values: set[str] = set()
    for source in resolved.company.config["sources"]:
        table = resolved.company.tables[source["name"]]
        for field, column in source["fields"].items():
            if field not in PERSONAL_FIELDS:
                continue
            for raw in table[column].dropna().astype(str):
                raw = raw.strip()
                if len(raw) >= 4:
                    values.add(raw.casefold())
                if field in {"full_name", "first_name", "middle_name", "last_name"}:
                    values |= {w.casefold() for w in raw.split() if len(w) >= 4}
    prepared = resolved.result.prepared.table
    for col in ("first_name", "last_name", "middle_name", "birth_date", "phone", "email"):
        if col in prepared:
            values |= {str(v).casefold() for v in prepared[col].dropna() if len(str(v)) >= 4}
    return values


def _leaks(text: str, values: set[str]) -> list[str]:
    """Values found in ``text`` as whole words (not inside a longer word or number)."""
    words = set(re.findall(r"\w+", text))
    leaked = []
    for v in values:
        if re.fullmatch(r"\w+", v):
            found = v in words
        else:
            found = v in text and bool(re.search(r"(?<!\w)" + re.escape(v) + r"(?!\w)", text))
        if found:
            leaked.append(v)
    return sorted(leaked)


def test_no_personal_value_appears_unmasked(resolved):
    text = _without_plotly_library(resolved.html).casefold()
    # a short number alone (a house number, a postcode) identifies nobody and is
    # everywhere in chart data; names, phones, e-mails, dates and addresses are checked
    values = {v for v in _personal_values(resolved) if not (v.isdigit() and len(v) < 7)}
    assert len(values) > 1_000  # the check has teeth
    assert _leaks(text, values) == []


def test_the_leak_check_finds_a_leak():
    assert _leaks("<td>иван иванов</td> +79161234567", {"иван иванов", "+79161234567"}) == [
        "+79161234567",
        "иван иванов",
    ]
    assert _leaks("blocking marketing 0.977084", {"king", "mark", "77084"}) == []


def test_masked_values_do_appear(resolved):
    html = resolved.html
    assert re.search(r"\+7\d{3}\*{5}\d\d", html), "masked Russian phones"
    assert re.search(r"\w\*\*\*@[\w.-]+\.\w+", html), "masked e-mails"
    assert re.search(r"(19|20)\d\d-\*\*-\*\*", html), "masked birth dates"


def test_the_folder_gives_the_same_report_as_memory(resolved, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(resolved.out, folder)
    (folder / REPORT_FILE).unlink()
    assert main(["-q", "report", str(folder)]) == 0
    from_folder = (folder / REPORT_FILE).read_text(encoding="utf-8")
    assert _STAMP.sub("", from_folder) == _STAMP.sub("", resolved.html)


def test_report_of_a_folder_above_the_record_limit_needs_force(
    resolved, tmp_path, monkeypatch, capsys
):
    from custmdm import cli

    folder = tmp_path / "large"
    shutil.copytree(resolved.out, folder)
    (folder / REPORT_FILE).unlink()
    monkeypatch.setattr(cli, "REPORT_MAX_RECORDS", 100)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "report.html not written" in err and "--force" in err
    assert not (folder / REPORT_FILE).exists()
    assert main(["-q", "report", str(folder), "--force"]) == 0
    assert (folder / REPORT_FILE).is_file()


def test_report_of_a_folder_without_a_profile_still_renders(resolved, tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(resolved.out, folder)
    stored = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    for key in ("sources", "review_records"):
        stored.pop(key)
    (folder / "report.json").write_text(json.dumps(stored), encoding="utf-8")
    html = write_report(folder).read_text(encoding="utf-8")
    assert "no per-source profile" in html
    assert '<section id="clusters">' in html


def test_report_of_a_folder_that_is_not_an_output_is_a_user_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a custmdm output folder" in err
    assert "crosswalk.csv" in err


def test_an_empty_resolution_still_renders(resolved):
    data = ReportData.from_dir(resolved.out)
    data.pairs = data.pairs.iloc[:0]
    html = build_report(data)
    assert "No candidate pairs." in html


@pytest.mark.parametrize("rows", [1, 5])
def test_notebook_result_repr_is_a_table(resolved, rows: int):
    from custmdm.report.notebook import result_html

    html = result_html(resolved.result, rows=rows)
    assert "<table" in html
    assert html.count("<tr>") >= rows + 8
    assert resolved.result._repr_html_().startswith("<div><b>ResolutionResult</b>")


def test_resolve_skips_the_report_above_the_record_limit_unless_asked(
    company_2k_dir, tmp_path, monkeypatch, capsys
):
    from custmdm import cli

    monkeypatch.setattr(cli, "REPORT_MAX_RECORDS", 100)
    config = str(company_2k_dir)  # the config file itself
    assert main(["-q", "resolve", config, "--out", str(tmp_path / "auto")]) == 0
    err = capsys.readouterr().err
    assert "report.html not written" in err and "--report" in err
    assert not (tmp_path / "auto" / REPORT_FILE).exists()
    assert (tmp_path / "auto" / "golden.csv").is_file()

    assert main(["-q", "resolve", config, "--out", str(tmp_path / "asked"), "--report"]) == 0
    assert (tmp_path / "asked" / REPORT_FILE).is_file()
    assert "not written" not in capsys.readouterr().err

    monkeypatch.setattr(cli, "REPORT_MAX_RECORDS", 10**9)
    assert main(["-q", "resolve", config, "--out", str(tmp_path / "small")]) == 0
    assert (tmp_path / "small" / REPORT_FILE).is_file()
    with pytest.raises(SystemExit):  # one or the other
        main(["resolve", config, "--out", str(tmp_path / "x"), "--report", "--no-report"])
