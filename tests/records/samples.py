"""Realistic, entirely fictional sample documents for the records tests."""

from __future__ import annotations

import datetime as dt
import hashlib

from supervision_app.records.document import (
    ActionDoc,
    ActionReviewDoc,
    AddendumDoc,
    CaseDiscussionDoc,
    OversightNoteDocument,
    RecordDocument,
    Section,
)

UTC = dt.timezone.utc


def sample_record(**overrides) -> RecordDocument:
    held = dt.datetime(2026, 6, 9, 13, 0, tzinfo=UTC)  # 14:00 BST
    fields = dict(
        record_id="SUP-2026-004217",
        title="Supervision record",
        organisation="Exampleshire Council, Children's Services",
        supervisee_name="Zoë Ødegård",
        supervisor_name="Łukasz Nowak-Siân",
        held_at=held,
        duration_minutes=90,
        session_type="Planned 1:1",
        location="Meeting room 3, Riverside House",
        agreement_in_place=True,
        status_label="Shared with supervisee",
        previous_action_reviews=[
            ActionReviewDoc("Book a core group meeting for the Ellis children", "Zoë Ødegård",
                            dt.date(2026, 5, 20), "Done", "Held on 19 May; minutes on file."),
            ActionReviewDoc("Complete ASYE reflective log entry on direct work", "Zoë Ødegård",
                            dt.date(2026, 6, 1), "Carried forward", "Started; needs another week."),
            ActionReviewDoc("Arrange joint visit with the health visitor", "Łukasz Nowak-Siân",
                            dt.date(2026, 5, 28), "Closed", ""),
        ],
        sections=[
            Section("Workload", rows=[
                ("Caseload", "17 children (9 families)"),
                ("Complexity", "4 child protection plans, 2 in pre-proceedings"),
                ("Capacity", "At capacity; no new allocations for two weeks"),
                ("Leave and training", "Annual leave 14–18 July; signs-of-safety refresher 2 July"),
            ], paragraphs=[
                "Zoë's caseload is at the upper end for a second-year worker. We agreed she will "
                "not take new allocations until the Ellis transfer is complete.",
            ]),
        ],
        case_discussions=[
            CaseDiscussionDoc(
                child_case_id="CM-0083312",
                child_name="Siân Ellis",
                legal_status="Child protection",
                current_position=(
                    "Siân (7) is subject to a child protection plan under the category of neglect. "
                    "School attendance has improved to 92% this half-term.\n"
                    "Mother has engaged with the parenting programme; two sessions missed in May."),
                worries="Home conditions deteriorated again at the unannounced visit on 3 June. "
                        "Mother's new partner is not yet assessed.",
                working_well="Siân says she feels safe with her grandmother, who collects her from "
                             "school three days a week.",
                needs_to_happen="Assessment of the new partner; agreed cleaning plan with family "
                                "support worker; review at core group.",
                safety_scale=4,
                decision="Continue the child protection plan. Request a family network meeting within "
                         "15 working days.",
                rationale="Progress is real but not yet sustained; the partner's role in the household "
                          "is unknown, so risk cannot be judged to have reduced.",
                actions=[
                    ActionDoc("Complete partner assessment including PNC and LA checks", "Zoë Ødegård",
                              dt.date(2026, 6, 30), "Open"),
                    ActionDoc("Convene family network meeting", "Zoë Ødegård", dt.date(2026, 6, 27), "Open"),
                    ActionDoc("Ask school for weekly attendance update", "Family support worker",
                              dt.date(2026, 6, 16), "Open"),
                ],
            ),
            CaseDiscussionDoc(
                child_case_id="CM-0091774",
                child_name="Łucja Kowalczyk",
                legal_status="Child looked after",
                current_position="Łucja (15) is placed with foster carers under s.20. She wants more "
                                 "contact with her older brother.",
                worries="Two missing episodes in May, both returning next morning.",
                working_well="Strong relationship with her foster carer; attending college taster days.",
                needs_to_happen="Return-home interviews; review contact plan at the next LAC review.",
                safety_scale=6,
                decision="Increase sibling contact to fortnightly, supervised for the first month.",
                rationale="Łucja's wishes are clear and the brother is a protective factor; supervision "
                          "for one month lets us check the contact is positive.",
                actions=[
                    ActionDoc("Update the contact plan and share with carers", "Zoë Ødegård",
                              dt.date(2026, 6, 20), "Open"),
                    ActionDoc("Refer to the missing-from-care service for return-home interviews",
                              "Zoë Ødegård", dt.date(2026, 6, 12), "Open"),
                ],
            ),
        ],
        learning="Reflected on using the three-houses tool with Siân. Zoë will bring a recording "
                 "of direct work to the next session for ASYE evidence.",
        supervisee_comments="Thank you for the time on the Ellis case. I found the discussion useful.",
        agreement="disagrees",
        disagreement="I do not agree that no new allocations is necessary: I would rather take one "
                     "low-complexity case so I can keep my duty slot.",
        addenda=[
            AddendumDoc("Łukasz Nowak-Siân", dt.datetime(2026, 6, 11, 8, 30, tzinfo=UTC),
                        "Correction: the core group meeting was held on 19 May, not 20 May."),
        ],
        next_session_date=dt.date(2026, 7, 7),
        digest_hex=hashlib.sha256(b"SUP-2026-004217 canonical form").hexdigest(),
    )
    fields.update(overrides)
    return RecordDocument(**fields)


def sample_oversight(**overrides) -> OversightNoteDocument:
    fields = dict(
        note_id="MO-2026-000913",
        child_case_id="CM-0083312",
        child_name="Siân Ellis",
        legal_status="Child protection",
        trigger="Strategy discussion",
        decision="Proceed to a section 47 enquiry.",
        rationale="New information from school indicates unexplained bruising.",
        author_name="Łukasz Nowak-Siân",
        author_role="Team manager",
        written_at=dt.datetime(2026, 1, 15, 10, 5, tzinfo=UTC),
        actions=[ActionDoc("Joint visit with police", "Zoë Ødegård", dt.date(2026, 1, 16), "Open")],
        next_review_date=dt.date(2026, 1, 29),
        digest_hex=hashlib.sha256(b"MO-2026-000913").hexdigest(),
        organisation="Exampleshire Council, Children's Services",
    )
    fields.update(overrides)
    return OversightNoteDocument(**fields)
