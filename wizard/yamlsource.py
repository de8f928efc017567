"""Load YAML and TOML with enough position information to name the line of a bad field."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from wizard.errors import UserError


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{what} not found", where=str(path)) from None
    except IsADirectoryError:
        raise UserError(f"{what} is a directory, expected a file", where=str(path)) from None
    except UnicodeDecodeError as err:
        raise UserError(f"{what} is not UTF-8 text (byte {err.start})", where=str(path)) from None
    except OSError as err:
        raise UserError(f"cannot read {what}: {err.strerror}", where=str(path)) from None


def load_yaml(path: Path, what: str) -> tuple[Any, Any]:
    """Return (data, node tree); a syntax error names the file and line."""
    import yaml

    text = read_text(path, what)
    # libyaml's loader when PyYAML has it: ~15x faster, and loading the checklist is on every start-up path.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise UserError(f"invalid YAML: {err.problem or err}", where=f"{path}{line}") from None
    except yaml.YAMLError as err:
        raise UserError(f"invalid YAML: {err}", where=str(path)) from None
    return data, node


def yaml_line(node: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the value at `loc` (a pydantic error location) in a composed YAML tree."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(key):
                    node, line = v, k.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def load_toml(path: Path, what: str) -> tuple[dict[str, Any], str]:
    text = read_text(path, what)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        # tomllib puts "(at line L, column C)" at the end of its message
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        msg = re.sub(r"\s*\(at line.*\)$", "", str(err))
        where = f"{path}:{m.group(1)}" if m else str(path)
        raise UserError(f"invalid TOML: {msg}", where=where) from None


def toml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a key in TOML text: the table header, then the key inside it."""
    lines = text.splitlines()
    start = 0
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    # Walk down through [a.b] headers as far as they exist.
    for depth in range(len(keys) - 1, 0, -1):
        header = re.compile(r"^\s*\[+\s*" + re.escape(".".join(keys[:depth])) + r"\s*\]+\s*$")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i
                key_re = re.compile(r"^\s*" + re.escape(keys[depth]) + r"\s*=")
                for j in range(i + 1, len(lines)):
                    if lines[j].lstrip().startswith("["):
                        break
                    if key_re.match(lines[j]):
                        return j + 1
                return i + 1
    key_re = re.compile(r"^\s*" + re.escape(keys[-1]) + r"\s*=")
    for j in range(start, len(lines)):
        if key_re.match(lines[j]):
            return j + 1
    return None


def _known_fields(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The field names a model accepts at `loc` (its last part being the unknown key), for a suggestion."""
    for part in loc[:-1]:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return list(model.model_fields) if model is not None else []


def describe_validation_error(err: ValidationError, model: type[BaseModel] | None = None) -> tuple[tuple[Any, ...], str]:
    """The first error's location and a short human message."""
    import difflib

    first = err.errors()[0]
    loc = tuple(first.get("loc", ()))
    field = ".".join(str(p) for p in loc) or "(top level)"
    msg = first.get("msg", "invalid value").removeprefix("Value error, ")  # pydantic's wording, not ours
    if first.get("type") == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _known_fields(model, loc), n=1) if loc else []
        msg = f"unknown field: did you mean '{close[0]}'?" if close else "unknown field (typo?)"
    elif first.get("type") == "missing":
        msg = "required field is missing"
    return loc, f"field '{field}': {msg}"


def validate_yaml(model: type[BaseModel], data: Any, node: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        loc, msg = describe_validation_error(err, model)
        line = yaml_line(node, loc)
        raise UserError(msg, where=f"{path}:{line}" if line else str(path)) from None


def validate_toml(model: type[BaseModel], data: Any, text: str, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        loc, msg = describe_validation_error(err, model)
        line = toml_line(text, loc)
        raise UserError(msg, where=f"{path}:{line}" if line else str(path)) from None
