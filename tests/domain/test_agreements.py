"""Supervision agreement: review due yearly and on a change of supervisor."""
from datetime import date

from supervision_app.domain.agreements import AgreementStatus, agreement_status, default_terms


def test_missing_then_awaiting_then_in_place():
    today = date(2026, 12, 6)
    assert agreement_status(today=today, current_supervisor_id="m", signed_on=None,
                            signed_with=None).status == AgreementStatus.MISSING
    assert agreement_status(today=today, current_supervisor_id="m", signed_on=None, signed_with=None,
                            draft_in_progress=True).status == AgreementStatus.AWAITING_SIGNATURE
    state = agreement_status(today=today, current_supervisor_id="m", signed_on=date(2026, 1, 5),
                             signed_with="m")
    assert state.status == AgreementStatus.IN_PLACE
    assert state.review_by == date(2027, 1, 5)


def test_review_due_after_a_year():
    signed = date(2025, 12, 5)
    assert agreement_status(today=date(2026, 12, 5), current_supervisor_id="m", signed_on=signed,
                            signed_with="m").status == AgreementStatus.IN_PLACE
    assert agreement_status(today=date(2026, 12, 6), current_supervisor_id="m", signed_on=signed,
                            signed_with="m").status == AgreementStatus.REVIEW_DUE


def test_review_due_on_a_change_of_supervisor_however_recent():
    state = agreement_status(today=date(2026, 12, 6), current_supervisor_id="new",
                             signed_on=date(2026, 12, 1), signed_with="old")
    assert state.status == AgreementStatus.SUPERVISOR_CHANGED
    assert state.status.needs_action


def test_default_terms_follow_the_policy():
    terms = default_terms(28, 90)
    assert terms["frequency"].startswith("Every 4 weeks")
    assert terms["duration"].startswith("90 minutes")
