"""Audit: re-run a stored assessment and say whether the same answer comes out, and if not, why.

Every assessment's ``metadata`` records the library version, the ruleset content hash, the backend, the
as-of date and a hash of the profile. :func:`verify` re-assesses the profile with the same as-of date,
backend and jurisdiction and compares the two, so an auditor can tell "identical" from "the rules changed"
(the ruleset hash differs), "the engine changed" (library version or backend differs), "a different
profile" (its hash differs) and, finding by finding, which conclusions differ.

The stored assessment is read as plain JSON, not as the current model, so an assessment written by an
older version of the library can still be checked against this one (a changed field is reported).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refugee_rules.api import assess, profile_hash
from refugee_rules.engine import durable_available
from refugee_rules.errors import RefugeeRulesError
from refugee_rules.case.inputs import profile_from_mapping
from refugee_rules.case.profile import CaseProfile


class AssessmentFileError(RefugeeRulesError, ValueError):
    """The stored assessment cannot be read (not JSON, or without the metadata needed to re-run it)."""


@dataclass
class Verification:
    """The result of :func:`verify`: ``identical``, or the differences, one plain line each."""

    identical: bool
    rules_changed: bool = False
    engine_changed: bool = False
    profile_changed: bool = False
    findings_changed: list[str] = field(default_factory=list)  # ids of findings whose content differs
    differences: list[str] = field(default_factory=list)

    def report(self) -> str:
        if self.identical:
            return "identical: re-running the assessment gives exactly the stored result.\n"
        return "different:\n" + "".join(f"  - {line}\n" for line in self.differences)


_REQUIRED = ("library_version", "rulesets_hash", "as_of", "engine", "profile_hash")


def read_assessment(path: str | Path) -> dict[str, Any]:
    """A stored assessment (the JSON written by ``refugee-rules assess --format json``), checked for metadata."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise AssessmentFileError(f"{path}: cannot read the file: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AssessmentFileError(f"{path}: not a JSON assessment ({type(e).__name__})") from None
    return _checked(data, str(path))


def _checked(data: Any, label: str) -> dict[str, Any]:
    meta = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        raise AssessmentFileError(f"{label}: not an assessment: no 'metadata' object")
    missing = [k for k in _REQUIRED if not isinstance(meta.get(k), str)]
    if missing:
        raise AssessmentFileError(f"{label}: metadata lacks {', '.join(missing)}")
    try:
        _dt.date.fromisoformat(meta["as_of"])
    except ValueError:
        raise AssessmentFileError(f"{label}: metadata.as_of is not a date YYYY-MM-DD") from None
    return data


def _answer(finding: dict[str, Any]) -> Any:
    """A finding's answer: ``answer`` since format 1.2, ``status`` in the assessments stored before it."""
    return finding.get("answer", finding.get("status"))


def _finding_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    fields = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k) and k not in ("status", "answer"))
    if _answer(old) != _answer(new):
        return f"finding {new.get('id')}: answer {_answer(old)} -> {_answer(new)}" + (
            f" (also {', '.join(fields)})" if fields else "")
    return f"finding {new.get('id')}: same answer ({_answer(new)}); differs in {', '.join(fields)}"


def _scope(meta: dict[str, Any], legacy: bool) -> Any:
    """The destinations option the stored assessment was made with (format 1 answered every covered one)."""
    stored = meta.get("scope")
    if legacy or stored == "all":
        return "all"
    codes = [c for c in stored or [] if isinstance(c, str) and len(c) == 2 and c.isalpha() and c.isupper()]
    return codes or None


def _provenance(result: Verification, meta: dict[str, Any], new_meta: dict[str, Any], case: CaseProfile) -> None:
    """Whether it is the same profile and the same rules (both formats record both hashes)."""
    if profile_hash(case) != meta["profile_hash"]:
        result.profile_changed = True
        result.differences.append("profile: this is not the profile that was assessed (its hash differs)")
    if new_meta["rulesets_hash"] != meta["rulesets_hash"]:
        result.rules_changed = True
        result.differences.append(f"rules changed: ruleset content hash {meta['rulesets_hash'][:12]}… -> "
                                  f"{new_meta['rulesets_hash'][:12]}…")


def _verify_legacy(data: dict[str, Any], new: dict[str, Any], case: CaseProfile) -> Verification:
    """A format-1 assessment (``status`` met / not_met / undetermined for every finding, every destination) against
    today's: the same answer is the same side of the same finding (``met`` then, ``applies`` now for a clause)."""
    from refugee_rules.law.kinds import KINDS

    meta = data["metadata"]
    result = Verification(identical=False)
    out = result.differences
    out.append(f"format: {meta.get('format_version', '1')} -> {new['format_version']} (answers compared by finding)")
    _provenance(result, meta, new["metadata"], case)
    new_findings = {f["id"]: f for f in new["findings"]}
    for old in data.get("findings", []):
        if not isinstance(old, dict) or str(old.get("id")) not in new_findings:
            continue
        f = new_findings[str(old["id"])]
        side = KINDS[f["kind"]].side_of_answer(f["answer"]) if f["kind"] in KINDS else f["answer"]
        if old.get("status") != side:
            result.findings_changed.append(f["id"])
            out.append(f"finding {f['id']}: answer {old.get('status')} -> {f['answer']}")
    return result


def verify(
    stored: Mapping[str, Any] | str | Path,
    profile: CaseProfile | Mapping[str, Any],
    *,
    rulesets: tuple[str | Path, ...] | None = None,
    layers: tuple[str | Path, ...] = (),
) -> Verification:
    """Re-run ``stored`` (an assessment as JSON data, or the path of its JSON file) on ``profile`` and compare.

    The same as-of date, backend and jurisdiction are used; where the stored backend is not available here
    (durable-rules does not import on Python 3.13+) the compiled one answers and that is reported as an
    engine change. ``rulesets``/``layers`` must name the directories the assessment was made with, if any.
    """
    data = read_assessment(stored) if isinstance(stored, (str, Path)) else _checked(dict(stored), "assessment")
    meta = data["metadata"]
    case = profile_from_mapping(profile)
    engine = meta["engine"] if meta["engine"] != "durable" or durable_available() else "compiled"
    version = str(data.get("format_version") or meta.get("format_version") or "1")
    legacy = not version.startswith("2")
    rerun = assess(case, as_of=meta["as_of"], engine=engine, rulesets=rulesets, layers=layers,
                   jurisdiction=meta.get("jurisdiction"),
                   destinations=_scope(meta, legacy))
    catalogue = data.get("catalogue")
    detail = "full" if isinstance(catalogue, dict) and "findings" in catalogue else "compact"
    new = json.loads(rerun.to_json(detail))
    if legacy:  # format 1 (before typed answers): the answers are compared, side by side
        return _verify_legacy(data, new, case)
    result = Verification(identical=new == data)
    if result.identical:
        return result
    out = result.differences
    _provenance(result, meta, new["metadata"], case)
    if new["metadata"]["library_version"] != meta["library_version"]:
        result.engine_changed = True
        out.append(f"engine changed: library version {meta['library_version']} -> {new['metadata']['library_version']}")
    if new["metadata"]["engine"] != meta["engine"]:
        result.engine_changed = True
        out.append(f"engine changed: backend {meta['engine']} -> {new['metadata']['engine']}"
                   + (" (durable-rules is not available here)" if engine != meta["engine"] else ""))
    for key in sorted(set(meta) | set(new["metadata"])):
        if key not in _REQUIRED and meta.get(key) != new["metadata"].get(key):
            out.append(f"metadata.{key}: {meta.get(key)!r} -> {new['metadata'].get(key)!r}")
    old_findings = {str(f.get("id")): f for f in data.get("findings", []) if isinstance(f, dict)}
    new_findings = {f["id"]: f for f in new["findings"]}
    for fid in sorted(set(old_findings) - set(new_findings)):
        result.findings_changed.append(fid)
        out.append(f"finding {fid}: in the stored assessment, no longer produced")
    for fid in sorted(set(new_findings) - set(old_findings)):
        result.findings_changed.append(fid)
        out.append(f"finding {fid}: new, not in the stored assessment")
    for fid in sorted(set(old_findings) & set(new_findings)):
        if old_findings[fid] != new_findings[fid]:
            result.findings_changed.append(fid)
            out.append(_finding_diff(old_findings[fid], new_findings[fid]))
    if data.get("outcome") != new["outcome"]:
        old_status = (data.get("outcome") or {}).get("status")
        out.append(f"outcome: {old_status} -> {new['outcome']['status']}" if old_status != new["outcome"]["status"]
                   else "outcome: same status, different summary or stop-points")
    if data.get("format_version") != new["format_version"]:
        out.append(f"format: {data.get('format_version')} -> {new['format_version']}")
    for key in sorted(k for k in set(data) | set(new) if k not in ("metadata", "findings", "outcome", "format_version")):
        stored_value, new_value = data.get(key), new.get(key)
        if key == "destination_notes" and stored_value and all(isinstance(n, str) for n in stored_value):
            new_value = [n.text for n in rerun.destination_notes]  # format 2.1 wrote them as English sentences
        if stored_value != new_value:
            out.append(f"{key}: differs")
    if not out:  # equal field by field, yet not equal as a whole: say so rather than claim identity
        out.append("the stored and re-run assessments differ in their layout")
    return result
