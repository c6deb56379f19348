"""Stage 2, the law: the rule format, its loading and its lint (kinds, conditions, templates)."""

from refugee_rules.law.loader import RuleBook, builtin_dir, load

__all__ = ["RuleBook", "builtin_dir", "load"]
