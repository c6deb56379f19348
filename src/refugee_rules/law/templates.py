"""The jinja2 environment explanation templates in rulesets are rendered in.

Templates are data, possibly from an NGO's own layer, so they run sandboxed. A fact the profile does
not give renders as "(not stated)" rather than failing or printing nothing.
"""

from __future__ import annotations

from typing import Any

import pycountry
from jinja2 import Undefined, nodes
from jinja2.sandbox import SandboxedEnvironment


class NotStated(Undefined):
    def __str__(self) -> str:
        return "(not stated)"

    def __iter__(self) -> Any:
        return iter(())


def country_name(code: Any) -> str:
    if isinstance(code, (list, tuple)):
        return ", ".join(country_name(c) for c in code) if code else "none"
    country = pycountry.countries.get(alpha_2=str(code))
    return f"{country.name} ({code})" if country else str(code)


def yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


ENVIRONMENT = SandboxedEnvironment(undefined=NotStated, autoescape=False, trim_blocks=True, lstrip_blocks=True)
ENVIRONMENT.filters["country"] = country_name
ENVIRONMENT.filters["yesno"] = yes_no


class ExplanationTemplate:
    """A rule's explanation template: parsed when the rules are loaded (so the lint names a broken one), compiled
    the first time it is rendered. Loading the rulesets compiled 554 templates, half the cold start of a
    one-profile command that renders a dozen; most hold no jinja syntax at all and are never compiled."""

    __slots__ = ("source", "names", "_compiled")

    def __init__(self, source: str):
        self.source = source
        self._compiled: Any = None
        self.names: frozenset[str] = frozenset()
        """Every variable name the template reads (loop variables too: a superset of the facts it can depend on)."""
        if "{" in source:  # jinja syntax ({{ }}, {% %}, {# #}) starts with a brace: only then is there anything to check
            tree = ENVIRONMENT.parse(source)
            self.names = frozenset(n.name for n in tree.find_all(nodes.Name) if n.ctx == "load")

    def render(self, **context: Any) -> str:
        if "{" not in self.source:  # what jinja renders for plain text: the text, less one final newline
            return self.source[:-1] if self.source.endswith("\n") else self.source
        compiled = self._compiled
        if compiled is None:  # two threads may both compile it once: harmless
            compiled = self._compiled = ENVIRONMENT.from_string(self.source)
        return compiled.render(**context)  # type: ignore[no-any-return]
