"""An assessment as JSON, assembled from memoised pieces: byte for byte ``Assessment.model_dump_json()``.

A batch line is ~330 kB, most of it findings and firings that the cases of a caseload share (the
explainer memoises them as immutable values). Serialising each shared piece once and joining the pieces
takes a tenth of the time of serialising the whole assessment again; ``tests/test_explain_cache.py``
checks that the bytes are the same.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .assessment import Assessment
from .memo import Memo

_PIECES: Memo[tuple[BaseModel, bytes]] = Memo(8192)
_LINE_SAFE_PIECES: Memo[tuple[BaseModel, bytes]] = Memo(8192)
_SHARED = ("findings", "trace")  # lists of values shared between assessments
_LINE_BREAKS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def line_safe(data: bytes) -> bytes:
    """UTF-8 JSON with NEL, U+2028 and U+2029 written as escapes.

    JSON allows them raw inside strings, and JSON Lines separates records by ``\\n`` only, but readers that split
    on every Unicode line break (Python's ``str.splitlines``, JavaScript) would see one record as two. In
    valid UTF-8 these byte sequences are exactly those characters, and they occur only inside strings, where
    the escape means the same character: the JSON value is unchanged.
    """
    for raw, escaped in _LINE_BREAKS:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


@lru_cache(maxsize=None)
def _adapter(field: str) -> TypeAdapter[Any]:
    annotation = Assessment.model_fields[field].annotation
    assert annotation is not None  # every field of Assessment is annotated
    return TypeAdapter(annotation)


def _piece(value: BaseModel, safe: bool) -> bytes:
    """The JSON of one shared value, kept while the value lives (the entry holds it, so its id stays its own)."""
    memo = _LINE_SAFE_PIECES if safe else _PIECES
    hit = memo.items.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    text: bytes = value.__pydantic_serializer__.to_json(value)
    if safe:
        text = line_safe(text)
    memo.put(id(value), (value, text))
    return text


def assessment_bytes(assessment: Assessment, prefix: bytes = b"", suffix: bytes = b"", *,
                     one_line: bool = False) -> bytes:
    """``prefix + assessment.model_dump_json() + suffix`` in UTF-8, faster when its findings and firings were
    serialised before; with ``one_line``, passed through :func:`line_safe` (for JSON Lines).

    A line is ~330 kB: it is joined once, as bytes (joining text that mixes ASCII and Cyrillic widens every
    character, which cost more than the serialising saved).
    """
    parts: list[bytes] = [prefix]
    known = (_LINE_SAFE_PIECES if one_line else _PIECES).items.get
    for field in Assessment.model_fields:
        value = getattr(assessment, field)
        parts.append(b',"%s":' % field.encode() if len(parts) > 1 else b'{"%s":' % field.encode())
        if field in _SHARED:
            parts.append(b"[")
            for i, item in enumerate(value):
                if i:
                    parts.append(b",")
                hit = known(id(item))
                parts.append(hit[1] if hit is not None and hit[0] is item else _piece(item, one_line))
            parts.append(b"]")
        else:
            text = _adapter(field).dump_json(value)
            parts.append(line_safe(text) if one_line else text)
    parts.append(b"}")
    parts.append(suffix)
    return b"".join(parts)


def assessment_json(assessment: Assessment) -> str:
    """``assessment.model_dump_json()``, from the same memoised pieces."""
    return assessment_bytes(assessment).decode()
