"""What gets rendered into a record PDF: plain, frozen, dependency-free dataclasses.

The store layer (or a test) fills these from its own models; the renderer
(:mod:`.pdf_render`) only reads them. No SQLAlchemy and no Qt here.

Every text field holds exactly what the user typed: the renderer escapes it, so do
not pre-escape or pre-format. Sequences may be given as lists; they are frozen into
tuples. Datetimes must be timezone-aware (they are stored in UTC and shown in
Europe/London by the renderer).

Privacy: the worker wellbeing and support discussion is private to the supervisor and
supervisee. It is therefore *not* one of the ordinary ``sections``: it is the separate
``wellbeing`` field, ``None`` by default, and printed only when the caller sets it
(e.g. an export for the supervisee or supervisor themselves, never a copy for a child's
file or an auditor). Build that variant with :meth:`RecordDocument.with_wellbeing`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from typing import Literal, Sequence

__all__ = [
    "ActionDoc",
    "ActionReviewDoc",
    "AddendumDoc",
    "CaseDiscussionDoc",
    "OversightNoteDocument",
    "RecordDocument",
    "Section",
    "LEGAL_STATUS_LABELS",
    "SESSION_TYPE_LABELS",
]

#: Suggested labels; any string is accepted and printed as given.
LEGAL_STATUS_LABELS = {
    "cin": "Child in need",
    "cp": "Child protection",
    "cla": "Child looked after",
    "care_leaver": "Care leaver",
}
SESSION_TYPE_LABELS = {
    "planned": "Planned 1:1",
    "unplanned": "Unplanned / ad hoc",
    "group": "Group",
}

Agreement = Literal["agrees", "disagrees"]


def _freeze(obj, name: str) -> None:
    value = getattr(obj, name)
    if value is None:
        value = ()
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{type(obj).__name__}.{name} must be a sequence, not a string")
    object.__setattr__(obj, name, tuple(value))


def _require_aware(obj, name: str, optional: bool = False) -> None:
    value = getattr(obj, name)
    if value is None and optional:
        return
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{type(obj).__name__}.{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{type(obj).__name__}.{name} must be timezone-aware")


def _require_date(obj, name: str) -> None:
    value = getattr(obj, name)
    if value is not None and not isinstance(value, _dt.date):
        raise TypeError(f"{type(obj).__name__}.{name} must be a date or None")


@dataclass(frozen=True)
class Section:
    """A headed block: free-text paragraphs and/or label/value rows.

    ``rows`` are short facts (e.g. "Caseload": "18"); long text belongs in
    ``paragraphs``, which flow across pages.
    """

    heading: str
    paragraphs: Sequence[str] = ()
    rows: Sequence[tuple[str, str]] = ()

    def __post_init__(self):
        _freeze(self, "paragraphs")
        object.__setattr__(self, "rows", tuple((str(k), str(v)) for k, v in (self.rows or ())))


@dataclass(frozen=True)
class ActionDoc:
    description: str
    owner_name: str
    due_date: _dt.date | None
    status: str = "Open"

    def __post_init__(self):
        _require_date(self, "due_date")


@dataclass(frozen=True)
class ActionReviewDoc:
    """An action carried forward from an earlier session, with its status now."""

    description: str
    owner_name: str
    due_date: _dt.date | None
    status: str
    note: str = ""

    def __post_init__(self):
        _require_date(self, "due_date")


@dataclass(frozen=True)
class CaseDiscussionDoc:
    child_case_id: str
    child_name: str
    legal_status: str
    current_position: str = ""
    worries: str = ""
    working_well: str = ""
    needs_to_happen: str = ""
    safety_scale: int | None = None
    decision: str = ""
    rationale: str = ""
    actions: Sequence[ActionDoc] = ()

    def __post_init__(self):
        _freeze(self, "actions")
        if self.safety_scale is not None:
            if isinstance(self.safety_scale, bool) or not isinstance(self.safety_scale, int):
                raise TypeError("safety_scale must be an int 0-10 or None")
            if not 0 <= self.safety_scale <= 10:
                raise ValueError("safety_scale must be between 0 and 10")


@dataclass(frozen=True)
class AddendumDoc:
    author_name: str
    written_at: _dt.datetime
    text: str

    def __post_init__(self):
        _require_aware(self, "written_at")


@dataclass(frozen=True)
class RecordDocument:
    """A supervision record, ready to render."""

    record_id: str
    supervisee_name: str
    supervisor_name: str
    held_at: _dt.datetime
    duration_minutes: int
    session_type: str
    location: str = ""
    agreement_in_place: bool | None = None
    title: str = "Supervision record"
    organisation: str = ""
    sections: Sequence[Section] = ()
    previous_action_reviews: Sequence[ActionReviewDoc] = ()
    case_discussions: Sequence[CaseDiscussionDoc] = ()
    learning: str = ""
    supervisee_comments: str = ""
    agreement: Agreement | None = None
    disagreement: str = ""
    #: The supervisor signed because the supervisee's 5 working days passed with no
    #: response (DESIGN.md §3 rule 3); see ``snapshot._no_response``.
    no_response_within_window: bool = False
    addenda: Sequence[AddendumDoc] = ()
    next_session_date: _dt.date | None = None
    digest_hex: str = ""
    #: Lifecycle label printed under the title, e.g. "Draft", "Shared with supervisee".
    status_label: str = ""
    #: PRIVATE worker wellbeing and support. ``None`` (the default) leaves it out.
    wellbeing: Section | None = field(default=None, repr=False)

    def __post_init__(self):
        _require_aware(self, "held_at")
        _require_date(self, "next_session_date")
        for name in ("sections", "previous_action_reviews", "case_discussions", "addenda"):
            _freeze(self, name)
        if self.agreement not in (None, "agrees", "disagrees"):
            raise ValueError("agreement must be 'agrees', 'disagrees' or None")
        if isinstance(self.duration_minutes, bool) or not isinstance(self.duration_minutes, int):
            raise TypeError("duration_minutes must be an int")
        if self.duration_minutes < 0:
            raise ValueError("duration_minutes must not be negative")
        if self.wellbeing is not None and not isinstance(self.wellbeing, Section):
            raise TypeError("wellbeing must be a Section or None")

    @property
    def includes_private_wellbeing(self) -> bool:
        return self.wellbeing is not None

    def with_wellbeing(self, wellbeing: Section | None) -> "RecordDocument":
        """A copy that includes (or, with ``None``, drops) the private wellbeing section."""
        return dataclasses.replace(self, wellbeing=wellbeing)


@dataclass(frozen=True)
class OversightNoteDocument:
    """A management-oversight note on a child's case, outside supervision."""

    note_id: str
    child_case_id: str
    child_name: str
    trigger: str
    decision: str
    rationale: str
    author_name: str
    written_at: _dt.datetime
    legal_status: str = ""
    actions: Sequence[ActionDoc] = ()
    next_review_date: _dt.date | None = None
    author_role: str = ""
    digest_hex: str = ""
    title: str = "Management oversight note"
    organisation: str = ""
    status_label: str = ""

    def __post_init__(self):
        _require_aware(self, "written_at")
        _require_date(self, "next_review_date")
        _freeze(self, "actions")
