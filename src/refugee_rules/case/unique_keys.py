"""A key given twice in one mapping is an error, in YAML, JSON and CSV alike.

Both parsers keep the last of two equal keys without a word: a second ``fear:`` block in a profile silently
replaced the first (the subjective fear went from met to undetermined), and a rule file could lose half a rule
the same way. A reader of the file sees two values; the library must not pick one. YAML merge keys (``<<:``) are
no duplicates: a key written beside a merge deliberately overrides the merged one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from yaml.constructor import ConstructorError

_MERGE = "tag:yaml.org,2002:merge"


def shown(key: Any) -> str:
    """A key as a message quotes it: in quotes, and cut at 80 characters (a hostile key can be long)."""
    text = str(key)
    return repr(text if len(text) <= 80 else text[:80] + "…")


class DuplicateKey(ValueError):
    """A JSON object names one key twice (``key``)."""

    def __init__(self, key: Any):
        self.key = key
        super().__init__(f"the key {shown(key)} is given twice in one object; keep one")


def json_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for :func:`json.loads`: the object, or :class:`DuplicateKey`."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def unique_keys(loader: type) -> type:
    """A subclass of the YAML ``loader`` that refuses a key given twice in one mapping (a ``ConstructorError``
    whose problem names the key and whose mark is the second one)."""

    class UniqueKeyLoader(loader):  # type: ignore[valid-type, misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    if key_node.tag == _MERGE:
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        duplicate = key in seen
                        seen.add(key)
                    except TypeError:  # an unhashable key: the constructor itself refuses it below
                        continue
                    if duplicate:
                        raise ConstructorError("while constructing a mapping", node.start_mark,
                                               f"found the key {shown(key)} twice in one mapping; keep one",
                                               key_node.start_mark)
            return super().construct_mapping(node, deep=deep)

    UniqueKeyLoader.__name__ = UniqueKeyLoader.__qualname__ = f"UniqueKey{loader.__name__}"
    return UniqueKeyLoader
