"""The rule format, its loading and its lint."""

from .loader import RuleBook, builtin_dir, load, load_cached

__all__ = ["RuleBook", "builtin_dir", "load", "load_cached"]
