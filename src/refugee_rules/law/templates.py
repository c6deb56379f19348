"""The jinja2 environment explanation templates in rulesets are rendered in.

Templates are data, possibly from an NGO's own layer, so they run sandboxed. A fact the profile does
not give renders as "(not stated)" rather than failing or printing nothing.
"""

from __future__ import annotations

from typing import Any

import pycountry
from jinja2 import ChainableUndefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

MAX_RANGE = 1000
"""``range()`` in a template gives at most this many numbers (jinja's sandbox allows 100,000)."""
MAX_LOOP_DEPTH = 2
"""Loops nested deeper than this are refused at load: 1000 × 1000 iterations is the most a template may do."""
MAX_TEXT = 100_000
"""No value a template computes (a repeated string, a power) may be larger than this many characters."""


class NotStated(ChainableUndefined):
    """A fact the profile does not give: "(not stated)", also through attribute and item access."""
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


def _range(*args: Any) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() gives more than {MAX_RANGE} numbers")
    return numbers


class _BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with powers and repetition bounded: ``{{ 9**(9**10) }}`` would otherwise run (or be folded
    as a constant at compile time) for ever, and ``{{ "x" * 10**9 }}`` take gigabytes."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(left, (int, float)) and isinstance(right, (int, float)) and abs(left) > 1 and (
                    abs(right) * max(1.0, _log10(abs(left))) > 1000):
                raise SecurityError("a power too large for an explanation")
        elif operator == "*":
            for text, times in ((left, right), (right, left)):
                if isinstance(text, (str, list, tuple)) and isinstance(times, int) and len(text) * times > MAX_TEXT:
                    raise SecurityError("a repeated value too large for an explanation")
        return super().call_binop(context, operator, left, right)


def _log10(value: float) -> float:
    import math

    return math.log10(value) if value > 0 else 0.0


ENVIRONMENT = _BoundedEnvironment(undefined=NotStated, autoescape=False, trim_blocks=True, lstrip_blocks=True)
ENVIRONMENT.globals["range"] = _range
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
            if _loop_depth(tree) > MAX_LOOP_DEPTH:
                raise TemplateSyntaxError(f"loops nested more than {MAX_LOOP_DEPTH} deep", 1)

    def render(self, **context: Any) -> str:
        """The text; a template that fails (a layer's, say: an operation the sandbox refuses, a wrong type) gives a
        line saying so instead of taking the assessment down. ``check`` is the lint's strict form."""
        try:
            return self.check(**context)
        except Exception as e:  # no part of the message: it could quote a fact
            return f"(this explanation could not be written: {type(e).__name__} in its template)"

    def check(self, **context: Any) -> str:
        """Render, raising what the template raises."""
        if "{" not in self.source:  # what jinja renders for plain text: the text, less one final newline
            return self.source[:-1] if self.source.endswith("\n") else self.source
        compiled = self._compiled
        if compiled is None:  # two threads may both compile it once: harmless
            compiled = self._compiled = ENVIRONMENT.from_string(self.source)
        return compiled.render(**context)  # type: ignore[no-any-return]


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    here = depth + 1 if isinstance(node, nodes.For) else depth
    return max([here] + [_loop_depth(child, here) for child in node.iter_child_nodes()])
