"""YAML read with positions, so that every problem can name its line and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srscards.errors import Location, Problem, SourceError

if TYPE_CHECKING:  # PyYAML is loaded on first use, so a start that parses nothing does not pay for it
    import yaml

MAX_DEPTH = 20  # nesting levels a course or card file can need, with room to spare


@dataclass(frozen=True)
class Located:
    """Parsed YAML plus the location of every mapping key and value, by key path."""

    data: Any
    keys: dict[tuple[Any, ...], Location]
    values: dict[tuple[Any, ...], Location]
    origin: Location
    raw: dict[tuple[Any, ...], str]

    def text(self, *path: Any) -> str | None:
        """The scalar exactly as written (so `id: 0123` stays "0123", not a number)."""
        return self.raw.get(path)

    def key(self, *path: Any) -> Location:
        return self.keys.get(path, self.origin)

    def value(self, *path: Any) -> Location:
        return self.values.get(path, self.keys.get(path, self.origin))


def load(text: str, path: Path, line: int = 1, col: int = 1, closed: bool = False) -> Located:
    """Parse YAML that starts at `line`:`col` of `path`; raise SourceError on bad YAML.

    `closed`: the text ends where something else follows on its last line (the `-->` of an HTML
    comment), so an error found at the end of the input is placed there, not on the next line."""
    import yaml

    origin = Location(path, line, col)
    if "*" in text:  # only an alias (`*name`) can repeat a node; most sources have none
        _refuse_aliases(text, path, line, col)
    # libyaml's parser when PyYAML was built with it: the same results, several times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = origin
        if mark:
            lines = text.split("\n")
            mline, mcol = mark.line, mark.column
            if closed and mline >= len(lines):
                mline, mcol = len(lines) - 1, len(lines[-1])
            where = _shift(path, line, col, mline, mcol)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SourceError(Problem(where, f"invalid YAML: {problem}", "check indentation, colons and quotes")) from None
    except yaml.YAMLError as exc:
        raise SourceError(Problem(origin, f"invalid YAML: {exc}", "check the YAML syntax")) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of thousands of digits
        raise SourceError(Problem(origin, f"invalid YAML value: {str(exc)[:80]}", "write a shorter value")) from None
    except RecursionError:
        raise SourceError(Problem(origin, "YAML nested too deeply", "write flat `key: value` lines")) from None
    finally:
        loader.dispose()
    keys: dict[tuple[Any, ...], Location] = {}
    values: dict[tuple[Any, ...], Location] = {}
    raw: dict[tuple[Any, ...], str] = {}

    def walk(n: yaml.Node, prefix: tuple[Any, ...]) -> None:
        if len(prefix) > MAX_DEPTH:
            where = _shift(path, line, col, n.start_mark.line, n.start_mark.column)
            raise SourceError(Problem(where, "YAML nested too deeply", "write flat `key: value` lines"))
        if isinstance(n, yaml.MappingNode):
            seen: set[Any] = set()
            for k, v in n.value:
                kp = prefix + (_scalar(k),)
                if isinstance(k, yaml.ScalarNode) and k.value in seen:
                    where = _shift(path, line, col, k.start_mark.line, k.start_mark.column)
                    raise SourceError(
                        Problem(
                            where, f"duplicate key {k.value!r}", "keep one of them: YAML would silently use the last"
                        )
                    )
                seen.add(k.value if isinstance(k, yaml.ScalarNode) else id(k))
                keys[kp] = _shift(path, line, col, k.start_mark.line, k.start_mark.column)
                values[kp] = _shift(path, line, col, v.start_mark.line, v.start_mark.column)
                if isinstance(v, yaml.ScalarNode):
                    raw[kp] = v.value
                walk(v, kp)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                values[prefix + (i,)] = _shift(path, line, col, v.start_mark.line, v.start_mark.column)
                if isinstance(v, yaml.ScalarNode):
                    raw[prefix + (i,)] = v.value
                walk(v, prefix + (i,))

    if node is not None:
        walk(node, ())
    return Located(data, keys, values, origin, raw)


def _refuse_aliases(text: str, path: Path, line: int, col: int) -> None:
    """Refuse `*alias` references: a few hundred bytes of nested aliases expand to billions of nodes."""
    import yaml

    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                raise SourceError(
                    Problem(
                        _shift(path, line, col, mark.line, mark.column),
                        f"YAML alias *{event.anchor} is not allowed in sources",
                        "write the value out in full instead of referring to an &anchor",
                    )
                )
    except yaml.YAMLError:
        return  # the parse below reports it with its location


def _scalar(node: yaml.Node) -> Any:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return yaml.safe_load(node.value) if node.tag.endswith(":int") else node.value
    return None


def _shift(path: Path, line: int, col: int, mline: int, mcol: int) -> Location:
    """Turn a 0-based mark inside a YAML snippet into a location in the file."""
    return Location(path, line + mline, (col + mcol) if mline == 0 else mcol + 1)
