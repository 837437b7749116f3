"""The canonical form of a record: the exact bytes that are digested and signed.

RFC 8785 (JSON Canonicalization Scheme) through the ``rfc8785`` package gives bytes that
do not depend on Python version, platform or dict order. We add what JCS leaves to the
application: text is NFC-normalised and line endings are ``\\n`` (so the same words typed
on Windows and macOS sign the same), dates and times are ISO 8601 strings (times in UTC),
and floats are refused (a safety scale is an integer; money and measures have no place here).
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any, Mapping

import rfc8785

from ..errors import AppError

CANONICAL_FORMAT = "supervision-recorder/record/v1"
_SAFE_INTEGER = 2**53 - 1


class NotCanonicalisable(AppError, TypeError):
    pass


def normalise_text(text: str) -> str:
    if type(text) is str and text.isascii() and "\r" not in text:
        return text  # ASCII is its own NFC form
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _prepare(value: Any) -> Any:
    # the plain types first (most of a record is text): the same branches as below
    plain = type(value)
    if plain is str:
        return normalise_text(value)
    if plain is dict:
        return _prepare_mapping(value)
    if plain is list:
        return [_prepare(item) for item in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return _prepare(value.value)
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, int):
        if abs(value) > _SAFE_INTEGER:
            raise NotCanonicalisable("integers beyond 2**53 - 1 cannot be represented in JSON exactly")
        return value
    if isinstance(value, float):
        raise NotCanonicalisable("floats are not allowed in a canonical record")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise NotCanonicalisable("datetimes must be timezone-aware")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _prepare_mapping(value)
    if isinstance(value, (list, tuple)):
        return [_prepare(item) for item in value]
    raise NotCanonicalisable(f"cannot canonicalise {type(value).__name__}")


def _prepare_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    out = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise NotCanonicalisable("mapping keys must be strings")
        out[normalise_text(key)] = _prepare(item)
    return out


def canonical_bytes(kind: str, record: Mapping[str, Any]) -> bytes:
    """Deterministic bytes for a record of ``kind`` given as plain data."""
    document = {"format": CANONICAL_FORMAT, "kind": kind, "record": _prepare(record)}
    if isinstance(kind, str) and _ascii_keys(document["record"]):
        try:
            return _JCS_SUBSET.encode(document).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 refuses it, as it always has
    return rfc8785.dumps(document)


# RFC 8785 of what ``_prepare`` gives (null, booleans, safe integers, strings, objects with
# string keys, arrays; never a float) is the standard library's compact JSON with sorted keys
# and characters left unescaped, byte for byte, when every key is ASCII: strings are escaped
# alike (the same seven short escapes, other control characters as lowercase \u00xx,
# nothing else), integers are written alike, and ASCII keys sort the same by code point as
# by UTF-16 code unit. json's encoder is C; rfc8785's is Python, most of the time a server
# takes to check a signature over a record with many parts (bench_push). Anything else (a
# key beyond ASCII, a lone surrogate, which UTF-8 cannot encode) goes to rfc8785 itself;
# tests compare the two on generated documents.
_JCS_SUBSET = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                               allow_nan=False, check_circular=False)


def _ascii_keys(value: Any) -> bool:
    """Whether every object key in ``value`` (as ``_prepare`` returns it) is ASCII."""
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is dict:
            for key, inner in item.items():
                if not key.isascii():
                    return False
                if type(inner) is dict or type(inner) is list:
                    pending.append(inner)
        elif type(item) is list:
            pending.extend(inner for inner in item if type(inner) is dict or type(inner) is list)
    return True


def digest(kind: str, record: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical form, as lowercase hex."""
    return hashlib.sha256(canonical_bytes(kind, record)).hexdigest()
