"""YAML loading that refuses what a plain loader silently accepts.

PyYAML keeps the last of two duplicate keys without a word; in pay data that
hides a wrong number, so duplicates are an error naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import DuplicateKeyError as DuplicateKeyError  # re-exported
from ..errors import StrictYamlError as StrictYamlError  # re-exported

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~5x


class _StrictLoader(_Base):  # type: ignore[valid-type,misc]
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise DuplicateKeyError(key, line, seen[key])
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def loads(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except DuplicateKeyError as exc:
        raise StrictYamlError(f"line {exc.line}", str(exc)) from exc
    except yaml.MarkedYAMLError as exc:
        where = f"line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise StrictYamlError(where, f"not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise StrictYamlError("", f"not valid YAML: {exc}") from exc


def load_file(path: Path) -> Any:
    return loads(path.read_text(encoding="utf-8"))


def dumps(data: Any) -> str:
    """Readable, stable YAML: keys in the order given, unicode kept, long lines not folded."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100_000,
        default_flow_style=False,
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_representer)
