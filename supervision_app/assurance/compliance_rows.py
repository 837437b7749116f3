"""How the compliance figures read stored rows: plain Core columns, stored UTC text turned
into London dates without SQLAlchemy's parsing, and the connection settings for a large
read."""
from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Iterator, Sequence, overload

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from ..domain.permissions import Actor, Operation, TeamTarget, decide
from ..domain.supervision_policy import SupervisionPolicy
from ..domain.time_rules import LONDON, london_date
from ..domain.vocabulary import RecordState, Role
from ..store.models import (
    ActionItem,
    CaseDiscussion,
    Child,
    DisagreementResolution,
    OversightNote,
    Signature,
    Staff,
    SupervisionSession,
    Team,
)
from ..store.practice_models import SessionCancellation, SupervisionAgreement

SUPERVISED_ROLES = (Role.SOCIAL_WORKER.value, Role.TEAM_MANAGER.value)
UNALLOCATED = ""  # the team key of children allocated to nobody in a team
LOCKED = RecordState.LOCKED.value
DRAFT = RecordState.DRAFT.value
# Each table's Core columns, named for the table, for every compliance module: the figures
# read plain rows, never through the ORM's loading machinery.
SESSIONS = SupervisionSession.__table__.c
RESOLUTIONS = DisagreementResolution.__table__.c  # a disagreement's recorded resolution
NOTES = OversightNote.__table__.c
DISCUSSIONS = CaseDiscussion.__table__.c
ACTIONS = ActionItem.__table__.c
CHILDREN = Child.__table__.c
STAFF = Staff.__table__.c
SIGNATURES = Signature.__table__.c
TEAMS = Team.__table__.c
CANCELLATIONS = SessionCancellation.__table__.c
AGREEMENTS = SupervisionAgreement.__table__.c


def scope_team_ids(session: Session, actor: Actor) -> list[str]:
    """The teams whose compliance the actor may see."""
    live = list(session.connection().execute(
        select(TEAMS.id).where(TEAMS.tombstone.is_(False)).order_by(TEAMS.id)).scalars())
    return [t for t in live if decide(actor, Operation.VIEW, TeamTarget(t))]


def utc_start(day: date) -> datetime:
    """The UTC instant at which ``day`` starts in London."""
    return datetime.combine(day, time(0), LONDON).astimezone(timezone.utc)


def raw_text(column):
    """The stored text of a UTC datetime column, skipping SQLAlchemy's slow parsing."""
    return type_coerce(column, String())


@lru_cache(maxsize=20000)
def _day_of_hour(prefix: str) -> date:
    return london_date(datetime.fromisoformat(prefix + ":00").replace(tzinfo=timezone.utc))


@overload
def london_day(raw: str) -> date: ...
@overload
def london_day(raw: None) -> None: ...


def london_day(raw: str | None) -> date | None:
    """The London date of a stored UTC datetime ('YYYY-MM-DD HH:MM:SS...'): London's offset
    is a whole number of hours, so the date and hour decide it."""
    return None if raw is None else _day_of_hour(raw[:13])


class LondonDays(dict):
    """UTC date-and-hour ('YYYY-MM-DDTHH' as stored, 13 characters) -> London date: a
    plain dict look-up per row in the loops over thousands of rows."""

    def __missing__(self, prefix: str) -> date:
        day = self[prefix] = _day_of_hour(prefix)
        return day


def team_policy(raw: str | None) -> SupervisionPolicy:
    return SupervisionPolicy.from_json(json.loads(raw)) if raw else SupervisionPolicy()


DASHBOARD_PAGE_CACHE_KIB = 32 * 1024


def widen_page_cache(session: Session) -> None:
    """Let this connection keep up to 32 MiB of decrypted pages (SQLite's default is 2 MiB
    or so): a council-wide dashboard reads about 20 MiB of index pages, and with a smaller
    cache every run decrypts most of them again. Memory is taken only as pages are read."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    wanted = -DASHBOARD_PAGE_CACHE_KIB
    if size is not None and ((size < 0 and size > wanted) or (0 <= size < DASHBOARD_PAGE_CACHE_KIB // 4)):
        conn.exec_driver_sql(f"PRAGMA cache_size = {wanted}")


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def chunks(ids: Sequence[str], size: int = 900) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
