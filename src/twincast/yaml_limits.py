"""YAML with limits: a few hundred bytes must not expand into gigabytes.

Why: YAML anchors (``&a``) and aliases (``*a``) let a 287-byte file name one list nine times
in a list named nine times... (the "billion laughs"). ``yaml.safe_load`` shares the aliased
objects, but anything that walks the result (pydantic validation, the line-number map of
catalog errors) visits every expanded copy: 2.3 GB and minutes for that file. Catalogs,
listings and batch job files are written by people who may paste from anywhere, so they are
composed here first and refused, before anything walks them, when they hold more than
:data:`MAX_ALIASES` aliases, expand to more than :data:`MAX_NODES` values, refer to themselves
or nest deeper than Python can follow.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import TwincastError

MAX_ALIASES = 100  # hand-written files use a handful (a shared shipping block), if any
MAX_NODES = 200_000  # values after expanding every alias; the sample catalog has ~1,500


class _TooManyAliases(Exception):
    pass


class _CountingLoader(yaml.SafeLoader):
    """SafeLoader that stops composing at the first alias over the limit."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _TooManyAliases()
        return super().compose_node(parent, index)


def expanded_size(root: yaml.Node, limit: int = MAX_NODES) -> int:
    """Number of values ``root`` stands for with every alias expanded (stops counting past
    ``limit``); -1 when a node contains itself. Shared nodes are counted once per use, but
    computed once (memoised), so the count costs time linear in the *composed* tree."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = min(limit + 1, 1 + sum(size[id(c)] for c in children))
            continue
        if key in size:
            continue
        if key in on_path:
            return -1
        on_path.add(key)
        stack.append((node, True))
        for c in children:
            if id(c) in on_path:
                return -1
            if id(c) not in size:
                stack.append((c, False))
    return size[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_yaml(text: str, where: str) -> Any:
    """``yaml.safe_load(text)`` with the limits above; ``where`` (a file name) prefixes errors.
    Syntax errors still raise ``yaml.YAMLError`` for the caller's own line-numbered message."""
    fix = ("write the values out in full: a catalog, listing or job file needs few or no YAML "
           "anchors (&name) and aliases (*name)")
    loader = _CountingLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        n = expanded_size(root)
        if n < 0:
            raise TwincastError(f"{where}: the YAML refers to itself (an alias inside its own anchor)", fix)
        if n > MAX_NODES:
            raise TwincastError(f"{where}: the YAML expands to more than {MAX_NODES:,} values through its "
                                f"aliases (limit {MAX_NODES:,})", fix)
        return loader.construct_document(root)
    except _TooManyAliases:
        raise TwincastError(f"{where}: the YAML uses more than {MAX_ALIASES} aliases (*name); "
                            f"the limit is {MAX_ALIASES}", fix) from None
    except RecursionError:
        raise TwincastError(f"{where}: the YAML is nested too deeply to read",
                            "flatten the structure: catalogs and listings need only a few levels") from None
    finally:
        loader.dispose()
