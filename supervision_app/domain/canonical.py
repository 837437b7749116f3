"""The canonical form of a record: the exact bytes that are digested and signed.

RFC 8785 (JSON Canonicalization Scheme) through the ``rfc8785`` package gives bytes that
do not depend on Python version, platform or dict order. We add what JCS leaves to the
application: text is NFC-normalised and line endings are ``\\n`` (so the same words typed
on Windows and macOS sign the same), dates and times are ISO 8601 strings (times in UTC),
and floats are refused (a safety scale is an integer; money and measures have no place here).
"""
from __future__ import annotations

import hashlib
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
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _prepare(value: Any) -> Any:
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
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonicalisable("mapping keys must be strings")
            out[normalise_text(key)] = _prepare(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_prepare(item) for item in value]
    raise NotCanonicalisable(f"cannot canonicalise {type(value).__name__}")


def canonical_bytes(kind: str, record: Mapping[str, Any]) -> bytes:
    """Deterministic bytes for a record of ``kind`` given as plain data."""
    return rfc8785.dumps({"format": CANONICAL_FORMAT, "kind": kind, "record": _prepare(record)})


def digest(kind: str, record: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical form, as lowercase hex."""
    return hashlib.sha256(canonical_bytes(kind, record)).hexdigest()
