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

_PIECES: Memo[tuple[BaseModel, str]] = Memo(50_000)
_SHARED = ("findings", "trace")  # lists of values shared between assessments


@lru_cache(maxsize=None)
def _adapter(field: str) -> TypeAdapter[Any]:
    annotation = Assessment.model_fields[field].annotation
    assert annotation is not None  # every field of Assessment is annotated
    return TypeAdapter(annotation)


def _piece(value: BaseModel) -> str:
    """The JSON of one shared value, kept while the value lives (the entry holds it, so its id stays its own)."""
    hit = _PIECES.items.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    text = value.model_dump_json()
    _PIECES.put(id(value), (value, text))
    return text


def assessment_json(assessment: Assessment) -> str:
    """``assessment.model_dump_json()``, faster when its findings and firings were serialised before."""
    parts: list[str] = []
    for field in Assessment.model_fields:
        value = getattr(assessment, field)
        parts.append(f',"{field}":' if parts else f'{{"{field}":')
        if field in _SHARED:  # one join at the end: a line is ~330 kB, and every copy of it costs
            parts.append("[")
            for i, item in enumerate(value):
                if i:
                    parts.append(",")
                parts.append(_piece(item))
            parts.append("]")
        else:
            parts.append(_adapter(field).dump_json(value).decode())
    parts.append("}")
    return "".join(parts)
