"""Reading case profiles from files and mappings, with errors that name the field.

YAML is parsed with the safe loader only (no tags, no objects), and a file is refused above a size
bound, so a hostile or broken file gives a message, never a traceback or a hang.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from refugee_rules.errors import FileError, Message, Problem, ProfileError, describe, message
from refugee_rules.case.profile import CaseProfile
from refugee_rules.case.unique_keys import DuplicateKey, json_pairs, unique_keys

MAX_PROFILE_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 32


class _ProfileLoader(unique_keys(yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, but dates stay text (pydantic then names the field of an impossible date), and a key given
    twice is an error naming it (see :mod:`.unique_keys`)."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_ProfileLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _check_size(data: Any) -> Problem | None:
    """Why a document cannot be validated safely: too many values, too deep, or text that is not Unicode.

    Shared (aliased) nodes are counted each time they appear: a YAML "billion laughs" document is small
    on disk but expands exponentially; the walk stops as soon as the bound is passed, so it stays cheap.
    Each node's path is kept as a link to its parent's and spelled out only for the message (the walk runs
    on every record of a caseload).
    """
    count = 0
    stack: list[tuple[Any, int, Any]] = [(data, 0, None)]  # (node, depth, path: None or (parent path, piece))
    while stack:
        node, depth, path = stack.pop()
        count += 1
        if count > MAX_NODES:
            return _at(None, message("the document has more than %(n)s values (aliases expanded); a profile is far "
                                     "smaller", n=MAX_NODES))
        if depth > MAX_DEPTH:
            return Problem(_spelled(path), message("nested more than %(n)s levels deep", n=MAX_DEPTH))
        if isinstance(node, str):
            if not node.isascii():
                try:
                    node.encode("utf-8")
                except UnicodeEncodeError:
                    return _at(path, message("the text is not valid Unicode (it holds a lone surrogate)"))
        elif isinstance(node, Mapping):
            for k, v in node.items():
                key = k if isinstance(k, str) and k.isascii() else str(k)
                if not key.isascii() and key.encode("utf-8", "backslashreplace").decode("utf-8") != key:
                    shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
                    return Problem(_spelled((path, shown)), message("a field name that is not valid Unicode"))
                stack.append((v, depth + 1, (path, key)))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, depth + 1, (path, i)) for i, v in enumerate(node))
        elif isinstance(node, (bytes, bytearray, set, frozenset)):  # e.g. YAML !!binary or !!set
            return _at(path, message("a %(type)s value is not allowed; use text, numbers, lists and mappings",
                                     type=type(node).__name__))
    return None


def size_problem(data: Any) -> Problem | None:
    """The guard the CLI and batch apply before validating a profile (too many values, too deep, not Unicode), for a
    caller that validates one by itself (the service); None where the document can be validated."""
    return _check_size(data)


def _at(path: Any, said: Message) -> Problem:
    """A problem of the value at ``path``, or of the document as a whole where the path is empty."""
    spelled = _spelled(path)
    return Problem(spelled, said) if spelled else Problem("", message("(top level): %(said)s", said=said))


def _spelled(path: Any) -> str:
    """A linked path spelled as the error messages spell fields: ``a.b[2].c``."""
    pieces: list[str | int] = []
    while path is not None:
        path, piece = path
        pieces.append(piece)
    out = ""
    for piece in reversed(pieces):
        out = f"{out}[{piece}]" if isinstance(piece, int) else f"{out}.{piece}" if out else piece
    return out


def profile_from_mapping(data: Any, source: str | None = None) -> CaseProfile:
    """Validate a mapping as a case profile; unknown keys are rejected with a did-you-mean."""
    if isinstance(data, CaseProfile):
        return data
    if not isinstance(data, Mapping):
        raise ProfileError([_at(None, message("expected a mapping of profile fields, got %(got)s",
                                              got=type(data).__name__))], source)
    if (problem := _check_size(data)) is not None:
        raise ProfileError([problem], source)
    try:
        return CaseProfile.model_validate(dict(data))
    except ValidationError as e:
        raise ProfileError(describe(e, CaseProfile), source) from None
    except (ValueError, TypeError, RecursionError) as e:
        raise ProfileError([f"(top level): {type(e).__name__}: {e}"], source) from None


def _file_problem(path: Path) -> str | None:
    """Why ``path`` is not a profile file that can be read (missing, a directory, a device or pipe, empty)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "no such file"
    except OSError as e:
        return f"cannot read the file: {e.strerror or type(e).__name__}"
    if stat.S_ISDIR(mode):
        return "a directory, not a profile file"
    if not stat.S_ISREG(mode):  # /dev/zero never ends and a FIFO may never be written: refused, not read
        return "not a regular file (a device, pipe or socket); give a file, or - for standard input"
    return None


def read_document(path: Path) -> Any:
    """Parse a YAML or JSON file (by extension; YAML otherwise, which also reads JSON). A file that cannot be read
    at all is a :class:`FileError` naming it; one that does not parse, a :class:`ProfileError`."""
    label = str(path)
    if (problem := _file_problem(path)) is not None:
        raise FileError(label, problem)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PROFILE_BYTES + 1)  # bounded even if the file grows while it is read
    except OSError as e:
        raise FileError(label, f"cannot read the file: {e.strerror or type(e).__name__}") from None
    return parse_document(data, label, json_only=path.suffix.lower() == ".json")


def read_stream(stream: Any, label: str = "standard input") -> Any:
    """Parse a YAML or JSON document from a binary stream (standard input), reading at most the size bound."""
    return parse_document(stream.read(MAX_PROFILE_BYTES + 1), label, json_only=False)


def parse_document(data: bytes, label: str, json_only: bool) -> Any:
    if len(data) > MAX_PROFILE_BYTES:
        raise ProfileError([Problem("", message("more than %(n)s bytes; a profile may be at most %(n)s",
                                                n=MAX_PROFILE_BYTES))], label)
    try:
        text = data.decode("utf-8-sig")  # a BOM (Notepad, Excel) is no part of the profile
    except UnicodeDecodeError as e:
        raise ProfileError([Problem("", message("not UTF-8 text (byte %(n)s)", n=e.start))], label) from None
    if not text.strip():
        raise FileError(label, "empty: a profile is a mapping of fields (see `refugee-rules schema profile`)")
    try:
        if json_only:
            return json.loads(text, object_pairs_hook=json_pairs)
        return yaml.load(text, Loader=_ProfileLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as e:
        raise ProfileError([Problem("", message("not valid JSON at line %(line)s, column %(col)s",
                                                english=f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                                                line=e.lineno, col=e.colno))], label) from None
    except DuplicateKey as e:
        raise ProfileError([f"not valid JSON: {e}"], label) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        said = (message("not valid YAML at line %(line)s, column %(col)s", english=f"not valid YAML: {problem}{where}",
                        line=mark.line + 1, col=mark.column + 1) if mark
                else message("not valid YAML", english=f"not valid YAML: {problem}"))
        raise ProfileError([Problem("", said)], label) from None
    except RecursionError:
        raise ProfileError([Problem("", message("the document is nested too deeply"))], label) from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits; the message can quote the file: not shown
        raise ProfileError([_value_problem(e)], label) from None


def _value_problem(e: ValueError) -> str:
    if "digits" in str(e) and "integer" in str(e):
        return "a number has more than 4300 digits; a profile holds no such number"
    return f"the document cannot be read ({type(e).__name__})"


def read_profile(path: str | Path) -> CaseProfile:
    """A profile from a YAML or JSON file; ``-`` reads standard input."""
    if str(path) == "-":
        import sys

        return profile_from_mapping(read_stream(sys.stdin.buffer), "standard input")
    path = Path(path)
    return profile_from_mapping(read_document(path), str(path))
