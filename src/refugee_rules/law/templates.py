"""The jinja2 environment explanation templates in rulesets are rendered in.

Templates are data, possibly from an NGO's own layer, so they run sandboxed. A fact the profile does
not give renders as "(not stated)" rather than failing or printing nothing.
"""

from __future__ import annotations

from typing import Any

import pycountry
from jinja2 import Undefined
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
