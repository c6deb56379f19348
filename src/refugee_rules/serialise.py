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
_SHARED = ("findings", "trace")  # lists of values shared between assessments


@lru_cache(maxsize=None)
def _adapter(field: str) -> TypeAdapter[Any]:
    annotation = Assessment.model_fields[field].annotation
    assert annotation is not None  # every field of Assessment is annotated
    return TypeAdapter(annotation)


def _piece(value: BaseModel) -> bytes:
    """The JSON of one shared value, kept while the value lives (the entry holds it, so its id stays its own)."""
    hit = _PIECES.items.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    text: bytes = value.__pydantic_serializer__.to_json(value)
    _PIECES.put(id(value), (value, text))
    return text


def assessment_bytes(assessment: Assessment, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """``prefix + assessment.model_dump_json() + suffix`` in UTF-8, faster when its findings and firings were
    serialised before. A line is ~330 kB: it is joined once, as bytes (joining text that mixes ASCII and
    Cyrillic widens every character, which cost more than the serialising saved)."""
    parts: list[bytes] = [prefix]
    known = _PIECES.items.get
    for field in Assessment.model_fields:
        value = getattr(assessment, field)
        parts.append(b',"%s":' % field.encode() if len(parts) > 1 else b'{"%s":' % field.encode())
        if field in _SHARED:
            parts.append(b"[")
            for i, item in enumerate(value):
                if i:
                    parts.append(b",")
                hit = known(id(item))
                parts.append(hit[1] if hit is not None and hit[0] is item else _piece(item))
            parts.append(b"]")
        else:
            parts.append(_adapter(field).dump_json(value))
    parts.append(b"}")
    parts.append(suffix)
    return b"".join(parts)


def assessment_json(assessment: Assessment) -> str:
    """``assessment.model_dump_json()``, from the same memoised pieces."""
    return assessment_bytes(assessment).decode()
