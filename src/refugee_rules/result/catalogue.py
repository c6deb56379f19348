"""The catalogue of a rule book: every title, question, citation and explanation template, once per ruleset hash.

An assessment's JSON (format 2, :mod:`refugee_rules.result.compact`) carries per finding only what this case decided
(its kind, answer, facts used, rule ids, questions left) and refers by id to this catalogue, which is the same for
every case assessed with the same rulesets. It is published once (``refugee-rules catalogue``, ``GET
/catalogue/{hash}``) and inlined only in an archive (``--detail full``). The ``rulesets_hash`` ties the two: an
assessment names the hash of the catalogue that explains it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from refugee_rules._version import __version__
from refugee_rules.result.assessment import Citation, RuleDates
from refugee_rules.case.facts import catalogue as fact_catalogue
from refugee_rules.law.loader import RuleBook

CATALOGUE_VERSION = "2.0"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use, not on import


class StopPointEntry(_Value):
    kind: str
    when: list[str]
    message: str


class FindingEntry(_Value):
    title: str
    asks: str = Field(description="The question the finding answers, in plain language.")
    kind: str = Field(description="element, clause, entry, stay, residence, visa, risk, claim or report.")
    answers: list[str] = Field(description="The words this finding can answer in (its kind's).")
    group: str
    role: str
    destination: str | None = None
    topic: str | None = None
    adverse: bool = False
    doubt: str | None = None
    article: str | None = Field(default=None, description="A clause: the Convention article it is (1C(1), 1F(a) …).")
    conflicts_with: list[str] = Field(default_factory=list)
    conflict_note: str | None = None
    stop_point: StopPointEntry | None = None
    rules: list[str] = Field(description="The rules that conclude it.")


class RuleEntry(_Value):
    finding: str
    answer: str = Field(description="What the rule concludes when its condition holds.")
    because: str = Field(description="Explanation template (jinja2 over the facts) when the condition holds.")
    because_not: str | None = Field(default=None, description="Explanation template when it fails.")
    citations: list[Citation]
    dates: RuleDates | None = None
    file: str
    layer: str | None = None


class FactEntry(_Value):
    question: str
    client_question: str | None = None


class SourceEntry(_Value):
    title: str
    kind: str
    publisher: str | None = None
    date: str | None = None
    url: str | None = None


class Catalogue(_Value):
    """Everything an assessment refers to by id, for one ruleset hash."""

    format_version: str = Field(description=f"'{CATALOGUE_VERSION}' for this shape.")
    rulesets_hash: str
    library_version: str
    findings: dict[str, FindingEntry]
    rules: dict[str, RuleEntry]
    facts: dict[str, FactEntry]
    sources: dict[str, SourceEntry]


def rule_citations(book: RuleBook, rule_id: str) -> list[Citation]:
    return [Citation.model_construct(source=c.source, source_title=book.sources[c.source].title, pinpoint=c.pinpoint, quote=c.quote,
                     confirmed=c.confirmed, note=c.note) for c in book.rules[rule_id].cite]


def rule_dates(book: RuleBook, rule_id: str) -> RuleDates | None:
    r = book.rules[rule_id]
    if not (r.valid_from or r.valid_until or r.reported):
        return None
    derived = "; ".join(d.derived for d in (r.valid_from, r.valid_until) if d and d.derived) or None
    return RuleDates.model_construct(
        rule=rule_id, valid_from=r.valid_from.date if r.valid_from else None,
        valid_from_precision=r.valid_from.precision if r.valid_from else None,
        valid_until=r.valid_until.date if r.valid_until else None,
        valid_until_precision=r.valid_until.precision if r.valid_until else None,
        derived=derived, reported=r.reported,
    )


def build(book: RuleBook) -> Catalogue:
    """The catalogue of ``book`` (built once per book and kept on it)."""
    cached = book.__dict__.get("_catalogue")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from refugee_rules.law.kinds import KINDS

    # Built from a checked rule book: constructed without validating each of its ~3,000 values again (a fifth of a
    # one-profile command's deciding, measured), the same values either way (tests/test_compact.py, the catalogue test).
    findings = {
        fid: FindingEntry.model_construct(
            title=d.title, asks=d.asks, kind=d.kind, answers=list(KINDS[d.kind].words), group=d.group, role=d.role,
            destination=d.destination, topic=d.topic, adverse=d.adverse, doubt=d.doubt, article=d.article,
            conflicts_with=list(d.conflicts_with), conflict_note=d.conflict_note,
            stop_point=StopPointEntry.model_construct(kind=d.stop_point.kind, when=list(d.stop_point.when), message=d.stop_point.message)
            if d.stop_point else None,
            rules=[r.id for r in book.rules_of(fid)],
        )
        for fid, d in book.findings.items()
    }
    rules = {
        rid: RuleEntry.model_construct(finding=r.concludes.finding, answer=r.concludes.answer, because=r.because,
                       because_not=r.because_not, citations=rule_citations(book, rid), dates=rule_dates(book, rid),
                       file=book.rule_files[rid], layer=book.layer_of.get(rid))
        for rid, r in book.rules.items()
    }
    facts = {path: FactEntry.model_construct(question=spec.question or spec.description, client_question=spec.client_question or None)
             for path, spec in fact_catalogue().items()}
    sources = {sid: SourceEntry.model_construct(title=s.title, kind=s.kind, publisher=s.publisher, date=s.date, url=s.url)
               for sid, s in book.sources.items()}
    built = Catalogue.model_construct(format_version=CATALOGUE_VERSION, rulesets_hash=book.content_hash, library_version=__version__,
                      findings=findings, rules=rules, facts=facts, sources=sources)
    book.__dict__["_catalogue"] = built
    return built


def catalogue_json(book: RuleBook, indent: int | None = None) -> str:
    return build(book).model_dump_json(indent=indent, exclude_defaults=True)

