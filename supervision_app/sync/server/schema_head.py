"""Is the server database already at the schema this code needs? Answered with one query,
without loading Alembic (which an administration command would otherwise spend most of its
time importing): the head is read from the migration files' ``revision`` lines."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "sync_server_alembic_version"  # as migrations/env.py names it
_REVISION = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision\s*=\s*["\']([^"\']+)["\']', re.M)


@lru_cache(maxsize=1)
def head_revisions() -> tuple[str, ...]:
    revisions, parents = set(), set()
    for path in VERSIONS_DIR.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if match := _REVISION.search(source):
            revisions.add(match.group(1))
        parents.update(_DOWN.findall(source))
    return tuple(sorted(revisions - parents))


def at_head(engine: Engine) -> bool:
    """True if the database is known to be at head; False if behind, empty or unreadable
    (the caller then takes the full path, which explains any problem in words)."""
    try:
        with engine.connect() as conn:
            current = tuple(sorted(r[0] for r in conn.execute(
                text(f"SELECT version_num FROM {VERSION_TABLE}"))))
    except SQLAlchemyError:
        return False
    return bool(current) and current == head_revisions()
