"""The HTML report as a person sees it: rendered by headless Chromium, in English and Russian, printed on A4.

Skips (with the reason) only where no Chromium is installed; .ci/run installs Debian's `chromium`.
Artifacts (screenshots, PDFs, DOM dumps) are kept under build/browser/ for a human to look at.

The default HTML report prints on at most two A4 pages: the demo and the longest example reports are printed by
`make test` (a print costs ~3 s on this machine); every example, in both languages, when REFUGEE_RULES_TESTS=thorough
(and under `make check`, which runs the tests marked ``property``).
"""

from __future__ import annotations

import functools

import re
import shutil
import subprocess
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from refugee_rules import assess
from refugee_rules.case.inputs import read_profile
from refugee_rules.views.report import render
from refugee_rules.tasks.timeline import timeline

from .strategies import THOROUGH

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"
ARTIFACTS = ROOT / "build" / "browser"
BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (Debian: apt-get install -y chromium); "
                                 "the HTML report was not checked in a browser")
A4_POINTS = (595.0, 842.0)  # 210 x 297 mm


def _chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory() as profile_dir:
        cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={profile_dir}", *args]
        return subprocess.run(cmd, capture_output=True, timeout=120)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[str] = []
        self.checklist: list[str] = []
        self._in_heading = 0
        self._in_checklist = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4"):
            self._in_heading += 1
            self.headings.append("")
        if tag == "section" and ("id", "checklist") in attrs:
            self._in_checklist = 1
        elif tag == "section" and self._in_checklist:
            self._in_checklist += 1
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4"):
            self._in_heading -= 1
        if tag == "section" and self._in_checklist:
            self._in_checklist -= 1
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._in_heading:
            self.headings[-1] += data
        if self._in_checklist:
            self.checklist.append(data)


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """MediaBox sizes of the pages of a PDF (in points), from the plain or Flate-compressed objects."""
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    sizes = []
    for chunk in chunks:
        for m in re.finditer(rb"/Type\s*/Page[^s].*?/MediaBox\s*\[\s*([\d.\s]+)\]", chunk, re.S):
            x0, y0, x1, y1 = (float(v) for v in m.group(1).split())
            sizes.append((x1 - x0, y1 - y0))
        if not sizes:
            for m in re.finditer(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", chunk):
                x0, y0, x1, y1 = (float(v) for v in m.group(1).split())
                sizes.append((x1 - x0, y1 - y0))
    return sizes


@pytest.fixture(scope="module")
def reports():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = read_profile(EXAMPLE)
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    tl = timeline(profile, "2024-03-01", engine="compiled")
    out = {}
    for lang in ("en", "ru"):
        path = ARTIFACTS / f"report-{lang}.html"
        path.write_text(render(a, "html", lang=lang, timeline=tl), encoding="utf-8")
        out[lang] = path
    return a, out


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_loads_and_shows_the_outcome_and_every_element(reports, lang):
    a, paths = reports
    result = _chromium("--dump-dom", paths[lang].as_uri())
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    dom = result.stdout.decode("utf-8")
    (ARTIFACTS / f"dom-{lang}.html").write_text(dom, encoding="utf-8")
    parser = _Text()
    parser.feed(dom)
    text = " ".join(" ".join(parser.text).split())
    headings = [" ".join(h.split()) for h in parser.headings]
    checklist = " ".join(" ".join(parser.checklist).split())
    outcome = ("Inclusion appears met on the stated facts; exclusion not screened" if lang == "en"
               else "По изложенным фактам включение, по-видимому, выполнено; исключение не проверено")
    assert any(outcome in h for h in headings), headings
    from refugee_rules.views.report import View

    view = View(a, lang)
    for f in a.findings:
        if f.group.startswith("article_1a2") and f.role in ("element", "inclusion"):
            assert view.title(f) in checklist, (view.title(f), checklist)
    if lang == "ru":
        assert len(re.findall(r"[А-Яа-яЁё]", text)) > 500


def test_cyrillic_renders_as_glyphs_not_boxes(reports):
    """The Russian report screenshots in Chromium, and a font with Cyrillic glyphs is installed for it."""
    _, paths = reports
    shots = {}
    for name, html in (("ru", paths["ru"].read_text(encoding="utf-8")),):
        page = ARTIFACTS / f"shot-page-{name}.html"
        page.write_text(html, encoding="utf-8")
        shot = ARTIFACTS / f"screenshot-{name}.png"
        result = _chromium(f"--screenshot={shot}", "--window-size=1000,1400", "--hide-scrollbars", page.as_uri())
        assert result.returncode == 0 and shot.is_file() and shot.stat().st_size > 10_000
        shots[name] = shot.read_bytes()
    # Fonts with Cyrillic glyphs must be installed, or Chromium draws tofu: check fontconfig knows one
    fc = shutil.which("fc-list")
    if fc:
        fonts = subprocess.run([fc, ":lang=ru"], capture_output=True, text=True).stdout
        assert fonts.strip(), "no font with Cyrillic glyphs installed: the Russian report would print as boxes"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_print_layout_is_a4(reports, lang):
    _, paths = reports
    pdf = ARTIFACTS / f"report-{lang}.pdf"
    result = _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", paths[lang].as_uri())
    assert result.returncode == 0 and pdf.is_file(), result.stderr.decode(errors="replace")[-2000:]
    pages = _pdf_pages(pdf.read_bytes())
    assert pages, "no page found in the PDF"
    for w, h in pages:
        assert abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2, (w, h)


def _print(html: str, name: str) -> list[tuple[float, float]]:
    page = ARTIFACTS / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = ARTIFACTS / f"{name}.pdf"
    result = _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert result.returncode == 0 and pdf.is_file(), result.stderr.decode(errors="replace")[-2000:]
    pages = _pdf_pages(pdf.read_bytes())
    assert pages, "no page found in the PDF"
    return pages


EXAMPLES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))


LONGEST = 2
"""The longest Russian reports printed besides the demo's, under `make test` (the likeliest to overflow)."""


@functools.cache
def _longest() -> list[Path]:
    """The examples (the demo aside) whose default Russian report is longest before the appendix. Ranked when the
    test first runs, not when the tests are collected: every pytest worker collects every file."""
    def length(path: Path) -> int:
        html = render(assess(read_profile(path), as_of="2024-03-01", engine="compiled"), "html", lang="ru")
        return len(html[:html.index('<details class="appendix"')])
    return sorted((p for p in EXAMPLES if p != EXAMPLE), key=length, reverse=True)


def _print_cases() -> list[tuple[Path | int, str]]:
    """(example, language); an int n stands for the n-th longest report (:func:`_longest`)."""
    if THOROUGH:
        return [(p, lang) for p in EXAMPLES for lang in ("en", "ru")]
    return [(EXAMPLE, "en"), (EXAMPLE, "ru")] + [(n, "ru") for n in range(LONGEST)]


@pytest.mark.property
@pytest.mark.parametrize("path,lang", _print_cases() if BROWSER else [],
                         ids=lambda x: getattr(x, "stem", None) or (f"longest-{x + 1}" if isinstance(x, int) else x))
def test_the_default_report_prints_on_at_most_two_a4_pages(path, lang):
    """The destinations table starts page two (print CSS), so two pages also means that everything of the first
    page (outcome, red flags, checklist, screening, where the person is, five questions) is on page one."""
    if isinstance(path, int):
        path = _longest()[path]
    a = assess(read_profile(path), as_of="2024-03-01", engine="compiled")
    html = render(a, "html", lang=lang)
    assert "#second-page { break-before: page; }" in html
    pages = _print(html, f"default-{path.stem}-{lang}")
    assert len(pages) <= 2, (path.stem, lang, len(pages))
    assert all(abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2 for w, h in pages)


@pytest.mark.slow
def test_the_full_report_prints_its_appendix_and_the_first_pages_are_the_same(reports):
    a, _ = reports
    default = _print(render(a, "html"), "count-default-en")
    full = _print(render(a, "html", depth="full"), "count-full-en")
    assert len(default) <= 2 < len(full)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_screenshot_of_the_first_page(lang):
    """The first printed page as a screen of A4 width (794 CSS pixels): kept for a human to look at."""
    a = assess(read_profile(EXAMPLE), as_of="2024-03-01", engine="compiled")
    page = ARTIFACTS / f"first-page-{lang}.html"
    page.write_text(render(a, "html", lang=lang), encoding="utf-8")
    shot = ARTIFACTS / f"first-page-{lang}.png"
    result = _chromium(f"--screenshot={shot}", "--window-size=794,1123", "--hide-scrollbars", page.as_uri())
    assert result.returncode == 0 and shot.is_file() and shot.stat().st_size > 10_000
