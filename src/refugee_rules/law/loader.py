"""Loading and linting rulesets: every problem is reported with its file, rule id and a did-you-mean.

What is rejected: malformed YAML, unknown keys, a fact path the profile cannot carry, a literal of the
wrong kind, a citation whose source is not in ``sources.yaml``, a finding concluded by no rule or
referenced but never declared, two rules concluding one finding two ways with no exception declared,
a cycle between findings, a template that does not compile; an answer that is not a word of the
finding's kind (a risk "met"), a risk settled by a rule of its own (only the failure of a rule that flags
it reads "not reported"), a title phrased as a negation, a regime title that is not a question. All problems are collected, not only the
first, so one ``refugee-rules validate`` run shows everything to fix.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError
from pydantic import ValidationError

from refugee_rules.errors import RulesetError, describe
from refugee_rules.case.facts import catalogue
from refugee_rules.case.unique_keys import unique_keys
from refugee_rules.law.conditions import (All, AnyOf, Condition, ConditionError, FindingLeaf, Not, did_you_mean, facts_read, findings_read,
                         parse)
from refugee_rules.law import per_destination
from refugee_rules.law.kinds import KINDS, opposite
from refugee_rules.law.model import FindingDecl, RegimeMeta, Rule, RulesetFile, Source
from refugee_rules.law.templates import ExplanationTemplate

SOURCES_FILE = "sources.yaml"
YAML_LOADER = unique_keys(getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml's safe loader where built: same result, faster
"""The loader for ruleset files, wherever they are read (a duplicate key is an error)."""
MAX_FILE_BYTES = 2_000_000


def builtin_dir() -> Path:
    """The rulesets shipped with the library: inside the installed package, or the repository's."""
    packaged = Path(__file__).resolve().parent.parent / "rulesets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rulesets"


@dataclass(frozen=True)
class Override:
    """A rule of a custom layer that replaces a rule loaded before it (declared with ``overrides: <rule id>``)."""

    rule: str  # id of the layer's rule
    layer: str  # name of the layer directory
    file: str  # file of the layer's rule
    replaces: str  # id of the replaced rule (often the same id)
    replaced_file: str  # file the replaced rule came from


def rules_by_finding(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    """Finding id -> the rules that conclude it, in the order given (a rule book's, or several books' merged)."""
    out: dict[str, list[Rule]] = {}
    for rule in rules:
        out.setdefault(rule.concludes.finding, []).append(rule)
    return out


@dataclass(eq=False)
class RuleBook:
    """Everything loaded from the ruleset directories, checked and ready to compile."""

    sources: dict[str, Source]
    findings: dict[str, FindingDecl]
    rules: dict[str, Rule]
    rule_files: dict[str, str]  # rule id -> file it came from (relative)
    finding_order: list[str]  # dependency order: a finding after every finding it reads
    content_hash: str
    templates: dict[tuple[str, bool], Any] = field(default_factory=dict)  # (rule id, held?) -> Template
    layers: tuple[Path, ...] = ()  # custom ruleset directories loaded over the base ones, in order
    layer_of: dict[str, str] = field(default_factory=dict)  # rule id -> name of the layer it came from
    overrides: dict[str, Override] = field(default_factory=dict)  # layer rule id -> the base rule it replaced
    regimes: dict[str, RegimeMeta] = field(default_factory=dict)  # destination code -> what its regime file covers
    jurisdiction_of: dict[str, str] = field(default_factory=dict)  # rule id -> the optional legal layer it belongs to
    derived: dict[str, Any] = field(default_factory=dict, repr=False)
    """Tables a later stage derives from this book alone (the questions' reading of each rule), kept with the book
    so that they go with it (an Assessor owns its book; nothing built from rules is cached process-wide)."""

    @property
    def inclusion(self) -> str | None:
        return next((f.id for f in self.findings.values() if f.role == "inclusion"), None)

    def rules_of(self, finding: str) -> list[Rule]:
        return self._by_finding.get(finding, [])

    @cached_property
    def _by_finding(self) -> dict[str, list[Rule]]:
        return rules_by_finding(self.rules.values())

    def facts_read(self, rule_id: str) -> frozenset[str]:
        """The fact paths a rule's condition reads (computed once per rule)."""
        return self._reads[rule_id][0]

    def findings_read(self, rule_id: str) -> frozenset[str]:
        return self._reads[rule_id][1]

    @cached_property
    def _reads(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        return {rid: (frozenset(facts_read(r.condition)), frozenset(findings_read(r.condition)))
                for rid, r in self.rules.items()}


MAX_NODES = 1_000_000
MAX_DEPTH = 64


def _too_large(data: Any) -> str | None:
    """Why a parsed file cannot be linted safely: an alias bomb (shared nodes counted each time they appear; the
    walk stops at the bound) or nesting deep enough to exhaust the stack."""
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            return f"more than {MAX_NODES} values once aliases are expanded"
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return None


def _read_yaml(path: Path, label: str, problems: list[str]) -> Any:
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(f"{label}: larger than {MAX_FILE_BYTES} bytes")
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError) as e:
        why = str(e).splitlines()[0] if isinstance(e, (yaml.YAMLError, UnicodeDecodeError)) else type(e).__name__
        if isinstance(e, yaml.MarkedYAMLError) and e.problem:  # the problem and where, not "while constructing …"
            mark = e.problem_mark
            why = e.problem + (f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "")
        problems.append(f"{label}: not valid YAML: {why}")
        return None
    if (too_large := _too_large(data)) is not None:
        problems.append(f"{label}: {too_large}")
        return None
    return data


def _load_sources(paths: list[tuple[Path, str]], problems: list[str]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for path, label in paths:
        data = _read_yaml(path, label, problems)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.append(f"{label}: expected a list of sources")
            continue
        for i, entry in enumerate(data):
            try:
                source = Source.model_validate(entry)
            except ValidationError as e:
                problems.extend(f"{label}: source [{i}]: {line}" for line in describe(e, Source))
                continue
            if source.id in sources:
                problems.append(f"{label}: source {source.id!r} defined twice")
            sources[source.id] = source
    return sources


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in the finding dependency graph, if any, as a path that returns to its start."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def _order(graph: dict[str, set[str]]) -> list[str]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        for dep in sorted(graph.get(node, ())):
            visit(dep)
        done.append(node)

    for node in sorted(graph):
        visit(node)
    return done


_NEGATION = re.compile(r"\b(no|not|never|none|nor|cannot)\b|n't\b", re.IGNORECASE)
_QUESTION_KINDS = frozenset({"entry", "stay", "residence", "visa", "risk", "claim", "report"})


def _check_title(decl: FindingDecl, label: str, problems: list[str]) -> None:
    """A title is read before anything else: a negation in it turns every answer into a double negative."""
    if _NEGATION.search(decl.title):
        problems.append(f"{label}: finding {decl.id!r}: title {decl.title!r} is phrased as a negation; "
                        "ask the positive question (\"Does Estonia refuse entry to Russians?\")")
    if decl.kind in _QUESTION_KINDS and not decl.title.rstrip().endswith("?"):
        problems.append(f"{label}: finding {decl.id!r}: a {decl.kind} finding's title is the question it answers, "
                        f"ending in '?'; got {decl.title!r}")
    if decl.article and decl.kind != "clause":
        problems.append(f"{label}: finding {decl.id!r}: only a clause names an article")
    if decl.kind == "clause" and not decl.article:
        problems.append(f"{label}: finding {decl.id!r}: a clause names the article it is (article: 1F(a), ...)")
    if decl.doubt and decl.kind != "claim":
        problems.append(f"{label}: finding {decl.id!r}: only a claim carries a doubt")
    if decl.kind == "claim" and not decl.doubt:
        problems.append(f"{label}: finding {decl.id!r}: a claim says why its source doubts it (doubt: ...)")
    if decl.stop_point:
        kind = KINDS[decl.kind]
        for word in decl.stop_point.when:
            if word not in kind.words:
                problems.append(f"{label}: finding {decl.id!r}: stop_point.when {word!r} is not an answer of a "
                                f"{decl.kind} finding ({', '.join(kind.words)})")


def _resolve(rule: Rule, findings: dict[str, FindingDecl], label: str, problems: list[str]) -> None:
    """Give the rule's answer and each finding it reads their engine side, checking every word against its kind."""
    where = f"{label}: rule {rule.id}"
    decl = findings[rule.concludes.finding]
    kind = KINDS[decl.kind]
    answer = rule.concludes.answer
    if answer not in kind.concludable:
        problems.append(f"{where}: a {decl.kind} finding is concluded {' or '.join(kind.concludable)}, not {answer!r}"
                        + did_you_mean(answer, kind.concludable))
        return
    if decl.kind == "risk" and answer != "flagged":
        problems.append(f"{where}: a rule flags a risk or says nothing; {answer!r} would let a statement settle "
                        "the risk (encode the statement as a `report` finding beside it)")
        return
    if rule.otherwise == "opposite" and rule.exception_to is None and opposite(kind, answer) is None:
        problems.append(f"{where}: a {decl.kind} finding has no single opposite of {answer!r}; "
                        "make the rule one-sided (otherwise: nothing) and conclude the other answer in a rule of its own")
    if rule.concludes.limit is not None and decl.kind != "stay":
        problems.append(f"{where}: only a stay finding's rule reports a limit")
    rule.concludes._side = kind.side_of(answer)
    try:
        rule._condition = _resolved(rule.condition, findings, where)
    except ConditionError as e:
        problems.append(str(e))


def _resolved(condition: Condition, findings: dict[str, FindingDecl], where: str) -> Condition:
    if isinstance(condition, FindingLeaf):
        decl = findings.get(condition.finding)
        if decl is None:
            return condition  # reported as an undeclared finding
        kind = KINDS[decl.kind]
        if condition.status not in kind.concludable:
            raise ConditionError(f"{where}: finding {condition.finding!r} (a {decl.kind}) is "
                                 f"{' or '.join(kind.concludable)}, not {condition.status!r}")
        return FindingLeaf(condition.finding, kind.side_of(condition.status))
    if isinstance(condition, Not):
        return Not(_resolved(condition.child, findings, where))
    if isinstance(condition, (All, AnyOf)):
        return type(condition)(tuple(_resolved(c, findings, where) for c in condition.children))
    return condition


def _check_finding_rules(finding: str, rules: list[Rule], label_of: dict[str, str], problems: list[str]) -> None:
    """Default logic: base rules agree on one status; exceptions conclude the other and name a base rule."""
    by_id = {r.id: r for r in rules}
    bases = [r for r in rules if r.exception_to is None]
    if not bases:
        problems.append(f"finding {finding!r}: every rule is an exception; it needs a base rule")
        return
    statuses = {r.concludes.side for r in bases}
    if len(statuses) > 1:
        ids = ", ".join(r.id for r in bases)
        problems.append(
            f"{label_of[bases[0].id]}: finding {finding!r} is concluded two ways by rules {ids}; "
            "declare one as `exception_to` the other, or express both in one rule's condition"
        )
    for r in rules:
        if r.exception_to is None:
            continue
        base = by_id.get(r.exception_to)
        if base is None:
            problems.append(
                f"{label_of[r.id]}: rule {r.id}: exception_to {r.exception_to!r} is not a rule of finding {finding!r}"
                + did_you_mean(r.exception_to, by_id)
            )
        elif base.exception_to is not None:
            problems.append(f"{label_of[r.id]}: rule {r.id}: an exception to an exception; use an intermediate finding")
        elif base.concludes.side == r.concludes.side:
            problems.append(f"{label_of[r.id]}: rule {r.id}: an exception must conclude the opposite of {base.id}")


ALL_JURISDICTIONS = "all"
CASE_TEST_SUFFIXES = (".test.yaml", ".test.yml")
"""Case tests (``refugee-rules test``) an organisation keeps inside its layer: never read as rules."""


def is_case_test(path: Path) -> bool:
    return path.name.lower().endswith(CASE_TEST_SUFFIXES)


def load(directories: tuple[Path, ...] | None = None, jurisdictions: frozenset[str] | str = frozenset(),
         layers: tuple[Path, ...] = ()) -> RuleBook:
    """Load, parse and lint every ruleset under the given directories (default: the built-in ones).

    A file that declares ``jurisdiction: X`` (an optional legal layer such as the EU Qualification Directive)
    is loaded only when X is among ``jurisdictions``; ``"all"`` loads every layer (``validate`` does).

    ``layers`` are custom ruleset directories (an NGO's own rules, with their own ``sources.yaml``) loaded
    over the base ones, in order, and linted the same way. A layer may add findings and rules; a rule that
    replaces one loaded before it says so with ``overrides: <rule id>`` (a reused id without it is an error).
    """
    dirs = tuple(Path(d) for d in (directories or (builtin_dir(),)))
    layer_dirs = tuple(Path(d) for d in layers)
    problems: list[str] = []
    digest = hashlib.sha256()
    selected = None if jurisdictions == ALL_JURISDICTIONS else frozenset(jurisdictions)
    digest.update(repr(sorted(selected) if selected is not None else ALL_JURISDICTIONS).encode() + b"\0")
    source_files: list[tuple[Path, str]] = []
    rule_files: list[tuple[Path, str]] = []
    layer_file: dict[str, str] = {}  # label of a file in a layer -> the layer's name
    for d, layer in [(d, None) for d in dirs] + [(d, d.name) for d in layer_dirs]:
        if not d.is_dir():
            problems.append(f"{d}: not a directory of rulesets")
            continue
        for path in sorted(d.rglob("*.y*ml")):
            if is_case_test(path):  # an organisation's case tests kept beside its rules (tasks/casetests) are no rules
                continue
            label = path.relative_to(d).as_posix()
            if layer is not None:
                label = f"layer {layer}: {label}"
                layer_file[label] = layer
            if path.is_symlink() or any((d / p).is_symlink() for p in path.relative_to(d).parents if p != Path(".")):
                problems.append(f"{label}: a symbolic link; rulesets are read from regular files only")
                continue
            if not path.is_file():
                if not path.is_dir():
                    problems.append(f"{label}: not a regular file")
                continue
            digest.update(label.encode() + b"\0" + path.read_bytes() + b"\0")
            (source_files if path.name == SOURCES_FILE else rule_files).append((path, label))
    if not source_files and not problems:
        problems.append(f"no {SOURCES_FILE} in {', '.join(map(str, dirs))}: every citation needs a bibliography")
    sources = _load_sources(source_files, problems)

    findings: dict[str, FindingDecl] = {}
    finding_files: dict[str, str] = {}
    rules: dict[str, Rule] = {}
    label_of: dict[str, str] = {}
    overrides: dict[str, Override] = {}
    regimes: dict[str, RegimeMeta] = {}
    jurisdiction_of: dict[str, str] = {}
    for path, label in rule_files:
        data = per_destination.expand(_read_yaml(path, label, problems), label, problems)
        if data is None:
            continue
        data, declared = _take_overrides(data, label, label in layer_file, problems)
        try:
            book = RulesetFile.model_validate(data)
        except ValidationError as e:
            problems.extend(f"{label}: {line}" for line in _describe_ruleset_error(e, data))
            continue
        if book.jurisdiction is not None and selected is not None and book.jurisdiction not in selected:
            continue  # an optional legal layer that this assessment did not select
        if book.regime is not None:
            regimes[book.regime.destination] = book.regime
        for decl in book.findings:
            if decl.id in findings:
                problems.append(f"{label}: finding {decl.id!r} already declared in {finding_files[decl.id]}")
            findings[decl.id] = decl
            finding_files[decl.id] = label
            if decl.stop_point:
                for fact_path in decl.stop_point.raised_by:
                    if fact_path not in catalogue():
                        problems.append(f"{label}: finding {decl.id!r}: stop_point.raised_by names unknown fact {fact_path!r}"
                                        + did_you_mean(fact_path, catalogue()))
        for rule in book.rules:
            where = f"{label}: rule {rule.id}"
            target = declared.get(rule.id)
            if target is not None:
                if target not in rules:
                    problems.append(f"{where}: overrides {target!r}, which no ruleset loaded before this layer defines"
                                    + did_you_mean(target, rules))
                    continue
                if target != rule.id and rule.id in rules:
                    problems.append(f"{where}: id already used in {label_of[rule.id]}")
                    continue
                del rules[target]
                overrides[rule.id] = Override(rule=rule.id, layer=layer_file[label], file=label, replaces=target,
                                              replaced_file=label_of.pop(target))
            elif rule.id in rules:
                hint = (f"; to replace it from this layer, declare `overrides: {rule.id}` on the rule"
                        if label in layer_file else "")
                problems.append(f"{where}: id already used in {label_of[rule.id]}{hint}")
                continue
            try:
                rule._condition = parse(rule.when, where)
            except ConditionError as e:
                problems.append(str(e))
                continue
            for c in rule.cite:
                if c.source not in sources:
                    problems.append(f"{where}: citation source {c.source!r} is not in {SOURCES_FILE}{did_you_mean(c.source, sources)}")
            rules[rule.id] = rule
            label_of[rule.id] = label
            if book.jurisdiction is not None:
                jurisdiction_of[rule.id] = book.jurisdiction

    by_finding: dict[str, list[Rule]] = defaultdict(list)
    graph: dict[str, set[str]] = {f: set() for f in findings}
    for rule in rules.values():
        where = f"{label_of[rule.id]}: rule {rule.id}"
        target = rule.concludes.finding
        if target not in findings:
            problems.append(f"{where}: concludes undeclared finding {target!r}{did_you_mean(target, findings)}")
            continue
        by_finding[target].append(rule)
        for ref in sorted(findings_read(rule.condition)):
            if ref not in findings:
                problems.append(f"{where}: refers to finding {ref!r}, which is never declared{did_you_mean(ref, findings)}")
            graph[target].add(ref)
    for fid, decl in findings.items():
        _check_title(decl, finding_files[fid], problems)
    for rule in list(rules.values()):
        if rule.concludes.finding in findings:
            _resolve(rule, findings, label_of[rule.id], problems)
    for fid in findings:
        if not by_finding.get(fid):
            problems.append(f"{finding_files[fid]}: finding {fid!r} is declared but no rule concludes it")
        elif any(r.concludes._side is None for r in by_finding[fid]):
            continue  # an answer that is not a word of the finding's kind: reported above
        else:
            _check_finding_rules(fid, by_finding[fid], label_of, problems)
    if (cycle := _cycle(graph)) is not None:
        problems.append("findings depend on each other in a cycle: " + " -> ".join(cycle))
    inclusions = [f.id for f in findings.values() if f.role == "inclusion"]
    if len(inclusions) > 1:
        problems.append(f"more than one finding has role 'inclusion': {', '.join(inclusions)}")

    templates: dict[tuple[str, bool], Any] = {}
    for rule in rules.values():
        for held, text in ((True, rule.because), (False, rule.because_not or rule.because)):
            try:
                templates[(rule.id, held)] = template = ExplanationTemplate(text)
            except TemplateSyntaxError as e:
                problems.append(f"{label_of[rule.id]}: rule {rule.id}: explanation template: {e.message}")
                continue
            if label_of[rule.id] in layer_file and (held or text != rule.because):  # a layer's: tried now, on a profile that states nothing
                try:
                    template.check()
                except Exception as e:  # the type only: the message can quote the template's own text
                    problems.append(f"{label_of[rule.id]}: rule {rule.id}: explanation template fails when "
                                    f"rendered ({type(e).__name__}); a fact not stated renders as \"(not stated)\"")
    if problems:
        raise RulesetError(problems)
    return RuleBook(
        sources=sources,
        findings=findings,
        rules=rules,
        rule_files=label_of,
        jurisdiction_of=jurisdiction_of,
        finding_order=_order(graph),
        content_hash=digest.hexdigest(),
        templates=templates,
        layers=layer_dirs,
        layer_of={rid: layer_file[label] for rid, label in label_of.items() if label in layer_file},
        overrides={rid: o for rid, o in overrides.items() if rid in rules},
        regimes=regimes,
    )


def _take_overrides(data: Any, label: str, in_layer: bool, problems: list[str]) -> tuple[Any, dict[str, str]]:
    """Strip ``overrides:`` from the rules of a file; only a rule in a custom layer may declare it."""
    declared: dict[str, str] = {}
    if not (isinstance(data, dict) and isinstance(data.get("rules"), list)):
        return data, declared
    entries = []
    for entry in data["rules"]:
        if isinstance(entry, dict) and "overrides" in entry:
            entry = dict(entry)
            target = entry.pop("overrides")
            rule_id = entry.get("id")
            if not in_layer:
                problems.append(f"{label}: rule {rule_id}: `overrides` is allowed only in a custom layer "
                                "(a directory loaded over the built-in rulesets)")
            elif not isinstance(target, str) or not isinstance(rule_id, str):
                problems.append(f"{label}: rule {rule_id}: `overrides` must name the id of the rule it replaces")
            else:
                declared[rule_id] = target
        entries.append(entry)
    return dict(data, rules=entries), declared


def _describe_ruleset_error(err: ValidationError, data: Any) -> list[str]:
    """Name the rule by id, not by list index, where the error sits inside a rule."""
    lines = []
    for line in describe(err, RulesetFile):
        if line.startswith("rules[") and isinstance(data, dict) and isinstance(data.get("rules"), list):
            index = int(line[len("rules["):line.index("]")])
            entry = data["rules"][index] if index < len(data["rules"]) else None
            rule_id = entry.get("id") if isinstance(entry, dict) else None
            if rule_id:
                line = f"rule {rule_id}: " + line[line.index("]") + 1:].lstrip(".")
        lines.append(line)
    return lines
