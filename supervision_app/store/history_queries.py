"""Read-side queries that must stay fast at council scale: a worker's supervision history
and full-text search over records.

Both return plain frozen dataclasses (no ORM objects), so the GUI can hand them across
threads, and neither checks permissions: callers pass only what the asking user may see
(``domain.permissions``), e.g. the teams they manage. Neither returns the private
wellbeing section except as :func:`search_records` allows for the people it belongs to.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.text_rules import LETTERS_WITH_BUILT_IN_MARKS, search_fold
from . import driver_sql
from .models import ActionItem, CaseDiscussion, Child, SupervisionSession

# ----------------------------------------------------------------------------- history


@dataclass(frozen=True)
class ActionSummary:
    id: str
    description: str
    owner_id: str | None
    due_on: date | None
    status: str
    closed_at: datetime | None
    child_id: str | None
    case_discussion_id: str | None


@dataclass(frozen=True)
class DiscussionSummary:
    id: str
    position: int
    child_id: str
    case_id: str
    child_name: str
    legal_status: str
    safety_scale: int | None
    decision: str
    rationale: str
    actions: tuple[ActionSummary, ...]


@dataclass(frozen=True)
class SessionSummary:
    """One supervision session as a history list shows it. Wellbeing is left out: it is
    private, and loaded only when the record itself is opened by someone allowed to."""

    id: str
    held_at: datetime
    supervisee_id: str
    supervisor_id: str
    team_id: str | None
    state: str
    session_type: str
    duration_minutes: int
    shared_at: datetime | None
    next_session_on: date | None
    supervisee_agreement: str | None
    disagreement_unresolved: bool
    discussions: tuple[DiscussionSummary, ...]
    actions: tuple[ActionSummary, ...]  # all of the session's actions, in order agreed


def worker_history(session: Session, worker_id: str) -> list[SessionSummary]:
    """Every (non-deleted) supervision session of ``worker_id`` as supervisee, newest first,
    with its case discussions (and the child each was about) and its actions.

    Three indexed queries whatever the history's length: sessions by
    ``ix_session_supervisee_held``, then discussions and actions joined through their
    session id. Rows are fetched in one go and ordered here rather than by SQLite, which
    would otherwise copy every row's text through a temporary sort.
    """
    s = SupervisionSession.__table__.c
    sessions = session.execute(
        select(s.id, s.held_at, s.supervisee_id, s.supervisor_id, s.team_id, s.state,
               s.session_type, s.duration_minutes, s.shared_at, s.next_session_on,
               s.supervisee_agreement, s.disagreement != "", s.disagreement_resolved)
        .where(s.supervisee_id == worker_id, s.tombstone.is_(False))
        .order_by(s.held_at.desc(), s.id)
    ).all()
    if not sessions:
        return []

    a = ActionItem.__table__.c
    action_rows = session.execute(
        select(a.session_id, a.id, a.description, a.owner_id, a.due_on, a.status, a.closed_at,
               a.child_id, a.case_discussion_id)
        .join(SupervisionSession.__table__, s.id == a.session_id)
        .where(s.supervisee_id == worker_id, s.tombstone.is_(False), a.tombstone.is_(False))
    ).all()
    action_rows = sorted(action_rows, key=lambda r: (r[0], r[4] or date.max, r[1]))
    actions_by_session: dict[str, list[ActionSummary]] = {}
    actions_by_discussion: dict[str, list[ActionSummary]] = {}
    for session_id, *fields in action_rows:
        action = ActionSummary(*fields)
        actions_by_session.setdefault(session_id, []).append(action)
        if action.case_discussion_id:
            actions_by_discussion.setdefault(action.case_discussion_id, []).append(action)

    d = CaseDiscussion.__table__.c
    c = Child.__table__.c
    discussion_rows = session.execute(
        select(d.session_id, d.id, d.position, d.child_id, c.case_id, c.name, c.legal_status,
               d.safety_scale, d.decision, d.rationale)
        .join(SupervisionSession.__table__, s.id == d.session_id)
        .join(Child.__table__, c.id == d.child_id)
        .where(s.supervisee_id == worker_id, s.tombstone.is_(False), d.tombstone.is_(False))
    ).all()
    discussion_rows = sorted(discussion_rows, key=lambda r: (r[0], r[2], r[1]))
    discussions_by_session: dict[str, list[DiscussionSummary]] = {}
    no_actions: tuple[ActionSummary, ...] = ()
    for (session_id, discussion_id, position, child_id, case_id, child_name, legal_status,
         safety_scale, decision, rationale) in discussion_rows:
        discussions_by_session.setdefault(session_id, []).append(DiscussionSummary(
            discussion_id, position, child_id, case_id, child_name, legal_status, safety_scale,
            decision, rationale, tuple(actions_by_discussion.get(discussion_id, no_actions))))

    return [
        SessionSummary(
            id, held_at, supervisee_id, supervisor_id, team_id, state, session_type,
            duration_minutes, shared_at, next_session_on, agreement,
            bool(has_disagreement) and not resolved,
            tuple(discussions_by_session.get(id, ())), tuple(actions_by_session.get(id, ())),
        )
        for (id, held_at, supervisee_id, supervisor_id, team_id, state, session_type,
             duration_minutes, shared_at, next_session_on, agreement, has_disagreement,
             resolved) in sessions
    ]


# ----------------------------------------------------------------------------- search

MARK_START = "\x02"
MARK_END = "\x03"
"""Around each matched word in a snippet. Control characters never occur in stored text
(``text_rules.clean_text`` strips them), so the markers cannot be confused with content:
escape the snippet for display first, then turn the markers into highlighting
(:func:`snippet_html` does both)."""

MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 12
MIN_PREFIX_CHARS = 3
MAX_LIMIT = 500


@dataclass(frozen=True)
class SearchHit:
    kind: str  # supervision, case_discussion, action, oversight_note, addendum, agreement, cancellation
    record_id: str
    section: str  # the column the words were found in
    snippet: str  # record text around the match, matches between MARK_START and MARK_END
    session_id: str | None  # the supervision session it belongs to, if any


def snippet_html(snippet: str) -> str:
    """The snippet as safe HTML with the matched words in <b>."""
    return html.escape(snippet).replace(MARK_START, "<b>").replace(MARK_END, "</b>")


def snippet_plain(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


def _is_word_char(char: str) -> bool:
    # What FTS5's unicode61 tokenizer keeps in a token: letters, numbers, marks, private use.
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "Co"


def _words(fragment: str) -> list[str]:
    words, current = [], []
    for char in fragment:
        if _is_word_char(char):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def fts_query(user_text: str | None) -> str | None:
    """Turn whatever a user typed into a safe FTS5 query, or None if there is nothing to
    search for.

    Words are matched (with stemming, so 'visits' finds 'visited'); text in double quotes
    is matched as a phrase; the last word also matches as a prefix while it is still being
    typed (three letters or more). Everything else (operators like AND, OR, NOT, NEAR,
    column filters, '*', '^', brackets, stray quotes) is treated as ordinary text: each
    term is emitted as a double-quoted FTS5 string holding only word characters, so the
    result is always valid FTS5 syntax.
    """
    if not user_text:
        return None
    raw = unicodedata.normalize("NFC", user_text[:MAX_QUERY_CHARS])
    terms: list[list[str]] = []  # each term is a phrase of one or more words
    parts = raw.split('"')
    balanced = len(parts) % 2 == 1
    for index, part in enumerate(parts):
        in_quotes = index % 2 == 1 and (balanced or index < len(parts) - 1)
        words = _words(part)
        if in_quotes and words:
            terms.append(words)
        else:
            terms.extend([w] for w in words)
    terms = terms[:MAX_QUERY_TERMS]
    if not terms:
        return None
    still_typing = raw[-1:] not in ('"', "") and _is_word_char(raw[-1])
    rendered = ['"' + " ".join(words).replace('"', '""') + '"' for words in terms]
    last = terms[-1]
    if still_typing and len(last) == 1 and len(last[0]) >= MIN_PREFIX_CHARS:
        rendered[-1] += "*"
    return " ".join(rendered)


# Each index row carries the team and supervision session it belongs to (migration 0005,
# kept right by triggers), so the scope test costs no lookups in other tables. Rows come
# newest first in the index's own rowid order, which FTS5 serves without sorting: the
# query stops as soon as ``limit`` rows in scope have been read.
#
# The private wellbeing section needs a look at its session (who is asking?). That lookup
# is written after the team test inside one expression, so it runs only for wellbeing rows
# already in scope: as a separate WHERE term SQLite evaluated it for every wellbeing match
# in the council first, which made "refresher" (stem of "refreshed") 40 ms instead of 1.
# Without a viewer, wellbeing rows are simply left out.
_SEARCH_TEMPLATE = """
SELECT k.kind AS kind, k.record_id AS record_id, k.section AS section,
       snippet(search_text, 0, :mark_start, :mark_end, '…', 12) AS snip,
       k.session_id AS session_id,
       CASE WHEN search_text.folded <> '' THEN snippet(search_text, 1, :mark_start, :mark_end, '…', 12)
       END AS folded_snip,
       CASE WHEN search_text.folded <> '' THEN search_text.body END AS body
FROM search_text JOIN search_key k ON k.rowid = search_text.rowid
WHERE search_text MATCH :query
  AND {scope}
  AND {private}
ORDER BY search_text.rowid DESC
LIMIT :limit
"""
_NO_PRIVATE = "k.section <> 'wellbeing'"
# the scope test again inside (for the reason above): a person in no team's own wellbeing
# rows have no team either
_PRIVATE_FOR_VIEWER = """(k.section <> 'wellbeing' OR ({scope} AND EXISTS (
        SELECT 1 FROM supervision_session p WHERE p.id = k.record_id
         AND (p.supervisor_id = :viewer OR (p.supervisee_id = :viewer AND p.state <> 'draft')))))"""
_IN_TEAMS = "k.team_id IN :team_ids"
_IN_TEAMS_OR_TEAMLESS = "(k.team_id IN :team_ids OR k.team_id IS NULL)"
SEARCH_SQL = _SEARCH_TEMPLATE.format(scope=_IN_TEAMS, private=_NO_PRIVATE)
SEARCH_SQL_FOR_VIEWER = _SEARCH_TEMPLATE.format(scope=_IN_TEAMS, private=_PRIVATE_FOR_VIEWER.format(scope=_IN_TEAMS))
# also the rows of no team: the records of people in no team (service managers, heads of
# service: DESIGN.md 1.1), whose team is NULL; asked for only by those who can hold them
_SQL = {(viewer, teamless): _SEARCH_TEMPLATE.format(
    scope=_IN_TEAMS_OR_TEAMLESS if teamless else _IN_TEAMS,
    private=_PRIVATE_FOR_VIEWER.format(scope=_IN_TEAMS_OR_TEAMLESS if teamless else _IN_TEAMS)
    if viewer else _NO_PRIVATE)
    for viewer in (False, True) for teamless in (False, True)}
# The index rows a social worker can hold (``held_by_viewer``): their own supervision
# (supervisee or supervisor: each row carries its session), their allocated children's
# case discussions and oversight notes with those notes' actions and addenda, what they
# wrote or own, their agreements and cancellations, the group sessions they held or were
# listed in. Their team's other rows are colleagues' records the permission check would
# throw away: a worker's search read up to 960 of them in three rounds (57 ms median) and
# could still come back short. Each list is read once per query (SQLite materialises an
# uncorrelated IN), through the tables' indexes. Every hit is still checked by the rules.
_HELD_BY_VIEWER = """(k.session_id IN (
        SELECT id FROM supervision_session WHERE supervisee_id = :viewer
        UNION ALL SELECT id FROM supervision_session WHERE supervisor_id = :viewer)
    OR k.record_id IN (
        SELECT d.id FROM child c JOIN case_discussion d ON d.child_id = c.id WHERE c.allocated_worker_id = :viewer
        UNION ALL SELECT n.id FROM child c JOIN oversight_note n ON n.child_id = c.id
            WHERE c.allocated_worker_id = :viewer
        UNION ALL SELECT a.id FROM child c JOIN oversight_note n ON n.child_id = c.id
            JOIN action_item a ON a.oversight_note_id = n.id WHERE c.allocated_worker_id = :viewer
        UNION ALL SELECT x.id FROM child c JOIN oversight_note n ON n.child_id = c.id
            JOIN addendum x ON x.record_id = n.id WHERE c.allocated_worker_id = :viewer
        UNION ALL SELECT id FROM oversight_note WHERE author_id = :viewer
        UNION ALL SELECT id FROM action_item WHERE owner_id = :viewer
        UNION ALL SELECT id FROM addendum WHERE author_id = :viewer
        UNION ALL SELECT id FROM supervision_agreement WHERE supervisee_id = :viewer
        UNION ALL SELECT id FROM supervision_agreement WHERE supervisor_id = :viewer
        UNION ALL SELECT x.id FROM supervision_agreement r JOIN addendum x ON x.record_id = r.id
            WHERE r.supervisee_id = :viewer OR r.supervisor_id = :viewer
        UNION ALL SELECT id FROM session_cancellation WHERE supervisee_id = :viewer
        UNION ALL SELECT id FROM session_cancellation WHERE supervisor_id = :viewer
        UNION ALL SELECT id FROM group_session WHERE supervisor_id = :viewer
        UNION ALL SELECT group_session_id FROM group_attendance WHERE attendee_id = :viewer
        UNION ALL SELECT d.id FROM group_discussion d WHERE d.group_session_id IN (
            SELECT id FROM group_session WHERE supervisor_id = :viewer
            UNION ALL SELECT group_session_id FROM group_attendance WHERE attendee_id = :viewer)
        UNION ALL SELECT x.id FROM addendum x WHERE x.record_kind = 'group_session' AND x.record_id IN (
            SELECT id FROM group_session WHERE supervisor_id = :viewer
            UNION ALL SELECT group_session_id FROM group_attendance WHERE attendee_id = :viewer)
        UNION ALL SELECT id FROM group_action WHERE owner_id = :viewer
        UNION ALL SELECT a.id FROM group_session g JOIN group_action a ON a.group_session_id = g.id
            WHERE g.supervisor_id = :viewer))"""
_SQL_HELD_BY_VIEWER = {teamless: _SQL[(True, teamless)].replace(
    "ORDER BY search_text.rowid DESC", f"AND {_HELD_BY_VIEWER}\nORDER BY search_text.rowid DESC")
    for teamless in (False, True)}


def search_records(
    session: Session, query_text: str | None, *, team_ids: Collection[str], limit: int = 50,
    viewer_id: str | None = None, teamless: bool = False, held_by_viewer: bool = False,
) -> list[SearchHit]:
    """Records of the given teams (and with ``teamless`` those of no team) whose text
    matches ``query_text``, newest first.

    Any input is safe (see :func:`fts_query`); an empty or wordless query, or no teams
    (and not ``teamless``), returns nothing. The private wellbeing section is searched only for sessions where
    ``viewer_id`` is the supervisor, or the supervisee once the record has been shared.
    With ``held_by_viewer`` (a social worker's search), only rows of records that name the
    viewer or a child allocated to them are read (``_HELD_BY_VIEWER``).
    Results come in the order the text was written, newest first (the search index's rowid
    order), which the index can serve without ranking every match; a term found in
    half the records still costs only as much as reading the first ``limit`` in scope.
    """
    query = fts_query(query_text)
    teams = sorted(set(team_ids))
    if query is None or not (teams or teamless):
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    # run on the driver (see driver_sql): this runs on every pause in typing
    params = {"query": query, "limit": limit, "mark_start": MARK_START, "mark_end": MARK_END}
    params.update((f"team{i}", team) for i, team in enumerate(teams))
    if viewer_id:
        params["viewer"] = viewer_id
    sql = (_SQL_HELD_BY_VIEWER[teamless] if held_by_viewer and viewer_id
           else _SQL[(bool(viewer_id), teamless)]).replace(
        ":team_ids", "(" + ",".join(f":team{i}" for i in range(len(teams))) + ")")
    hits = []
    for kind, record_id, section, snip, session_id, folded_snip, body in driver_sql.cursor(session).execute(
            sql, params):
        if body is not None and MARK_START not in snip:  # found only as spelt plainly
            snip = snippet_as_written(body, folded_snip) or snip
        hits.append(SearchHit(kind, record_id, section, snip, session_id))
    if any(_BUILT_IN_MARK.search(hit.snippet) for hit in hits):
        typed = [search_fold(word) for word in _words(unicodedata.normalize("NFC", query_text or ""))]
        hits = [replace(hit, snippet=mark_plain_spellings(hit.snippet, typed))
                if _BUILT_IN_MARK.search(hit.snippet) else hit for hit in hits]
    return hits


def _spelt_plainly(body: str) -> tuple[str, list[int]]:
    """``body`` as migration 0008's ``folded`` column holds it, and for each of its
    characters the position in ``body`` it came from (æ gives two: a, e)."""
    out: list[str] = []
    origin: list[int] = []
    for at, char in enumerate(body):
        if char in LETTERS_WITH_BUILT_IN_MARKS:
            plain = search_fold(char)
            char = plain.upper() if char.isupper() else plain
        out.append(char)
        origin.extend([at] * len(char))
    return "".join(out), origin


def snippet_as_written(body: str, folded_snippet: str | None) -> str | None:
    """The snippet FTS5 cut from the plainly spelt text (around the match), as the same
    stretch of the text as written: "… see ⟨Lukasz⟩ alone" becomes "… see ⟨Łukasz⟩
    alone". None if it cannot be placed (the caller keeps the snippet it has)."""
    if not folded_snippet:
        return None
    lead = folded_snippet.startswith("…")
    trail = folded_snippet.endswith("…")
    inner = folded_snippet[1 if lead else 0:len(folded_snippet) - (1 if trail else 0)]
    plain: list[str] = []
    marks: list[tuple[int, str]] = []  # (position in the plain fragment, marker)
    for char in inner:
        if char in (MARK_START, MARK_END):
            marks.append((len(plain), char))
        else:
            plain.append(char)
    fragment = "".join(plain)
    folded, origin = _spelt_plainly(body)
    at = folded.find(fragment)
    if at < 0 or not fragment:
        return None

    def written(position: int) -> int:  # a fragment position, as a position in body
        return origin[at + position] if position < len(fragment) else origin[at + len(fragment) - 1] + 1

    start, end = written(0), written(len(fragment))
    pieces, last = [], start
    for position, marker in marks:
        cut = written(position)
        pieces.append(body[last:cut])
        pieces.append(marker)
        last = cut
    pieces.append(body[last:end])
    return ("…" if lead else "") + "".join(pieces) + ("…" if trail else "")


_BUILT_IN_MARK = re.compile(f"[{LETTERS_WITH_BUILT_IN_MARKS}]")
_WORD = re.compile(r"\w+")
_MARKED = re.compile(f"({MARK_START}[^{MARK_END}]*{MARK_END})")


def mark_plain_spellings(snippet: str, typed: list[str]) -> str:
    """Highlight what FTS5 found in the index's ``folded`` column (migration 0008) but
    could not mark in the snippet it cut from the text as written: a word such as Łukasz
    or Straße, not yet marked, that folded begins as a typed word does, folded ("lukasz",
    "strasse"; allowing two letters for the stemming the index does)."""
    def mark(found: re.Match) -> str:
        word = found.group(0)
        if _BUILT_IN_MARK.search(word):
            folded = search_fold(word)
            if any(t and folded.startswith(t[:max(3, len(t) - 2)]) for t in typed):
                return f"{MARK_START}{word}{MARK_END}"
        return word

    parts = _MARKED.split(snippet)  # the odd parts are the matches FTS5 marked itself
    return "".join(part if i % 2 else _WORD.sub(mark, part) for i, part in enumerate(parts))
