"""Issue 17, reports: case data reaches a Markdown or text report as text, never as markup or terminal control."""

from __future__ import annotations

import pytest

from refugee_rules.api import assess
from refugee_rules.views.report import render

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>[go](javascript:alert(3))\u202eevil\u202c\x1b[31mred\x1b[0m"


@pytest.fixture(scope="module")
def assessment():
    profile = {"nationalities": ["RU"], "case_ref": EVIL[:100], "identity": {"religion": EVIL},
               "fear": {"fears_return": True}}
    return assess(profile, engine="compiled", as_of="2024-03-01")


def test_markdown_report_passes_no_html_links_bidi_or_ansi_from_case_data(assessment):
    out = render(assessment, "markdown", depth="full")
    assert "religion" in out and "alert(1)" in out  # the value is shown, as text
    for bad in ("<script", "<img", "](javascript:", "javascript:", "\u202e", "\x1b"):
        assert bad not in out, bad
    assert "&lt;script&gt;" in out


def test_text_report_passes_no_bidi_override_or_terminal_escape_from_case_data(assessment):
    out = render(assessment, "text", depth="full")
    assert "alert(1)" in out and "\u202e" not in out and "\x1b" not in out
    html = render(assessment, "html")
    assert "<script>alert" not in html and "\u202e" not in html and "\x1b" not in html
