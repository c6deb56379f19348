"""Reading case profiles from files and mappings, with errors that name the field.

YAML is parsed with the safe loader only (no tags, no objects), and a file is refused above a size
bound, so a hostile or broken file gives a message, never a traceback or a hang.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ProfileError, describe
from .profile import CaseProfile

MAX_PROFILE_BYTES = 1_000_000


class _ProfileLoader(yaml.SafeLoader):
    """The safe loader, but dates stay text: pydantic then names the field of an impossible date."""


_ProfileLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def profile_from_mapping(data: Any, source: str | None = None) -> CaseProfile:
    """Validate a mapping as a case profile; unknown keys are rejected with a did-you-mean."""
    if isinstance(data, CaseProfile):
        return data
    if not isinstance(data, Mapping):
        raise ProfileError([f"(top level): expected a mapping of profile fields, got {type(data).__name__}"], source)
    try:
        return CaseProfile.model_validate(dict(data))
    except ValidationError as e:
        raise ProfileError(describe(e, CaseProfile), source) from None
    except (ValueError, TypeError, RecursionError) as e:
        raise ProfileError([f"(top level): {type(e).__name__}: {e}"], source) from None


def read_document(path: Path) -> Any:
    """Parse a YAML or JSON file (by extension; YAML otherwise, which also reads JSON)."""
    label = str(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ProfileError([f"cannot read the file: {e.strerror or e}"], label) from None
    if size > MAX_PROFILE_BYTES:
        raise ProfileError([f"the file is {size} bytes; a profile may be at most {MAX_PROFILE_BYTES}"], label)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ProfileError([f"not UTF-8 text (byte {e.start})"], label) from None
    except OSError as e:
        raise ProfileError([f"cannot read the file: {e.strerror or e}"], label) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_ProfileLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as e:
        raise ProfileError([f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"], label) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ProfileError([f"not valid YAML: {problem}{where}"], label) from None
    except RecursionError:
        raise ProfileError(["the document is nested too deeply"], label) from None


def read_profile(path: str | Path) -> CaseProfile:
    path = Path(path)
    return profile_from_mapping(read_document(path), str(path))
