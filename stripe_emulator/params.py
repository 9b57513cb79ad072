"""Decoding of Stripe's form-encoded parameters and typed access to them.

The stripe package sends ``a[b]=c`` for nested objects, ``a[0]=x`` for arrays
(curl users send ``a[]=x``), booleans as ``true``/``false`` and integers as
decimal strings. :func:`decode` turns those pairs into nested dicts and lists;
:class:`Params` reads them with Stripe's validation errors.
"""

from __future__ import annotations

import re
from typing import Any

from stripe_emulator import errors

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def decode(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Nest ``a[b][0]=v`` pairs into dicts and lists; raise ApiError on a malformed key."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise errors.invalid_request(f"Invalid parameter name: {key}", param=key)
        path = [match.group(1), *_PART.findall(match.group(2))]
        _insert(root, path, value, key)
    return {name: _listify(value) for name, value in root.items()}


def _insert(node: dict[str, Any], path: list[str], value: str, key: str) -> None:
    for depth, part in enumerate(path):
        if part == "":
            part = str(sum(1 for k in node if k.isdigit()))
        last = depth == len(path) - 1
        if last:
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise errors.invalid_request(f"Invalid parameter: {key}", param=key)
        node = child


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if value and all(k.isdigit() for k in value):
        return [_listify(value[k]) for k in sorted(value, key=int)]
    return {k: _listify(v) for k, v in value.items()}


def fingerprint(method: str, path: str, pairs: list[tuple[str, str]]) -> tuple[Any, ...]:
    """What idempotency compares: the endpoint and the parameters, order aside."""
    return (method, path, tuple(sorted(pairs)))


class Params:
    """Typed, validated access to one request's decoded parameters."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def only(self, *allowed: str) -> Params:
        """Reject any top-level parameter not in ``allowed`` (``expand`` is always allowed)."""
        for name in self.data:
            if name not in allowed and name != "expand":
                raise errors.unknown_param(name)
        return self

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str, *, required: bool = False, choices: tuple[str, ...] = ()) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise errors.missing_param(name)
            return None
        if not isinstance(value, str):
            raise errors.invalid_value(name, f"Invalid string: {name} must be a string.")
        if choices and value not in choices:
            raise errors.invalid_value(
                name, f"Invalid {name}: must be one of {', '.join(choices)}"
            )
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None) -> int | None:
        raw = self.text(name, required=required)
        if raw is None:
            return None
        if not re.fullmatch(r"-?\d+", raw):
            raise errors.invalid_value(name, f"Invalid integer: {raw}", "parameter_invalid_integer")
        value = int(raw)
        if minimum is not None and value < minimum:
            raise errors.invalid_value(
                name, f"This value must be greater than or equal to {minimum}."
            )
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw not in ("true", "false"):
            raise errors.invalid_value(name, f"Invalid boolean: {raw}")
        return raw == "true"

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, dict):
            raise errors.invalid_value(name, f"Invalid object: {name} must be a hash.")
        return value

    def strings(self, name: str) -> list[str] | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            raise errors.invalid_value(name, f"Invalid array: {name} must be an array.")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise errors.invalid_value(name, f"Invalid array: {name} must be an array of strings.")
        return value

    def expand(self) -> list[str]:
        return self.strings("expand") or []

    def metadata(self, current: dict[str, str] | None = None) -> dict[str, str]:
        """New metadata: ``metadata=`` clears it, ``metadata[k]=`` removes one key."""
        result = dict(current or {})
        if "metadata" not in self.data:
            return result
        raw = self.data["metadata"]
        if raw == "":
            return {}
        if not isinstance(raw, dict) or any(not isinstance(v, str) for v in raw.values()):
            raise errors.invalid_value("metadata", "Invalid hash: metadata must be a hash of strings.")
        for key, value in raw.items():
            if len(key) > METADATA_MAX_KEY_LENGTH:
                raise errors.invalid_value(
                    f"metadata[{key}]", "Metadata keys can have at most 40 characters."
                )
            if len(value) > METADATA_MAX_VALUE_LENGTH:
                raise errors.invalid_value(
                    f"metadata[{key}]", "Metadata values can have at most 500 characters."
                )
            if value == "":
                result.pop(key, None)
            else:
                result[key] = value
        if len(result) > METADATA_MAX_KEYS:
            raise errors.invalid_value("metadata", "Metadata can have at most 50 keys.")
        return result
