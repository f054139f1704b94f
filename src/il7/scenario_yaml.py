"""A scenario file's YAML, read without YAML 1.1's surprises.

:func:`read` turns a file into plain data, refusing what YAML would otherwise read silently (a
key given twice, an octal or base-60 number, aliases that expand into billions of values); the
data's fields are then checked by :func:`il7.scenario_file.checked`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from il7.errors import Il7Error
from il7.scenario import MAX_POINTS
from il7.values import CLOCK_NUMBER, OTHER_BASE

# whole numbers with a leading zero, which YAML 1.1 reads as octal (010 -> 8; 08 -> text)
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")
_DECIMAL_TAG = "tag:il7,2026:decimal"
_EXPONENT_TAG = "tag:il7,2026:exponent"
# a number in exponent form that YAML 1.1 reads as text (1e-6 without a dot, 1.5e5 without the
# exponent's sign) and YAML 1.2 as a number
_EXPONENT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+$")


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader without the silent surprises of YAML 1.1: a key given twice in one
    mapping is an error (the last value would win), a whole number with a leading zero is read in
    decimal (``010`` is 10, not octal 8), and a clock-like number (``1:30``, base 60, read as 90),
    one with '_' between digits (``1_0``, read as 10; text in YAML 1.2) or one in another base
    (``0x10``, ``0b10``) stays text, which the parser refuses with the reason; a number in
    exponent form that YAML 1.1 reads as text (``1e-6``, ``1.5e5``) is a number, as in YAML 1.2,
    in every field alike (a dose's amount read it from text, an output's t_end refused it)."""

    _NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        if kind is yaml.ScalarNode and implicit[0]:  # a plain (unquoted) scalar
            if tag in self._NUMBER_TAGS and (
                "_" in value or CLOCK_NUMBER.match(value) or OTHER_BASE.match(value)
            ):
                return "tag:yaml.org,2002:str"
            if _LEADING_ZERO.match(value):
                return _DECIMAL_TAG
            if tag == "tag:yaml.org,2002:str" and _EXPONENT.match(value):
                return _EXPONENT_TAG
        return tag

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<: *anchor': its keys may be overridden
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                twice = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; the base loader reports it
                continue
            if twice:
                raise yaml.constructor.ConstructorError(
                    None, None, f"field '{key}' is given twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep)


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    return int(str(loader.construct_scalar(node)), 10)  # type: ignore[arg-type]


class _Written(float):
    """A number read from exponent form (``1e-6``) that keeps the text it was written as, so
    that a name or a message shows ``1e5`` as written, not its float form ``100000.0``."""

    text: str

    def __new__(cls, text: str) -> _Written:
        number = super().__new__(cls, float(text))
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text


def _exponent(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    return _Written(str(loader.construct_scalar(node)))  # type: ignore[arg-type]


_StrictLoader.add_constructor(_DECIMAL_TAG, _decimal)
_StrictLoader.add_constructor(_EXPONENT_TAG, _exponent)


MAX_YAML_VALUES = 1_000_000
"""Most values (scalars, lists and mappings) a scenario file may hold once its YAML aliases
(``*name``) are expanded: ten times :data:`MAX_POINTS`, so that any scenario il7 can run fits, while
a file whose aliases multiply into billions of values is refused before it is built."""


def _yaml_data(text: str, path: Path) -> Any:
    """Read a scenario file's YAML with :class:`_StrictLoader`, refusing, before building it, a
    file that nests too deeply, whose aliases expand past :data:`MAX_YAML_VALUES`, or whose alias
    refers to the value it stands in."""
    loader = _StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise Il7Error(
                f"scenario file '{path}' nests lists or mappings hundreds of levels deep; "
                "a scenario needs a few levels: write it flat, as the built-in ones are"
            ) from None
        if node is None:
            return None
        sizes = _expanded_size(node)
        if sizes is None:
            raise Il7Error(
                f"scenario file '{path}': a YAML alias (*name) stands inside the value it names, "
                "which makes the value endless; write the value out instead"
            )
        expanded, written = sizes
        if written > MAX_YAML_VALUES:
            raise Il7Error(
                f"scenario file '{path}' holds more than {MAX_YAML_VALUES:,} values; a scenario needs "
                f"far fewer (at most {MAX_POINTS:,} output times: give output: {{t_end: T, n: N}})"
            )
        if expanded > MAX_YAML_VALUES:
            raise Il7Error(
                f"scenario file '{path}' expands through its YAML aliases (*name) to more than "
                f"{MAX_YAML_VALUES:,} values; write each value once, with fewer aliases"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> tuple[int, int] | None:
    """Number of values under ``root`` with every alias expanded (each shared node counted as
    often as it is used) and as written (each once), or ``None`` where an alias refers to a node
    it lies within. Counted without recursion and without expanding, so a billion-value file
    costs no more than its text."""

    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [part for pair in node.value for part in pair]
        return []

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes on the path from the root to the one being read
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            sizes[key] = 1 + sum(sizes[id(child)] for child in children(node))
            open_nodes.discard(key)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            return None
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children(node) if id(child) not in sizes)
    return sizes[id(root)], len(sizes)


def read(path: Path) -> Any:
    """The data of the scenario file at ``path`` (:class:`_StrictLoader`), or a one-line
    :class:`~il7.errors.Il7Error` naming the file and the fix: not YAML (with line and column),
    not UTF-8, unreadable, too large or endless."""
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        return _yaml_data(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"
        # PyYAML marks the end of the file a line past its last: say "at its end" instead
        if mark is not None and not text[mark.index :].strip():
            at = " at its end"
        problem, fix = getattr(exc, "problem", None) or "syntax error", "fix the syntax"
        if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, but its place
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            at = f" at line {line}, column {column}"
            code = exc.character if isinstance(exc.character, int) else ord(exc.character)
            problem, fix = f"the control character U+{code:04X}, which YAML does not allow", "delete it"
        # and what was left open there, where it opened ("while parsing a flow sequence")
        context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and opened is not None and (mark is None or opened.index != mark.index):
            problem += f" ({context} from line {opened.line + 1}, column {opened.column + 1})"
        raise Il7Error(f"scenario file '{path}' is not valid YAML{at}: {problem}; {fix}") from None
    except UnicodeDecodeError:
        raise Il7Error(f"scenario file '{path}' is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise Il7Error(f"cannot read scenario file '{path}': {exc.strerror}; check its permissions") from None
