"""CLI progress lines: one unit per stage, silent when stderr is not a terminal."""

from __future__ import annotations

import io
import sys

from custmdm.cli import _Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_each_stage_in_its_own_unit(monkeypatch):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    progress = _Progress(True)
    progress("normalise", 3, 6)
    progress("compare", 10, 200)  # a new stage starts on a new line
    progress("compare", 200, 200)
    progress("em", 10, 10)
    assert term.getvalue() == (
        "\rnormalise: 3 of 6 sources (50%)\n"
        "\rcompare: 10 of ~200 pairs (5%)"
        "\rcompare: 200 of ~200 pairs (100%)\n"
        "\rem: 10 of 10 blocking rules (100%)\n"
    )


def test_progress_is_silent_off_a_terminal_or_when_quiet(monkeypatch):
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    _Progress(True)("compare", 1, 2)
    monkeypatch.setattr(sys, "stderr", _Terminal())
    quiet = _Progress(False)
    quiet("compare", 1, 2)
    assert plain.getvalue() == ""
    assert sys.stderr.getvalue() == ""
