"""YAML that remembers where each string and mapping stood, so a problem in a policy pack or in
the documents catalogue points at its file, line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class PosStr(str):
    line: int = 1
    column: int = 1
    folded: bool = False


class PosMap(dict):
    line: int = 1


class _Loader(yaml.SafeLoader):
    pass


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> PosStr:
    value = PosStr(loader.construct_scalar(node))
    value.line, value.column = node.start_mark.line + 1, node.start_mark.column + 1
    if node.style in ("|", ">"):
        value.line += 1
    # A folded block (">") joins its lines, so positions inside it cannot be mapped back to the
    # file: errors then point at the block's first line.
    value.folded = node.style == ">"
    return value


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    data = PosMap()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load(path: Path, text: str, error: type[Exception]) -> Any:
    """The YAML document in `text`; invalid YAML raises `error(path, line, column, message)`."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(path, (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1,
                    f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
