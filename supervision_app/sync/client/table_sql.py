"""Wire rows as the local database stores them: the INSERT of each synced table, and the
conversion of the values that are not stored as they travel."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, Iterator

from .. import protocol as p


def _db_datetime(value: str) -> str:
    """A wire time (UTC, ``Z``) as the local database stores it; raises
    :class:`protocol.PageInvalid` for anything that is not a time with a zone."""
    if len(value) == 27 and value[10] == "T" and value[26] == "Z":
        return f"{value[:10]} {value[11:26]}"
    try:
        moment = p.parse_datetime(value)
    except (ValueError, TypeError, OverflowError):
        raise p.PageInvalid("a time is not a time with a zone (ISO 8601)") from None
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _db_binary(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise p.PageInvalid("binary data is not base64") from None


# Columns whose wire value is not what the local database stores (text, numbers, dates and
# booleans are stored as they travel).
_CONVERTERS = {"datetime": _db_datetime, "binary": _db_binary}


@dataclass(frozen=True)
class _TableSQL:
    """How a wire row of one table becomes the parameters of its INSERT: ``data``'s
    columns in :data:`protocol.TABLE_FIELDS` order (picked in one C call), then the sync
    columns."""

    names: tuple[str, ...]
    pick: Callable[[dict[str, Any]], tuple]
    converted: tuple[tuple[int, Callable[[str], Any]], ...]
    upsert: str

    def params(self, row: dict[str, Any]) -> tuple:
        """Raises :class:`protocol.PageInvalid` if ``data`` has columns of another table.
        A column missing (one that may be empty, from a row older than it) is stored empty."""
        data = row["data"]
        try:
            values: tuple[Any, ...] | list[Any] = (
                self.pick(data) if len(data) == len(self.names) else tuple(data.get(n) for n in self.names))
        except KeyError:
            raise p.PageInvalid(f"a {row['table']} row has columns of another table") from None
        if self.converted:
            values = list(values)
            for index, convert in self.converted:
                if values[index] is not None:
                    values[index] = convert(values[index])
        return (*values, row["id"], row["version"], _db_datetime(row["updated_at"]),
                row["updated_by"], row["tombstone"])


def _picker(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple]:
    if len(names) == 1:  # itemgetter of one name returns the value, not a tuple
        name = names[0]
        return lambda data: (data[name],)
    return itemgetter(*names)


def _table_sql(table: str) -> _TableSQL:
    specs = p.TABLE_FIELDS[table]
    names = tuple(spec.name for spec in specs)
    columns = (*names, *p.SYNC_COLUMNS)
    converted = tuple((i, _CONVERTERS[spec.kind]) for i, spec in enumerate(specs) if spec.kind in _CONVERTERS)
    listed = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    if table in p.INSERT_ONLY_TABLES:
        sql = f"INSERT INTO {table} ({listed}) VALUES ({marks})"  # never replaced
    else:
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        sql = f"INSERT INTO {table} ({listed}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {sets}"
    return _TableSQL(names, _picker(names), converted, sql)


TABLE_SQL = {table: _table_sql(table) for table in p.SYNCED_TABLES}
APPLY_ORDER = tuple(reversed(p.SYNCED_TABLES))  # parts before the records they belong to


def chunks(items: list, size: int = 400) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
