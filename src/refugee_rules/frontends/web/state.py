"""The interview's answers as the page carries them: the server keeps nothing between two requests.

Every page of the interview holds the whole answer state in one hidden field (JSON: the case profile so far,
the fact paths answered in this interview in order, the as-of date), and every step posts it back. The page's
script copies it into the browser's session storage (cleared on "finish"), and the person can download it as a
profile (YAML or JSON) and upload it again later. A state that does not read back (edited by hand, cut short)
is a :class:`ProfileError` naming what is wrong, never a traceback.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from refugee_rules.case.facts import AS_OF, catalogue
from refugee_rules.case.inputs import parse_document, profile_from_mapping
from refugee_rules.errors import FileError, ProfileError

STATE_FIELD = "state"
"""The name of the hidden form field every page carries the answers in."""
DOWNLOAD_FORMATS = ("yaml", "json")


@dataclass
class Answers:
    """The case profile so far (JSON values, "unknown" where the client did not know), the fact paths answered
    in this interview in the order they were answered, and the date the assessment is made as of."""

    profile: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    as_of: _dt.date = field(default_factory=_dt.date.today)

    def encode(self) -> str:
        return json.dumps({"profile": self.profile, "order": self.order, "as_of": self.as_of.isoformat()},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> Answers:
        """The answers a page posted back; an empty field is a new interview."""
        if not text or not text.strip():
            return cls()
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise ProfileError([f"{STATE_FIELD}: the answers sent with the page are not valid JSON"]) from None
        if not isinstance(data, dict) or not isinstance(data.get("profile", {}), dict):
            raise ProfileError([f"{STATE_FIELD}: the answers sent with the page are not an interview's answers"])
        profile = data.get("profile", {})
        checked = profile_from_mapping(profile)  # raises ProfileError naming the field
        specs = catalogue()
        given = data.get("order")
        order = [p for p in given if isinstance(p, str) and p in specs and p != AS_OF] if isinstance(given, list) else []
        return cls(profile=checked.model_dump(mode="json", exclude_none=True), order=list(dict.fromkeys(order)),
                   as_of=read_date(data.get("as_of"), AS_OF))

    def download(self, fmt: str) -> tuple[bytes, str, str]:
        """The profile as a file to keep: (content, media type, file name)."""
        if fmt == "json":
            return ((json.dumps(self.profile, ensure_ascii=False, indent=2) + "\n").encode(), "application/json",
                    "profile.json")
        if fmt == "yaml":
            text = yaml.safe_dump(self.profile, allow_unicode=True, sort_keys=False) if self.profile else "{}\n"
            return text.encode(), "application/yaml", "profile.yaml"
        raise ProfileError([f"format: expected one of {', '.join(DOWNLOAD_FORMATS)}, got {fmt!r}"])


def read_date(value: Any, name: str) -> _dt.date:
    """A date as a form or a state gives it (YYYY-MM-DD; empty: today)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ProfileError([f"{name}: expected a date YYYY-MM-DD, got {str(value)!r}"]) from None


def uploaded(data: bytes, filename: str) -> dict[str, Any]:
    """An uploaded profile (YAML or JSON, as the CLI reads files) as the interview's profile; a file that is not a
    profile is a ProfileError naming the file and what is wrong in it."""
    label = filename or "the uploaded file"
    try:
        document = parse_document(data, label, json_only=label.lower().endswith(".json"))
    except FileError as e:
        raise ProfileError([f"{label}: {e.problem}"]) from None
    profile = profile_from_mapping(document, label)
    return profile.model_dump(mode="json", exclude_none=True)
