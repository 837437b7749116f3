"""Quality signals, shown to managers and auditors and usable to weight a dip sample.

- ``copied_text``: paragraphs copied (with small edits) between case discussions, sessions
  or oversight notes (:mod:`.near_duplicates`);
- ``no_rationale`` / ``thin_rationale``: a decision recorded with no rationale, or with a
  one-line rationale of a few words;
- ``no_decision``: a case discussion or oversight note with no decision recorded;
  the decision and copied-text signals also read group sessions' case discussions
  (issue 21), named by their group session;
- ``action_incomplete``: an action without an owner or without a due date;
- ``signed_late``: a record signed long after the session (or oversight note recorded);
- ``disagreement_unresolved``: a disagreement still open some time after the session.

Records in scope: those in the teams a manager manages; everything for a quality assurance
auditor. Drafts are left out (they are still being written). Only ids, dates and short
descriptions come out, never record text.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..domain.lifecycle import RecordKind
from ..domain.permissions import Actor
from ..domain.time_rules import london_date
from ..domain.vocabulary import Agreement, RecordState, Role
from ..store.models import (
    ActionItem,
    CaseDiscussion,
    DisagreementResolution,
    OversightNote,
    Signature,
    Staff,
    SupervisionSession,
)
from .compliance import scope_team_ids
from .compliance_rows import utc_start
from .near_duplicates import TextUnit, find_near_duplicates

__all__ = ["SignalKind", "Signal", "SignalSettings", "QualitySignals", "quality_signals",
           "sampling_weights"]

_WORDS_THIN = 12
DISCUSSION_FIELDS = ("current_position", "worries", "working_well", "needs_to_happen",
                     "decision", "rationale")
SESSION_FIELDS = ("workload_notes", "learning", "asye_progress")  # never the private wellbeing
NOTE_FIELDS = ("decision", "rationale")


class SignalKind(StrEnum):
    COPIED_TEXT = "copied_text"
    NO_DECISION = "no_decision"
    NO_RATIONALE = "no_rationale"
    THIN_RATIONALE = "thin_rationale"
    ACTION_INCOMPLETE = "action_incomplete"
    SIGNED_LATE = "signed_late"
    DISAGREEMENT_UNRESOLVED = "disagreement_unresolved"
    MOSTLY_CASE_MONITORING = "mostly_case_monitoring"  # a team's feedback totals (issue 21)

    @property
    def label(self) -> str:
        return {
            SignalKind.COPIED_TEXT: "Text copied between records",
            SignalKind.NO_DECISION: "No decision recorded",
            SignalKind.NO_RATIONALE: "Decision without a rationale",
            SignalKind.THIN_RATIONALE: "One-line rationale",
            SignalKind.ACTION_INCOMPLETE: "Action without owner or due date",
            SignalKind.SIGNED_LATE: "Signed long after the session",
            SignalKind.DISAGREEMENT_UNRESOLVED: "Disagreement left unresolved",
            SignalKind.MOSTLY_CASE_MONITORING: "Supervision mostly case monitoring (team feedback)",
        }[self]


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    record_kind: str  # case_discussion | supervision | oversight_note | action | group_session
    record_id: str
    session_id: str = ""  # the supervision record it belongs to, if any
    child_id: str = ""
    staff_id: str = ""  # the supervisee, note author or action's parent worker
    team_id: str = ""
    when: date | None = None
    detail: str = ""
    related_id: str = ""  # for copied text: the other record


@dataclass(frozen=True)
class SignalSettings:
    signed_late_days: int = 28
    disagreement_days: int = 28
    duplicate_threshold: float = 0.5
    duplicate_min_words: int = 15
    thin_rationale_words: int = _WORDS_THIN


@dataclass(frozen=True)
class QualitySignals:
    since: date | None
    today: date
    signals: tuple[Signal, ...]

    def of_kind(self, kind: SignalKind) -> list[Signal]:
        return [s for s in self.signals if s.kind == kind]

    def counts(self) -> dict[SignalKind, int]:
        out = {k: 0 for k in SignalKind}
        for s in self.signals:
            out[s.kind] += 1
        return out


def _is_thin(text: str, words: int) -> bool:
    stripped = text.strip()
    return "\n" not in stripped and len(stripped.split()) < words


def quality_signals(
    session: Session,
    actor: Actor,
    *,
    today: date,
    since: date | None = None,
    settings: SignalSettings | None = None,
    team_ids: list[str] | None = None,
    near_duplicates: bool = True,
) -> QualitySignals:
    """Every signal on the non-draft records in the actor's scope held since ``since``."""
    settings = settings or SignalSettings()
    if actor.role == Role.QA_AUDITOR:
        from ..store.models import Team
        teams = list(session.scalars(select(Team.id).where(Team.tombstone.is_(False))))
    else:
        teams = scope_team_ids(session, actor)
    if team_ids is not None:
        teams = [t for t in teams if t in set(team_ids)]
    if not teams:
        return QualitySignals(since, today, ())
    staff_team = dict(session.execute(select(Staff.id, Staff.team_id)).all())
    in_scope = select(Staff.id).where(Staff.team_id.in_(teams))
    session_conditions = [SupervisionSession.tombstone.is_(False),
                          SupervisionSession.state != RecordState.DRAFT.value,
                          SupervisionSession.supervisee_id.in_(in_scope)]
    if since:
        session_conditions.append(SupervisionSession.held_at >= utc_start(since))
    out: list[Signal] = []
    units: list[TextUnit] = []

    # case discussions: decisions and rationales, and their text for copying
    cols = [getattr(CaseDiscussion, f) for f in DISCUSSION_FIELDS]
    for row in session.execute(
            select(CaseDiscussion.id, CaseDiscussion.session_id, CaseDiscussion.child_id,
                   SupervisionSession.supervisee_id, SupervisionSession.held_at, *cols)
            .join(SupervisionSession, SupervisionSession.id == CaseDiscussion.session_id)
            .where(CaseDiscussion.tombstone.is_(False), *session_conditions)):
        base = dict(record_kind="case_discussion", record_id=row.id, session_id=row.session_id,
                    child_id=row.child_id, staff_id=row.supervisee_id,
                    team_id=staff_team.get(row.supervisee_id) or "", when=london_date(row.held_at))
        out.extend(_decision_signals(row.decision, row.rationale, base, settings))
        if near_duplicates:
            for f in DISCUSSION_FIELDS:
                text = getattr(row, f)
                if text:
                    units.append(TextUnit("case_discussion", row.id, f, row.session_id, text))

    _group_discussion_signals(session, teams, since, settings, out, units if near_duplicates else None)

    # sessions: signed late, disagreements, and their own text
    supervisee_sig = (select(Signature.record_id, func.min(Signature.signed_at).label("signed_at"))
                      .where(Signature.record_kind == RecordKind.SUPERVISION.value,
                             Signature.signer_role == "supervisee")
                      .group_by(Signature.record_id).subquery())
    scols = [getattr(SupervisionSession, f) for f in SESSION_FIELDS]
    for row in session.execute(
            select(SupervisionSession.id, SupervisionSession.supervisee_id, SupervisionSession.held_at,
                   SupervisionSession.state, SupervisionSession.supervisee_agreement,
                   SupervisionSession.disagreement_resolved, SupervisionSession.updated_at,
                   supervisee_sig.c.signed_at,
                   select(DisagreementResolution.id)
                   .where(DisagreementResolution.session_id == SupervisionSession.id,
                          DisagreementResolution.tombstone.is_(False))
                   .exists().label("has_resolution"), *scols)
            .outerjoin(supervisee_sig, supervisee_sig.c.record_id == SupervisionSession.id)
            .where(*session_conditions)):
        held_on = london_date(row.held_at)
        base = dict(record_kind="supervision", record_id=row.id, session_id=row.id,
                    staff_id=row.supervisee_id, team_id=staff_team.get(row.supervisee_id) or "",
                    when=held_on)
        if row.state == RecordState.LOCKED.value:
            signed_at = row.signed_at or row.updated_at
            days = (london_date(signed_at) - held_on).days
            if days > settings.signed_late_days:
                out.append(Signal(SignalKind.SIGNED_LATE, **base,
                                  detail=f"Signed {days} days after the session"))
        if (row.supervisee_agreement == Agreement.DISAGREES.value and not row.disagreement_resolved
                and not row.has_resolution and (today - held_on).days > settings.disagreement_days):
            out.append(Signal(SignalKind.DISAGREEMENT_UNRESOLVED, **base,
                              detail=f"Open for {(today - held_on).days} days"))
        if near_duplicates:
            for f in SESSION_FIELDS:
                text = getattr(row, f)
                if text:
                    units.append(TextUnit("supervision", row.id, f, row.id, text))

    # oversight notes (signed) on children allocated in scope
    note_conditions = [OversightNote.tombstone.is_(False),
                       OversightNote.state == RecordState.LOCKED.value,
                       OversightNote.author_id.in_(select(Staff.id).where(
                           or_(Staff.team_id.in_(teams), Staff.team_id.is_(None))))]
    from ..store.models import Child
    note_conditions.append(OversightNote.child_id.in_(
        select(Child.id).where(Child.allocated_worker_id.in_(in_scope))))
    if since:
        note_conditions.append(OversightNote.recorded_at >= utc_start(since))
    author_sig = (select(Signature.record_id, func.min(Signature.signed_at).label("signed_at"))
                  .where(Signature.record_kind == RecordKind.OVERSIGHT_NOTE.value)
                  .group_by(Signature.record_id).subquery())
    for row in session.execute(
            select(OversightNote.id, OversightNote.child_id, OversightNote.author_id,
                   OversightNote.recorded_at, OversightNote.decision, OversightNote.rationale,
                   author_sig.c.signed_at)
            .outerjoin(author_sig, author_sig.c.record_id == OversightNote.id)
            .where(*note_conditions)):
        recorded_on = london_date(row.recorded_at)
        base = dict(record_kind="oversight_note", record_id=row.id, child_id=row.child_id,
                    staff_id=row.author_id, team_id=staff_team.get(row.author_id) or "",
                    when=recorded_on)
        out.extend(_decision_signals(row.decision, row.rationale, base, settings))
        if row.signed_at is not None:
            days = (london_date(row.signed_at) - recorded_on).days
            if days > settings.signed_late_days:
                out.append(Signal(SignalKind.SIGNED_LATE, **base,
                                  detail=f"Signed {days} days after it was recorded"))
        if near_duplicates:
            for f in NOTE_FIELDS:
                text = getattr(row, f)
                if text:
                    units.append(TextUnit("oversight_note", row.id, f, row.id, text))

    # actions in non-draft supervision records or signed notes, missing owner or due date
    parent = SupervisionSession.__table__.alias("parent")
    note = OversightNote.__table__.alias("note")
    action_conditions = [ActionItem.tombstone.is_(False),
                         or_(ActionItem.owner_id.is_(None), ActionItem.due_on.is_(None)),
                         or_(parent.c.state.in_(("shared", "supervisor_signed", "locked")),
                             note.c.state == RecordState.LOCKED.value),
                         or_(parent.c.supervisee_id.in_(in_scope),
                             note.c.child_id.in_(select(Child.id).where(
                                 Child.allocated_worker_id.in_(in_scope))))]
    if since:
        action_conditions.append(or_(parent.c.held_at >= utc_start(since),
                                     note.c.recorded_at >= utc_start(since)))
    for aid, owner, due, session_id, supervisee, held_at, child_id, recorded_at, author in session.execute(
            select(ActionItem.id, ActionItem.owner_id, ActionItem.due_on, ActionItem.session_id,
                   parent.c.supervisee_id, parent.c.held_at, ActionItem.child_id, note.c.recorded_at,
                   note.c.author_id)
            .outerjoin(parent, parent.c.id == ActionItem.session_id)
            .outerjoin(note, note.c.id == ActionItem.oversight_note_id)
            .where(*action_conditions)):
        missing = " and ".join(m for m, gone in (("owner", owner is None), ("due date", due is None)) if gone)
        staff = supervisee or author or ""
        when = held_at or recorded_at
        out.append(Signal(SignalKind.ACTION_INCOMPLETE, "action", aid, session_id=session_id or "",
                          child_id=child_id or "", staff_id=staff, team_id=staff_team.get(staff) or "",
                          when=london_date(_aware(when)) if when else None, detail=f"No {missing}"))

    if near_duplicates and units:
        for pair in find_near_duplicates(units, threshold=settings.duplicate_threshold,
                                         min_words=settings.duplicate_min_words):
            for this, other in ((pair.first, pair.second), (pair.second, pair.first)):
                out.append(Signal(
                    SignalKind.COPIED_TEXT, this.record_kind, this.record_id,
                    session_id=this.owner_key if this.record_kind in ("case_discussion", "supervision") else "",
                    related_id=other.record_id,
                    detail=(f"{this.field.replace('_', ' ')} matches {other.record_kind.replace('_', ' ')} "
                            f"{other.field.replace('_', ' ')} ({pair.score:.0%} similar)")))
    out.extend(_feedback_signals(session, teams, since))
    return QualitySignals(since, today, tuple(_fill(out, session)))


def _feedback_signals(session: Session, teams: list[str], since: date | None) -> list[Signal]:
    """Teams whose workers say their supervision is nearly all case monitoring, from the
    feedback totals the server publishes (never one person's answers: ``domain.feedback``)."""
    from ..domain.feedback import CASE_MONITORING_SHARE
    from ..store.practice_models import TeamFeedbackTotal

    out = []
    for total in session.scalars(select(TeamFeedbackTotal).where(
            TeamFeedbackTotal.team_id.in_(teams), TeamFeedbackTotal.tombstone.is_(False))):
        year, quarter = int(total.quarter[:4]), int(total.quarter[-1])
        ends = date(year + (quarter == 4), 1 if quarter == 4 else quarter * 3 + 1, 1)
        if since is not None and ends <= since:
            continue
        if total.answers and total.mostly_case_monitoring / total.answers >= CASE_MONITORING_SHARE:
            out.append(Signal(
                SignalKind.MOSTLY_CASE_MONITORING, "team", total.team_id, team_id=total.team_id,
                when=ends, detail=(f"{total.mostly_case_monitoring} of {total.answers} answers in "
                                   f"{total.quarter} say mostly case monitoring, little reflection")))
    return out


GROUP_DISCUSSION_FIELDS = ("summary", "decision", "rationale")


def _group_discussion_signals(session: Session, teams: list[str], since: date | None,
                              settings: SignalSettings, out: list[Signal],
                              units: list[TextUnit] | None) -> None:
    """A group session's case discussions (issue 21) carry the same decision and copied-text
    signals as a 1:1 record's: a decision without a rationale, or a paragraph pasted from
    another record, means the same there. Read once the supervisor has signed (the shared
    part is released, as a 1:1 record is once shared; drafts are still being written), for
    groups held for a team in scope (whom ``decide_group`` lets a manager see). Each signal
    names the group session (``record_kind`` 'group_session', which the page opens) and the
    child discussed; a group has several supervisees, so it names none of them."""
    from ..domain.group_supervision import GROUP_KIND
    from ..store.group_models import GroupDiscussion, GroupSession

    G, GD = GroupSession, GroupDiscussion
    supervisor_signed = select(Signature.id).where(
        Signature.record_id == G.id, Signature.record_kind == GROUP_KIND,
        Signature.signer_id == G.supervisor_id, Signature.tombstone.is_(False)).exists()
    conditions = [GD.tombstone.is_(False), G.tombstone.is_(False), G.team_id.in_(teams), supervisor_signed]
    if since:
        conditions.append(G.held_at >= utc_start(since))
    for row in session.execute(
            select(GD.id, GD.group_session_id, GD.child_id, G.team_id, G.held_at,
                   *[getattr(GD, f) for f in GROUP_DISCUSSION_FIELDS])
            .join(G, G.id == GD.group_session_id).where(*conditions)):
        base = dict(record_kind=GROUP_KIND, record_id=row.group_session_id, child_id=row.child_id or "",
                    team_id=row.team_id or "", when=london_date(row.held_at))
        out.extend(_decision_signals(row.decision, row.rationale, base, settings))
        if units is not None:
            for f in GROUP_DISCUSSION_FIELDS:
                text = getattr(row, f)
                if text:  # one owner per group: its own discussions are never paired
                    units.append(TextUnit(GROUP_KIND, row.group_session_id, f, row.group_session_id, text))


def _aware(value):
    from datetime import timezone
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _decision_signals(decision: str, rationale: str, base: dict, settings: SignalSettings) -> list[Signal]:
    if not decision.strip():
        return [Signal(SignalKind.NO_DECISION, **base)]
    if not rationale.strip():
        return [Signal(SignalKind.NO_RATIONALE, **base)]
    if _is_thin(rationale, settings.thin_rationale_words):
        return [Signal(SignalKind.THIN_RATIONALE, **base,
                       detail=f"{len(rationale.split())} words")]
    return []


def _fill(signals: list[Signal], session: Session) -> list[Signal]:
    """Give copied-text signals the child, worker, team and date of their record."""
    need = [s for s in signals if s.kind == SignalKind.COPIED_TEXT]
    if not need:
        return signals
    missing_disc = {s.record_id for s in need if s.record_kind == "case_discussion"}
    missing_sess = {s.record_id for s in need if s.record_kind == "supervision"}
    missing_note = {s.record_id for s in need if s.record_kind == "oversight_note"}
    missing_group = {s.record_id for s in need if s.record_kind == "group_session"}
    facts: dict[str, tuple] = {}
    staff_team = dict(session.execute(select(Staff.id, Staff.team_id)).all())
    for chunk in _chunks(sorted(missing_disc)):
        for did, sid, cid, wid, held in session.execute(
                select(CaseDiscussion.id, CaseDiscussion.session_id, CaseDiscussion.child_id,
                       SupervisionSession.supervisee_id, SupervisionSession.held_at)
                .join(SupervisionSession, SupervisionSession.id == CaseDiscussion.session_id)
                .where(CaseDiscussion.id.in_(chunk))):
            facts[did] = (sid, cid, wid, london_date(held))
    for chunk in _chunks(sorted(missing_sess)):
        for sid, wid, held in session.execute(
                select(SupervisionSession.id, SupervisionSession.supervisee_id, SupervisionSession.held_at)
                .where(SupervisionSession.id.in_(chunk))):
            facts[sid] = (sid, "", wid, london_date(held))
    for chunk in _chunks(sorted(missing_note)):
        for nid, cid, aid, at in session.execute(
                select(OversightNote.id, OversightNote.child_id, OversightNote.author_id,
                       OversightNote.recorded_at).where(OversightNote.id.in_(chunk))):
            facts[nid] = ("", cid, aid, london_date(at))
    group_facts: dict[str, tuple] = {}
    if missing_group:
        from ..store.group_models import GroupSession
        for chunk in _chunks(sorted(missing_group)):
            for gid, team_id, held in session.execute(
                    select(GroupSession.id, GroupSession.team_id, GroupSession.held_at)
                    .where(GroupSession.id.in_(chunk))):
                group_facts[gid] = (team_id or "", london_date(held))
    out = []
    for s in signals:
        if s.kind == SignalKind.COPIED_TEXT and s.record_kind == "group_session" \
                and s.record_id in group_facts:
            team_id, when = group_facts[s.record_id]
            s = Signal(s.kind, s.record_kind, s.record_id, team_id=team_id, when=when,
                       detail=s.detail, related_id=s.related_id)
        elif s.kind == SignalKind.COPIED_TEXT and s.record_id in facts:
            sid, cid, wid, when = facts[s.record_id]
            s = Signal(s.kind, s.record_kind, s.record_id, session_id=sid, child_id=cid, staff_id=wid,
                       team_id=staff_team.get(wid) or "", when=when, detail=s.detail,
                       related_id=s.related_id)
        out.append(s)
    return out


def _chunks(ids: list[str], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def sampling_weights(signals: QualitySignals, population: str, *, per_signal: float = 1.0) -> dict[str, float]:
    """Weights for a dip sample: 1 + ``per_signal`` for each signal on the record (a
    supervision record collects its case discussions' and actions' signals; a child its
    case discussions' and oversight notes')."""
    weights: dict[str, float] = defaultdict(lambda: 1.0)
    for s in signals.signals:
        key = s.session_id if population == "supervision" else s.child_id
        if key:
            weights[key] += per_signal
    return dict(weights)
