"""Custom ruleset layers: an organisation's own rules, loaded over the built-in ones.

A layer is a directory laid out like ``rulesets/``: YAML rule files and, if its rules cite anything the
built-in bibliography lacks, its own ``sources.yaml``. It is loaded after the built-in rulesets (or the
directories given as ``rulesets=``) and linted by exactly the same checks — a fact path the profile cannot
carry, a citation that does not resolve, a finding concluded two ways, a cycle: all are load errors.

A layer may declare new findings and rules, and add rules to a built-in finding (one more base rule is one
more way for it to hold). To *replace* a built-in rule, the layer's rule declares ``overrides: <rule id>``;
reusing an id without that declaration stays an error, so nothing is overridden by accident. Every finding
whose rules a layer changed says so in its notes, naming the layer, the rule and the rule it replaced.
"""

from __future__ import annotations

from collections.abc import Sequence

from refugee_rules.result.assessment import Note
from refugee_rules.law.loader import RuleBook


def custom_layer_additions(book: RuleBook, finding: str, rules_fired: Sequence[str]) -> tuple[list[Note], str]:
    """(a note for every rule of the finding that comes from a custom layer, the sentences its explanation gains:
    one for each overriding rule that decided it)."""
    notes: list[Note] = []
    said = ""
    for rule in book.rules_of(finding):
        layer = book.layer_of.get(rule.id)
        if layer is None:
            continue
        o = book.overrides.get(rule.id)
        if o is not None:
            replaced = f"built-in rule {o.replaces}" if o.replaces == rule.id else f"rule {o.replaces}"
            notes.append(Note(code="layer_override", rule=rule.id, layer=layer, replaces=o.replaces,
                              replaced_file=o.replaced_file))
            if rule.id in rules_fired:
                said += f" [From custom layer {layer!r}: its rule {rule.id} overrides the {replaced}.]"
        else:
            notes.append(Note(code="layer_added", rule=rule.id, layer=layer))
    return notes, said
