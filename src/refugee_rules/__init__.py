"""refugee-rules: explained, cited decision support on the 1951 Refugee Convention and the entry and
residence regimes Russians leaving since 2022 meet. Advice support for trained advisers, not a decision.

The public API, all of it (everything else is internal and may change)::

    assess(profile, *, as_of=None, engine=None, rulesets=None, layers=(), jurisdiction=None) -> Assessment
    assess_many(profiles, **same options) -> Iterator[Assessment | FailedRecord]   # one output per input, in order
    questions(profile_or_assessment, *, as_of=None, lang="en", ...) -> list[Question]  # most useful first
    compare(profile, other=None, *, as_of=None, as_of_other=None, ...) -> Comparison    # what changed, and why
    impact(profiles, *, from_date=None, to_date=None, from_rulesets=None, to_rulesets=None, **same options)
        -> Iterator[ClientImpact | FailedRecord]     # a caseload across a rule change: whose answers change, why
    load_rulesets(layers=(), *, rulesets=None, jurisdiction=None) -> RuleBook          # built-in + your layers
    verify(stored_assessment, profile, *, layers=(), rulesets=None) -> Verification    # audit: re-run and compare
    InterviewSession(profile=None, *, as_of=None, engine=None, lang="en")              # ask, answer, re-assess

    CaseProfile    the input (pydantic; every field optional; "unknown" = asked, the client does not know)
    Assessment     the result (pydantic; findings with status, facts used, rules fired, citations, questions)
    FailedRecord   a record assess_many could not assess: index, case_ref, error, problems

    RefugeeRulesError            base of every error raised on purpose
    ├── ProfileError             invalid input; .problems has one line per field path (also a ValueError)
    │   └── OptionsError         an option (date, engine, destinations, layers …), not the profile, is invalid
    ├── RulesetError             rulesets or a custom layer do not load; .problems names file and rule
    └── EngineError              an evaluation backend failed or is unavailable

Profiles may be a CaseProfile or a plain mapping (JSON/YAML data). Nothing here logs case facts, writes
files or uses the network. Every function is safe to call from several threads and processes at once.
"""

from typing import TYPE_CHECKING, Any

from refugee_rules._version import __version__
from refugee_rules.api import FailedRecord, assess, assess_many, impact, load_rulesets
from refugee_rules.result.assessment import Assessment
from refugee_rules.errors import EngineError, OptionsError, ProfileError, RefugeeRulesError, RulesetError
from refugee_rules.case.profile import UNKNOWN, CaseProfile

if TYPE_CHECKING:
    from refugee_rules.frontends.interview import InterviewSession
    from refugee_rules.tasks.compare import compare
    from refugee_rules.tasks.questions import questions
    from refugee_rules.tasks.verify import verify

# Imported on first use: a one-profile command (or a worker) that never asks, compares or verifies does not pay
# for the interview, the comparison and the report templates they load.
_LAZY = {"InterviewSession": "refugee_rules.frontends.interview", "compare": "refugee_rules.tasks.compare",
         "questions": "refugee_rules.tasks.questions", "verify": "refugee_rules.tasks.verify"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'refugee_rules' has no attribute {name!r}")

__all__ = [
    "UNKNOWN",
    "Assessment",
    "CaseProfile",
    "EngineError",
    "FailedRecord",
    "InterviewSession",
    "OptionsError",
    "ProfileError",
    "RefugeeRulesError",
    "RulesetError",
    "__version__",
    "assess",
    "assess_many",
    "compare",
    "impact",
    "load_rulesets",
    "questions",
    "verify",
]
