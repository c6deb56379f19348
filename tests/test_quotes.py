"""Every `quote` in rulesets/ is a verbatim passage (whitespace-normalised) of one of the source articles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT.parent / "shared" / "sources"


def _norm(text: str) -> str:
    return " ".join(str(text).split())


def _quotes(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "quote" and isinstance(value, str):
                yield value
            else:
                yield from _quotes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _quotes(value)


def test_every_quote_is_verbatim_in_a_source_article() -> None:
    texts = [_norm(p.read_text(encoding="utf-8")) for p in sorted(SOURCES.glob("*.txt"))] if SOURCES.is_dir() else []
    if not texts:
        pytest.skip(f"source articles not found at {SOURCES}: cannot check quotes")
    checked, missing = 0, []
    for path in sorted((ROOT / "rulesets").rglob("*.y*ml")):
        for quote in _quotes(yaml.safe_load(path.read_text(encoding="utf-8"))):
            checked += 1
            if not any(_norm(quote) in t for t in texts):
                missing.append(f"{path.relative_to(ROOT)}: {_norm(quote)[:100]!r}")
    assert checked > 100, "expected the regime rulesets to carry quotes"
    assert not missing, "quotes not found verbatim in any source:\n" + "\n".join(missing)


def test_the_check_catches_an_altered_quote() -> None:
    texts = [_norm(p.read_text(encoding="utf-8")) for p in sorted(SOURCES.glob("*.txt"))] if SOURCES.is_dir() else []
    if not texts:
        pytest.skip(f"source articles not found at {SOURCES}")
    genuine = "Kazakhstan has also confirmed it will not extradite Russians wanted by conscription officers."
    assert any(_norm(genuine) in t for t in texts)
    assert not any(_norm(genuine.replace("will not", "will")) in t for t in texts)
