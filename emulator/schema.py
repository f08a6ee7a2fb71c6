"""The Bot API in machine-readable form (`api.json`, a verbatim copy of the project's
telegram-bot-api/api.json), and checks against it: does a JSON value have the shape of a type,
does a method accept a parameter. This is what keeps the emulator from drifting into a Telegram of
its own: tests walk everything it answers through `Schema.check`, and it records every parameter
the bot sends that the real API does not define."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

API_JSON = Path(__file__).with_name("api.json")
_ENUM = re.compile(r"(?:can be either|Currently, can be|Must be one of)(.*?)(?:\.\s+[A-Z]|$)", re.S)
_CONST = re.compile(r'always "([^"]+)"')


@dataclass
class Report:
    """Problems found (empty when the value conforms) and the object types walked."""

    problems: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)


def _allowed_strings(description: str) -> set[str] | None:
    const = _CONST.search(description)
    if const:
        return {const[1]}
    enum = _ENUM.search(description)
    if enum:
        values = set(re.findall(r'"([^"]+)"', enum[1]))
        return values or None
    return None


class Schema:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.types: dict[str, Any] = data["types"]
        self.methods: dict[str, Any] = data["methods"]
        self._by_lower = {name.lower(): name for name in self.methods}

    def method(self, name: str) -> str | None:
        """The canonical name of a method, looked up case-insensitively."""
        return self._by_lower.get(name.lower())

    def parameters(self, method: str) -> set[str]:
        return {f["name"] for f in self.methods[method].get("fields", [])}

    def check(self, value: Any, type_expr: str) -> Report:
        report = Report()
        report.problems = self._check(value, type_expr, "$", report.visited)
        return report

    def check_result(self, method: str, result: Any) -> Report:
        return self._union(result, list(self.methods[method]["returns"]), "$")

    def _union(self, value: Any, options: list[str], path: str) -> Report:
        best: Report | None = None
        for option in options:
            attempt = Report()
            attempt.problems = self._check(value, option, path, attempt.visited)
            if not attempt.problems:
                return attempt
            if best is None or len(attempt.problems) < len(best.problems):
                best = attempt
        return best or Report([f"{path}: no type to check against"])

    def _check(self, value: Any, type_expr: str, path: str, visited: set[str]) -> list[str]:
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_expr}, got {type(value).__name__}"]
            problems: list[str] = []
            for index, item in enumerate(value):
                problems += self._check(
                    item, type_expr[len("Array of ") :], f"{path}[{index}]", visited
                )
            return problems
        scalar = {
            "Integer": isinstance(value, int) and not isinstance(value, bool),
            "Float": isinstance(value, (int, float)) and not isinstance(value, bool),
            "String": isinstance(value, str),
            "Boolean": isinstance(value, bool),
            "True": value is True,
        }
        if type_expr in scalar:
            ok = scalar[type_expr]
            return [] if ok else [f"{path}: expected {type_expr}, got {json.dumps(value)[:60]}"]
        spec = self.types.get(type_expr)
        if spec is None:
            return [f"{path}: unknown type {type_expr}"]
        if spec.get("subtypes"):
            report = self._union(value, list(spec["subtypes"]), path)
            visited |= report.visited
            if not report.problems:
                visited.add(type_expr)
            return report.problems
        return self._check_object(value, type_expr, spec, path, visited)

    def _check_object(
        self, value: Any, name: str, spec: dict[str, Any], path: str, visited: set[str]
    ) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected {name} object, got {type(value).__name__}"]
        visited.add(name)
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems = [
            f"{path}.{key}: {name} has no field {key!r}" for key in value if key not in fields
        ]
        for key, fspec in fields.items():
            where = f"{path}.{key}"
            if key not in value:
                if fspec["required"]:
                    problems.append(f"{where}: required field of {name} is missing")
                continue
            report = self._union(value[key], list(fspec["types"]), where)
            problems += report.problems
            visited |= report.visited
            if fspec["types"] == ["String"] and isinstance(value[key], str):
                allowed = _allowed_strings(fspec["description"])
                if allowed is not None and value[key] not in allowed:
                    problems.append(f"{where}: {value[key]!r} is not one of {sorted(allowed)}")
        return problems


@cache
def schema() -> Schema:
    return Schema(json.loads(API_JSON.read_text(encoding="utf-8")))
