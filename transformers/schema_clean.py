"""JSON Schema cleaning for providers with strict function calling.

* ``gemini_schema(schema)``: the OpenAPI subset Gemini accepts. Allow-list, so keywords a future
  client adds cannot break Gemini: ``$ref`` to local ``definitions``/``$defs`` are inlined (a
  cycle becomes ``{"type": "object"}``), ``allOf`` is merged, ``oneOf`` becomes ``anyOf``,
  ``type: [x, "null"]`` becomes ``type: x`` + ``nullable``, ``const`` becomes a one-value
  ``enum``, string formats other than ``enum``/``date-time`` are dropped, ``required`` keeps only
  listed properties, an array without ``items`` gets string items.
* ``without_schema_keyword(schema, "$schema")``: one keyword removed wherever a subschema can be.

Both return new objects and never change their input (the core shares schemas with the client's
request).
"""

from __future__ import annotations

from typing import Any

from ccrouter.types import JSON

_KEEP_SCALARS = (
    "description",
    "title",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
)
_FORMATS = {
    "string": frozenset({"enum", "date-time"}),
    "integer": frozenset({"int32", "int64"}),
    "number": frozenset({"float", "double"}),
}
# Keywords whose value is a subschema, a list of subschemas, or a map of subschemas.
_SUB_ONE = ("additionalProperties", "items", "not", "if", "then", "else", "contains")
_SUB_LIST = ("anyOf", "oneOf", "allOf", "prefixItems", "items")
_SUB_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_CYCLE: JSON = {"type": "object"}


def gemini_schema(schema: JSON) -> JSON:
    out = _GeminiCleaner(schema).clean(schema)
    out.setdefault("type", "object")
    return out


def without_schema_keyword(schema: Any, keyword: str) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: JSON = {}
    for key, value in schema.items():
        if key == keyword:
            continue
        if key in _SUB_MAP and isinstance(value, dict):
            value = {name: without_schema_keyword(sub, keyword) for name, sub in value.items()}
        elif key in _SUB_LIST and isinstance(value, list):
            value = [without_schema_keyword(sub, keyword) for sub in value]
        elif key in _SUB_ONE:
            value = without_schema_keyword(value, keyword)
        out[key] = value
    return out


class _GeminiCleaner:
    def __init__(self, root: JSON) -> None:
        self._defs: dict[str, Any] = {}
        for key in ("definitions", "$defs"):
            table = root.get(key)
            if isinstance(table, dict):
                self._defs.update({f"#/{key}/{name}": sub for name, sub in table.items()})
        self._root = root
        self._open_refs: list[str] = []

    def clean(self, schema: Any) -> JSON:
        if not isinstance(schema, dict):
            return {}  # boolean schemas and junk: "anything"
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._inline(ref, schema)
        schema = _merge_all_of(schema)
        out: JSON = {}
        nullable = schema.get("nullable") is True
        types = _types(schema.get("type"))
        if "null" in types:
            nullable = True
            types.remove("null")
        if len(types) == 1:
            out["type"] = types[0]
        elif types:
            out["anyOf"] = [{"type": t} for t in types]
        nullable = self._branches(schema, out) or nullable
        self._structure(schema, out)
        nullable = _enum(schema, out) or nullable
        _scalars(schema, out)
        if nullable:
            out["nullable"] = True
        return out

    def _inline(self, ref: str, schema: JSON) -> JSON:
        target = self._root if ref == "#" else self._defs.get(ref)
        if target is None or ref in self._open_refs:
            resolved = dict(_CYCLE)
        else:
            self._open_refs.append(ref)
            try:
                resolved = self.clean(target)
            finally:
                self._open_refs.pop()
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return {**resolved, **self.clean(siblings)} if siblings else resolved

    def _branches(self, schema: JSON, out: JSON) -> bool:
        """``anyOf``/``oneOf`` into ``out``; True when one branch was just ``null``."""
        branches = schema.get("anyOf", schema.get("oneOf"))
        if not isinstance(branches, list):
            return False
        nullable = False
        cleaned = []
        for branch in branches:
            if isinstance(branch, dict) and branch.get("type") == "null":
                nullable = True
            else:
                cleaned.append(self.clean(branch))
        if len(cleaned) == 1 and "type" not in out and "anyOf" not in out:
            out.update(cleaned[0])  # anyOf [X, null] is X, nullable
        elif cleaned:
            out["anyOf"] = out.get("anyOf", []) + cleaned
        return nullable

    def _structure(self, schema: JSON, out: JSON) -> None:
        properties = schema.get("properties")
        if isinstance(properties, dict):
            out["properties"] = {name: self.clean(sub) for name, sub in properties.items()}
            out.setdefault("type", "object")
            required = schema.get("required")
            if isinstance(required, list):
                kept = [r for r in required if isinstance(r, str) and r in properties]
                if kept:
                    out["required"] = list(dict.fromkeys(kept))
        items = schema.get("items")
        if isinstance(items, list):  # tuple form: Gemini takes one schema
            items = items[0] if items else None
        if isinstance(items, dict):
            out["items"] = self.clean(items)
            out.setdefault("type", "array")
        elif out.get("type") == "array":
            out["items"] = {"type": "string"}  # Gemini rejects an array without items


def _types(kind: Any) -> list[str]:
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return list(dict.fromkeys(t for t in kind if isinstance(t, str)))
    return []


def _merge_all_of(schema: JSON) -> JSON:
    parts = schema.get("allOf")
    if not isinstance(parts, list) or not parts:
        return schema
    merged: JSON = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        if not isinstance(part, dict):
            continue
        part = _merge_all_of(part)
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                merged["properties"] = {**(merged.get("properties") or {}), **value}
            elif key == "required" and isinstance(value, list):
                merged["required"] = [*(merged.get("required") or []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _enum(schema: JSON, out: JSON) -> bool:
    """``enum`` / ``const`` into ``out``; True when ``null`` was one of the values."""
    values = schema.get("enum")
    if not isinstance(values, list):
        if "const" not in schema:
            return False
        values = [schema["const"]]
    kept = [v for v in values if v is not None]
    if kept:
        out["enum"] = kept
    return len(kept) < len(values)


def _scalars(schema: JSON, out: JSON) -> None:
    for key in _KEEP_SCALARS:
        value = schema.get(key)
        if value is None or isinstance(value, bool):
            continue
        if key in ("description", "title"):
            if isinstance(value, str):
                out[key] = value
        elif isinstance(value, int | float):
            out[key] = value
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS.get(str(out.get("type")), frozenset()):
        out["format"] = fmt
