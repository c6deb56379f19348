"""Rule conditions: the small language a lawyer reads in the YAML, parsed and type-checked.

A condition is ``all`` / ``any`` / ``not`` over leaves. A leaf either tests one profile fact
(``{fact: military.summoned, eq: true}``) or refers to another finding
(``{finding: persecution, is: met}``). Every leaf is three-valued: a fact the profile does not give
makes the leaf unknown, never false — this module only parses; the meaning lives in
:mod:`refugee_rules.engine.ir`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import dataclass
from typing import Any, Union

from refugee_rules.case.facts import FactSpec, fact_specs
from refugee_rules.case.profile import COUNTRY_CODES
from refugee_rules.law.kinds import ALL_WORDS

# operator -> the operator that holds exactly when it definitely does not (both need the fact known)
NEGATION = {
    "eq": "ne", "ne": "eq",
    "lt": "gte", "gte": "lt", "lte": "gt", "gt": "lte",
    "in": "not_in", "not_in": "in",
    "contains": "not_contains", "not_contains": "contains",
    "contains_any": "contains_none", "contains_none": "contains_any",
    "any_item": "no_item", "no_item": "any_item",
    "in_fact": "not_in_fact", "not_in_fact": "in_fact",
    "eq_fact": "ne_fact", "ne_fact": "eq_fact",
    "lt_fact": "gte_fact", "gte_fact": "lt_fact", "lte_fact": "gt_fact", "gt_fact": "lte_fact",
    "count_eq": "count_ne", "count_ne": "count_eq",
    "count_lt": "count_gte", "count_gte": "count_lt", "count_lte": "count_gt", "count_gt": "count_lte",
}
SCALAR_OPS = {"eq", "ne", "in", "not_in"}
ORDER_OPS = {"lt", "lte", "gt", "gte"}
LIST_OPS = {"contains", "not_contains", "contains_any", "contains_none"}
ITEM_OPS = {"any_item", "no_item"}
COUNT_OPS = {"count_eq", "count_ne", "count_lt", "count_lte", "count_gt", "count_gte"}
FACT_REF_OPS = {"in_fact", "not_in_fact", "eq_fact", "ne_fact", "lt_fact", "lte_fact", "gt_fact", "gte_fact"}
ITEM_FIELD_OPS = SCALAR_OPS | ORDER_OPS


class ConditionError(ValueError):
    """A condition that cannot mean anything; the message names the part that is wrong."""


@dataclass(frozen=True)
class FactLeaf:
    path: str
    op: str
    value: Any = None  # a literal (encoded as the engines compare it), or an ItemMatch
    ref: str | None = None  # the other fact, for *_fact operators


@dataclass(frozen=True)
class ItemTest:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class ItemMatch:
    """Some item of a list of records satisfies every one of these tests."""

    tests: tuple[ItemTest, ...]


@dataclass(frozen=True)
class FindingLeaf:
    finding: str
    status: str


@dataclass(frozen=True)
class All:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    child: Condition


Condition = Union[FactLeaf, FindingLeaf, All, AnyOf, Not]


def did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _literal(spec: FactSpec, value: Any, where: str) -> Any:
    """Check a literal against the fact's kind, and encode it as the engines compare it."""
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConditionError(f"{where}: {spec.path} is true/false, got {value!r}")
        return value
    if kind == "date":
        if isinstance(value, str):
            try:
                value = _dt.date.fromisoformat(value)
            except ValueError:
                raise ConditionError(f"{where}: {spec.path} is a date (YYYY-MM-DD), got {value!r}") from None
        if not isinstance(value, _dt.date):
            raise ConditionError(f"{where}: {spec.path} is a date (YYYY-MM-DD), got {value!r}")
        return value.toordinal()
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConditionError(f"{where}: {spec.path} is a number, got {value!r}")
        return value
    if kind == "country":
        if value not in COUNTRY_CODES:
            raise ConditionError(f"{where}: {spec.path} is an ISO country code, got {value!r}")
        return value
    if kind == "enum":
        if value not in spec.values:
            raise ConditionError(
                f"{where}: {spec.path} is one of {', '.join(spec.values)}; got {value!r}{did_you_mean(str(value), spec.values)}"
            )
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ConditionError(f"{where}: {spec.path} is text, got {value!r}")
        return value
    raise ConditionError(f"{where}: {spec.path} ({kind}) cannot be compared with a single value")


def _literals(spec: FactSpec, value: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(value, list) or not value:
        raise ConditionError(f"{where}: expected a non-empty list of values for {spec.path}")
    return tuple(_literal(spec, v, where) for v in value)


def _fact_spec(path: Any, where: str) -> FactSpec:
    specs = fact_specs()
    if not isinstance(path, str) or path not in specs:
        raise ConditionError(f"{where}: unknown fact {path!r}{did_you_mean(str(path), specs)}")
    return specs[path]


def _item_match(spec: FactSpec, value: Any, where: str) -> ItemMatch:
    if not isinstance(value, dict) or not value:
        raise ConditionError(f"{where}: any_item/no_item takes a mapping of item field to value or to {{op: value}}")
    tests = []
    for name, test in value.items():
        if name not in spec.item_fields:
            raise ConditionError(
                f"{where}: {spec.path} items have no field {name!r}{did_you_mean(name, spec.item_fields)}"
            )
        field_spec = spec.item_fields[name]
        if not isinstance(test, dict):
            test = {"eq": test}
        if len(test) != 1:
            raise ConditionError(f"{where}: item field {name!r} takes exactly one operator")
        ((op, literal),) = test.items()
        if op not in ITEM_FIELD_OPS:
            raise ConditionError(f"{where}: item operator {op!r} is not one of {sorted(ITEM_FIELD_OPS)}")
        if op in ORDER_OPS and field_spec.kind not in ("date", "number"):
            raise ConditionError(f"{where}: {op} needs a date or number; {spec.path}.{name} is {field_spec.kind}")
        encoded = _literals(field_spec, literal, where) if op in ("in", "not_in") else _literal(field_spec, literal, where)
        tests.append(ItemTest(name, op, encoded))
    return ItemMatch(tuple(sorted(tests, key=lambda t: t.field)))


def _fact_leaf(node: dict[str, Any], where: str) -> FactLeaf:
    spec = _fact_spec(node["fact"], where)
    ops = [k for k in node if k != "fact"]
    if len(ops) != 1:
        raise ConditionError(f"{where}: a fact test takes exactly one operator besides 'fact', got {ops}")
    op = ops[0]
    operand = node[op]
    if op == "empty":  # sugar: {fact: a_list, empty: true} is a count of zero
        if not isinstance(operand, bool):
            raise ConditionError(f"{where}: 'empty' takes true or false")
        op, operand = ("count_eq" if operand else "count_gt"), 0
    if op not in NEGATION:
        raise ConditionError(f"{where}: unknown operator {op!r}{did_you_mean(op, NEGATION)}")
    if op in FACT_REF_OPS:
        other = _fact_spec(operand, where)
        if op in ("in_fact", "not_in_fact"):
            if other.kind != "list" or spec.is_list or other.element is None or other.element.kind != spec.kind:
                raise ConditionError(f"{where}: {op} tests a single fact against a list of the same kind")
        elif spec.kind != other.kind or spec.is_list or (op not in ("eq_fact", "ne_fact") and spec.kind not in ("date", "number")):
            raise ConditionError(f"{where}: {op} compares two facts of the same kind ({spec.kind} vs {other.kind})")
        return FactLeaf(spec.path, op, ref=other.path)
    if op in COUNT_OPS:
        if not spec.is_list:
            raise ConditionError(f"{where}: {op} counts the entries of a list; {spec.path} is {spec.kind}")
        if isinstance(operand, bool) or not isinstance(operand, int) or operand < 0:
            raise ConditionError(f"{where}: {op} takes a whole number, got {operand!r}")
        return FactLeaf(spec.path, op, operand)
    if op in ITEM_OPS:
        if spec.kind != "items":
            raise ConditionError(f"{where}: {op} applies to a list of records; {spec.path} is {spec.kind}")
        return FactLeaf(spec.path, op, _item_match(spec, operand, where))
    if op in LIST_OPS:
        if spec.kind != "list" or spec.element is None:
            raise ConditionError(f"{where}: {op} applies to a list fact; {spec.path} is {spec.kind}")
        if op in ("contains", "not_contains"):
            return FactLeaf(spec.path, op, _literal(spec.element, operand, where))
        return FactLeaf(spec.path, op, _literals(spec.element, operand, where))
    if spec.is_list:
        raise ConditionError(f"{where}: {spec.path} is a list; use contains, contains_any, any_item or their negations")
    if op in ORDER_OPS:
        if spec.kind not in ("date", "number"):
            raise ConditionError(f"{where}: {op} needs a date or number; {spec.path} is {spec.kind}")
        return FactLeaf(spec.path, op, _literal(spec, operand, where))
    if op in ("in", "not_in"):
        return FactLeaf(spec.path, op, _literals(spec, operand, where))
    return FactLeaf(spec.path, op, _literal(spec, operand, where))


def parse(node: Any, where: str) -> Condition:
    """Parse one condition node; ``where`` (file and rule id) prefixes every error."""
    if not isinstance(node, dict):
        raise ConditionError(f"{where}: a condition is a mapping (all/any/not/fact/finding), got {node!r}")
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        if len(node) != 1:
            raise ConditionError(f"{where}: '{key}' stands alone in its mapping, found also {sorted(set(node) - {key})}")
        children = node[key]
        if not isinstance(children, list) or not children:
            raise ConditionError(f"{where}: '{key}' takes a non-empty list of conditions")
        parsed = tuple(parse(c, f"{where} > {key}[{i}]") for i, c in enumerate(children))
        return All(parsed) if key == "all" else AnyOf(parsed)
    if "not" in node:
        if len(node) != 1:
            raise ConditionError(f"{where}: 'not' stands alone in its mapping")
        return Not(parse(node["not"], f"{where} > not"))
    if "finding" in node:
        if set(node) != {"finding", "is"} or node["is"] not in ALL_WORDS:
            raise ConditionError(f"{where}: a finding reference is {{finding: ID, is: ANSWER}} (an answer of that "
                                 f"finding's kind, e.g. met, applies, flagged), got {node!r}")
        return FindingLeaf(str(node["finding"]), node["is"])
    if "fact" in node:
        return _fact_leaf(node, where)
    keys = ", ".join(map(str, node))
    hint = did_you_mean(str(next(iter(node), "")), ["all", "any", "not", "fact", "finding"])
    raise ConditionError(f"{where}: a condition needs all, any, not, fact or finding; got keys {keys}{hint}")


def facts_read(condition: Condition) -> set[str]:
    """Every fact path a condition reads (subjects and referenced facts)."""
    if isinstance(condition, FactLeaf):
        return {condition.path} | ({condition.ref} if condition.ref else set())
    if isinstance(condition, FindingLeaf):
        return set()
    if isinstance(condition, Not):
        return facts_read(condition.child)
    return set().union(*(facts_read(c) for c in condition.children))


def findings_read(condition: Condition) -> set[str]:
    if isinstance(condition, FindingLeaf):
        return {condition.finding}
    if isinstance(condition, FactLeaf):
        return set()
    if isinstance(condition, Not):
        return findings_read(condition.child)
    return set().union(*(findings_read(c) for c in condition.children))
