"""The questions that would settle what is undetermined, most useful first.

For every undetermined finding, the facts its rules read that the profile does not give (following the
undetermined findings it depends on) become questions: one phrased for the worker, and where the profile
model has one, one to put to the client. A question ranks higher the more undetermined findings its
answer could settle; ties keep the path order, so the list is deterministic.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from refugee_rules.result.assessment import Assessment
from refugee_rules.options import Options
from refugee_rules.views.report import Lang, open_questions


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    path: str
    """The fact path the answer fills (a dotted path of the case profile)."""
    question: str
    client_question: str | None
    state: Literal["not_asked", "unknown"]
    settles: list[str]
    """The undetermined findings this answer bears on."""


def questions(profile_or_assessment: Assessment | Mapping[str, Any] | Any, *, as_of: _dt.date | str | None = None,
              lang: str = "en", engine: str | None = None,
              rulesets: tuple[str | Path, ...] | None = None, options: Options | None = None) -> list[Question]:
    """The open questions of a profile (assessed as of ``as_of``, or with ``options``) or of an assessment made."""
    chosen = Options.given(options, as_of=as_of, engine=engine, rulesets=rulesets, lang=lang)
    if isinstance(profile_or_assessment, Assessment):
        a = profile_or_assessment
    else:
        from refugee_rules.api import assess

        a = assess(profile_or_assessment, options=chosen)
    L = Lang(chosen.lang)
    return [
        Question(rank=i, path=m.path, question=L.t(m.question),
                 client_question=L.t(m.client_question) if m.client_question else None,
                 state=m.state, settles=ids)
        for i, (m, ids) in enumerate(open_questions(a), start=1)
    ]


def format_questions(found: list[Question], fmt: str = "text", *, lang: str = "en") -> str:
    if fmt == "json":
        return json.dumps([q.model_dump() for q in found], indent=2, ensure_ascii=False) + "\n"
    _ = Lang(lang)._
    if not found:
        return _("No open questions: every finding is settled on the stated facts.") + "\n"
    lines = []
    asked, ask, settle = _("asked: the client did not know"), _("Ask the client"), _("could settle")
    for q in found:
        lines.append(f"{q.rank}. {q.question}" + (f" ({asked})" if q.state == "unknown" else ""))
        if q.client_question:
            lines.append(f"   {ask}: {q.client_question}")
        lines.append(f"   [{q.path}; {settle}: {', '.join(q.settles)}]")
    return "\n".join(lines) + "\n"
