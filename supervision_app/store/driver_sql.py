"""Plain SQL on a session's own connection, for the few reads that run on every keystroke
(search): there, building and running a SQLAlchemy statement costs more than the SQLite
work behind it (about 3 of a search's 8 ms at service-manager scale, bench/bench_gui.py).

The SQL runs in the session's transaction, on its connection; values come back as the
driver gives them, so a caller converts the few that need it (see :func:`utc`). The audit log
also takes the driver's connection, to begin its transaction with the write lock.
"""
from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy.orm import Session

MAX_MARKS = 900  # bound parameters per statement, well below SQLite's limit


def driver_connection(session: Session) -> Any:
    """The sqlcipher3 connection under the session's own connection (untyped, so Any)."""
    return session.connection().connection.driver_connection


def cursor(session: Session) -> Any:
    """A driver cursor on the session's connection (its transaction begun)."""
    return driver_connection(session).cursor()


def marks(count: int) -> str:
    return ",".join("?" * count)


def utc(value: str | None) -> datetime | None:
    """A stored naive-UTC timestamp (as ``types.UTCDateTime`` writes it) as an aware one."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _row_type(fields: str) -> Any:
    """A named tuple type of ``fields`` (known only at run time, so Any to the type checker)."""
    return namedtuple("Row", fields)


class Lookup:
    """Rows of one ``SELECT ... WHERE <key> IN ({ids})`` by id: a dict of named tuples,
    with the named columns converted (e.g. ``{"held_at": utc}``)."""

    def __init__(self, sql: str, fields: str, convert: dict[str, Callable[[Any], Any]] | None = None) -> None:
        self.sql = sql
        self.row = _row_type(fields)
        self.convert = [(self.row._fields.index(name), fn) for name, fn in (convert or {}).items()]

    def __call__(self, session: Session, ids: Iterable[str | None]) -> dict[str, Any]:
        wanted = sorted({i for i in ids if i})
        found: dict[str, Any] = {}
        if not wanted:
            return found
        cur = cursor(session)
        make = self.row._make
        for at in range(0, len(wanted), MAX_MARKS):
            chunk = wanted[at:at + MAX_MARKS]
            for values in cur.execute(self.sql.format(ids=marks(len(chunk))), chunk):
                if self.convert:
                    values = list(values)
                    for position, fn in self.convert:
                        values[position] = fn(values[position])
                row = make(values)
                found[row[0]] = row
        return found
