"""Every choice an assessment depends on besides the profile, as one immutable value.

The same ``Options`` is taken by every front end (the API, the CLI, batch, Dask, the service, the interview,
``questions``, ``compare``, ``verify``, the timeline), so an option set in one place cannot be dropped on the way
to another: the front ends pass the value on, they do not re-type its fields. Each option is checked when the value
is made, and a bad one is an :class:`~refugee_rules.errors.OptionsError` naming the option and what was expected.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from refugee_rules.engine import ENGINES
from refugee_rules.errors import EngineError, OptionsError

STALE_AFTER_DAYS = 365
JURISDICTIONS = ("EU",)
"""Optional legal layers a ruleset file can declare (``jurisdiction:``) and an assessment can select."""
LANGUAGES = ("en", "ru")
DETAILS = ("compact", "full")
FORMATS = ("json", "markdown", "text", "html")
"""The formats of a report (:func:`refugee_rules.views.report.render`)."""
DEPTHS = ("summary", "full")
"""A report's depth: the first page and the destinations table, or with the appendix."""


def _date(value: Any) -> _dt.date | None:
    if value is None or (isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)):
        return value
    if isinstance(value, _dt.datetime):
        return value.date()
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise OptionsError([f"as_of: expected a date YYYY-MM-DD, got {value!r}"]) from None


def _paths(name: str, value: Any) -> tuple[Path, ...]:
    if isinstance(value, (str, Path)):  # one directory given where a list was meant: never iterate its letters
        raise OptionsError([f"{name}: expected a list of directories, got the single value {str(value)!r}; "
                            f"write ({str(value)!r},)"])
    try:
        return tuple(Path(d) for d in value)
    except TypeError:
        raise OptionsError([f"{name}: expected a list of directories, got {value!r}"]) from None


def _destinations(value: Any) -> tuple[str, ...] | Literal["all"] | None:
    if value is None or value == "all":
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        value = [d.strip() for d in value.split(",") if d.strip()]
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(d, str) and len(d) == 2 and d.isalpha() and d.isupper() for d in value):
        raise OptionsError([f"destinations: expected 'all' or a list of ISO country codes such as ['GE', 'AM'], "
                            f"got {value!r}"])
    return tuple(value)


def destinations_from_text(text: str) -> tuple[str, ...] | Literal["all"]:
    """``all`` or ISO codes separated by commas, in any case, as typed on a command line (``ge,AM``)."""
    if text.strip().lower() == "all":
        return "all"
    codes = [c.strip().upper() for c in text.split(",") if c.strip()]
    if not codes:
        raise OptionsError([f"destinations: expected 'all' or ISO country codes separated by commas (GE,AM), got {text!r}"])
    return _destinations(codes)  # type: ignore[return-value]


def _choice(name: str, value: Any, allowed: tuple[str, ...], optional: bool) -> Any:
    if (value is None and optional) or value in allowed:
        return value
    raise OptionsError([f"{name}: expected one of {', '.join(allowed)}{' or none' if optional else ''}, got {value!r}"])


@dataclass(frozen=True)
class Options:
    """How to assess: as of which date, on which engine, with which rulesets and layers, for which destinations,
    how stale a source may be, and, for what is written, in which language and detail."""

    as_of: _dt.date | None = None
    """The date the rules in force are taken from (default: today, read when an assessment is made)."""
    engine: str | None = None
    """``durable`` or ``compiled`` (default: durable where it imports)."""
    jurisdiction: str | None = None
    """An optional legal layer over the Convention: ``EU`` (Qualification Directive 2011/95/EU)."""
    layers: tuple[Path, ...] = ()
    """Custom ruleset directories loaded over the built-in ones, in order."""
    rulesets: tuple[Path, ...] | None = None
    """Ruleset directories that replace the built-in ones."""
    stale_after_days: int = STALE_AFTER_DAYS
    """A regime rule resting on a source older than this many days carries a "verify the current rules" note."""
    destinations: tuple[str, ...] | Literal["all"] | None = None
    """Regimes answered: default where the person is and the profile's destinations; ``all``; or ISO codes."""
    lang: str = "en"
    """Language of reports, questions and the interview."""
    detail: str = "compact"
    """JSON written: ``compact`` (catalogue by hash) or ``full`` (catalogue, explanations and trace inlined)."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "as_of", _date(self.as_of))
        if self.engine is not None and self.engine not in ENGINES:
            raise EngineError(f"unknown engine {self.engine!r}: expected one of {', '.join(ENGINES)}")
        set_(self, "jurisdiction", _choice("jurisdiction", self.jurisdiction, JURISDICTIONS, True))
        set_(self, "layers", _paths("layers", self.layers))
        set_(self, "rulesets", None if self.rulesets is None else _paths("rulesets", self.rulesets) or None)
        if isinstance(self.stale_after_days, bool) or not isinstance(self.stale_after_days, int) or self.stale_after_days < 0:
            raise OptionsError([f"stale_after_days: expected a whole number of days (0 or more), got "
                                f"{self.stale_after_days!r}"])
        set_(self, "destinations", _destinations(self.destinations))
        set_(self, "lang", _choice("lang", self.lang, LANGUAGES, False))
        set_(self, "detail", _choice("detail", self.detail, DETAILS, False))

    @classmethod
    def given(cls, options: Options | None, **keywords: Any) -> Options:
        """``options`` where a caller passed one, else one made (and checked) from the separate keywords: how every
        function that still takes ``as_of=``, ``engine=`` ... next to ``options=`` reads them."""
        if options is not None and not isinstance(options, Options):
            raise OptionsError([f"options: expected an Options value, got {type(options).__name__}"])
        return options if options is not None else cls(**keywords)

    def day(self) -> _dt.date:
        return self.as_of or _dt.date.today()

    def replace(self, **changes: Any) -> Options:
        return dataclasses.replace(self, **changes)

    @property
    def rules(self) -> Options:
        """The options the rule book, programs and memos depend on (not the date, language or detail)."""
        return self.replace(as_of=None, lang="en", detail="compact")
