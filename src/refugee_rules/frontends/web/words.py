"""The browser interview's words in English and Russian.

The interview's labels are in their own gettext domain, ``web`` (``locale/ru/LC_MESSAGES/web.po``, compiled in
memory as the report's catalogs are, and updated with them by ``python -m refugee_rules.views.i18n update``), so the
report's catalog is not edited by two front ends at once. ``tests/test_web_interview.py`` fails on a label of the
interview that has no Russian.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from refugee_rules.views.i18n import Msgid, check_lang, translations

DOMAIN = "web"
HERE = Path(__file__).resolve().parent


def gettext(lang: str) -> Callable[[str], str]:
    """The interview's words in ``lang``."""
    return translations(check_lang(lang), DOMAIN).gettext


def ngettext(lang: str) -> Callable[[str, str, int], str]:
    return translations(check_lang(lang), DOMAIN).ngettext


def messages() -> list[tuple[Msgid, str]]:
    """(msgid, where) of every label the interview's templates and code mark; a plural as (singular, plural)."""
    from babel.messages.extract import extract_from_file

    out: list[tuple[Msgid, str]] = []
    opts = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted((HERE / "templates").glob("*.j2")):
        for lineno, msg, _comments, _ctx in extract_from_file("jinja2.ext:babel_extract", str(path), options=opts):
            out.append((_msgid(msg), f"templates/{path.name}:{lineno}"))
    keywords = {"_": None, "N_": None, "n": (1, 2)}
    for path in sorted(HERE.glob("*.py")):
        for lineno, msg, _comments, _ctx in extract_from_file("python", str(path), keywords=keywords):
            out.append((_msgid(msg), f"{path.name}:{lineno}"))
    return out


def _msgid(msg: Any) -> Msgid:
    return (str(msg[0]), str(msg[1])) if isinstance(msg, tuple) else str(msg)
