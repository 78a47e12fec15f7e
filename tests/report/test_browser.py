"""report.html in a real browser: Debian's headless Chromium driven by Playwright.

No browser is downloaded: the test uses the system ``chromium`` (``.ci/system-deps.sh``
installs it). It is skipped only when Chromium is missing and the environment does not
require services (CI sets ``CUSTMDM_REQUIRE_SERVICES=1``, and then a missing browser fails).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("CUSTMDM_REQUIRE_SERVICES"):
        pytest.fail(message + "; CUSTMDM_REQUIRE_SERVICES is set, so this test must run")
    pytest.skip(message)


def test_report_renders_in_headless_chromium(resolved, tmp_path):
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CUSTMDM_REQUIRE_SERVICES"):
            raise
        pytest.skip("playwright is not installed (pip install playwright)")

    report = resolved.out / "report.html"
    expected_charts = report.read_text(encoding="utf-8").count('class="plotly-graph-div"')
    assert expected_charts >= 10

    console_errors: list[str] = []
    network: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a new, empty user data dir
            executable_path=executable,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
            )
            page.on("pageerror", lambda err: console_errors.append(f"page error: {err}"))

            def block(route, request):
                if request.url.startswith(("file:", "data:", "blob:")):
                    route.continue_()
                else:
                    network.append(request.url)
                    route.abort()

            page.route("**/*", block)
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_function(
                "n => document.querySelectorAll('.plotly-graph-div svg.main-svg').length > 0"
                " && Array.from(document.querySelectorAll('.plotly-graph-div'))"
                ".every(d => d.querySelector('svg.main-svg')) "
                " && document.querySelectorAll('.plotly-graph-div').length === n",
                arg=expected_charts,
                timeout=60_000,
            )
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(d => ({
                    id: d.id,
                    svg: !!d.querySelector('svg.main-svg'),
                    width: d.getBoundingClientRect().width,
                }))"""
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))
            page.screenshot(path=str(ARTIFACTS / "report-full-page.png"), full_page=True)
            title = page.title()
        finally:
            context.close()

    assert console_errors == []
    assert network == []
    assert title == "custmdm resolution report"
    assert len(drawn) == expected_charts
    assert all(d["svg"] for d in drawn), [d["id"] for d in drawn if not d["svg"]]
    assert all(d["width"] > 200 for d in drawn)
    assert (ARTIFACTS / "report-first-screen.png").stat().st_size > 10_000
