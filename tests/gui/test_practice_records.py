"""Issue 21 through the real widgets: a manager records a cancellation from "My team" and
sees it counted; writes and signs the supervision agreement; the worker signs it from "My
supervision" and gives feedback on a signed record. Keyboard mnemonics and accessible names."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from supervision_app.store import supervision_records as sr
from supervision_app.store.practice_models import (
    SessionCancellation,
    SuperviseeFeedback,
    SupervisionAgreement,
)
from tests.gui.helpers import click, select_row, settle, type_into
from tests.gui.sample_team import session_time
from tests.gui.signing_steps import answer_confirmation


def _dialog(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def test_manager_records_a_cancellation_and_the_team_page_counts_it(qtbot, database, team, open_window):
    from supervision_app.gui.practice_dialogs import CancellationDialog

    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    assert "Agreements to write or review: 3" in page.practice.label.text()
    select_row(page.form.workerTable, lambda r: r.worker_id == team.worker_id)
    page.form.workerTable.setFocus()
    qtbot.keyClick(page.form.workerTable, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # Record a cancella&tion
    qtbot.waitUntil(lambda: any(isinstance(w, CancellationDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    dialog = _dialog(CancellationDialog)
    assert dialog.whoCombo.accessibleName() == "Who cancelled"
    dialog.whoCombo.setCurrentIndex(dialog.whoCombo.findData("supervisee"))
    click(qtbot, window, dialog.saveButton)  # no reason yet: refused in words
    assert "reason" in dialog.messageLabel.text()
    type_into(qtbot, dialog.reasonEdit, "Unwell")
    dialog.rebookedCheck.setChecked(True)
    dialog.rebookedEdit.setDate(dialog.rebookedEdit.date().addDays(30))
    assert "late rebooking" in dialog.deadlineLabel.text()
    click(qtbot, window, dialog.saveButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    settle(qtbot, window)
    text = page.practice.label.text()
    assert "Cancelled this quarter: 1 (0 by the supervisor, 1 by the supervisee, 0 other)" in text
    assert "1 not rebooked within 5 working days" in text
    with database.reading() as s:
        (row,) = s.scalars(select(SessionCancellation)).all()
    assert (row.supervisee_id, row.cancelled_by, row.reason) == (team.worker_id, "supervisee", "Unwell")


def test_agreement_signed_by_manager_then_worker_and_feedback_given(qtbot, database, team, open_window):
    from supervision_app.gui.practice_dialogs import AgreementDialog, FeedbackDialog

    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    select_row(page.form.workerTable, lambda r: r.worker_id == team.worker_id)
    click(qtbot, window, page.practice.agreementButton)
    dialog = _dialog(AgreementDialog)
    settle(qtbot, window)
    assert dialog.edits["frequency"].toPlainText().startswith("Every 4 weeks")
    dialog.edits["location"].setPlainText("")
    type_into(qtbot, dialog.edits["location"], "Room 4, door closed")
    answer_confirmation(qtbot)
    click(qtbot, window, dialog.signButton)
    qtbot.waitUntil(lambda: dialog.stateLabel.text().startswith("Signed by the supervisor"), timeout=60000)
    dialog.accept()
    settle(qtbot, window)
    assert "Ben Steady (awaiting signature)" in page.practice.label.text()

    # a signed record for the worker to give feedback on
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3),
                                duration_minutes=90)
        sr.share_session(s, manager, sid)
        sr.respond(s, sr.load_actor(s, team.worker_id), sid, comments="Fair", agreement="agrees")
    from supervision_app.gui.signing import ensure_credentials
    from supervision_app.records.signoff import sign_supervision_record

    sign_supervision_record(database, ensure_credentials(window.ctx), session_id=sid, signer_id=team.manager_id)

    worker_window = open_window(team.worker_id)
    mine = worker_window.show_page("my_supervision")
    settle(qtbot, worker_window)
    assert "Supervision agreement: awaiting signature" in mine.practice.label.text()
    click(qtbot, worker_window, mine.practice.agreementButton)
    agreement = _dialog(AgreementDialog)
    settle(qtbot, worker_window)
    assert agreement.edits["location"].toPlainText() == "Room 4, door closed"
    assert agreement.edits["location"].isReadOnly() and not agreement.saveButton.isVisible()
    answer_confirmation(qtbot)
    click(qtbot, worker_window, agreement.signButton)
    qtbot.waitUntil(lambda: agreement.stateLabel.text() == "Signed by both and locked.", timeout=60000)
    agreement.accept()
    with database.reading() as s:
        assert s.scalars(select(SupervisionAgreement.state)).all() == ["locked"]

    sign_supervision_record(database, ensure_credentials(worker_window.ctx), session_id=sid,
                            signer_id=team.worker_id)
    mine.refresh()
    settle(qtbot, worker_window)
    assert "1 signed record waiting for your feedback" in mine.practice.label.text()
    select_row(mine.form.recordsTable, lambda r: r.session_id == sid)
    click(qtbot, worker_window, mine.practice.feedbackButton)
    feedback = _dialog(FeedbackDialog)
    assert feedback.helpfulCombo.accessibleName() == "Was this supervision helpful?"
    feedback.helpfulCombo.setCurrentIndex(feedback.helpfulCombo.findData("yes"))
    feedback.balanceCombo.setCurrentIndex(feedback.balanceCombo.findData("mostly_case_monitoring"))
    click(qtbot, worker_window, feedback.sendButton)
    qtbot.waitUntil(lambda: not feedback.isVisible())
    settle(qtbot, worker_window)
    assert "waiting for your feedback" not in mine.practice.label.text()
    with database.reading() as s:
        (answer,) = s.scalars(select(SuperviseeFeedback)).all()
    assert (answer.helpful, answer.reflection_balance, answer.skipped) == ("yes", "mostly_case_monitoring", False)


def test_the_service_manager_sets_the_standard_session_length(qtbot, database, team, open_window):
    from supervision_app.store.queries import team_policy

    window = open_window(team.service_manager_id)
    page = window.show_page("settings")
    settle(qtbot, window)
    f = page.form
    f.policyTeamCombo.setCurrentIndex(f.policyTeamCombo.findData(team.team_id))
    assert page.durationSpin.value() == 90 and not page.durationSpin.isReadOnly()
    assert page.durationSpin.accessibleName() == "Standard supervision session length in minutes"
    page.durationSpin.setValue(60)
    f.dueSoonSpin.setValue(10)
    click(qtbot, window, f.savePolicyButton)
    settle(qtbot, window)
    with database.reading() as s:
        policy = team_policy(s, team.team_id)
    assert (policy.standard_duration_minutes, policy.due_soon_days) == (60, 10)


def test_the_team_page_shows_published_feedback_totals_never_answers(qtbot, database, team, open_window):
    from supervision_app.store.outbox import skip_outbox
    from supervision_app.store.practice_models import TeamFeedbackTotal

    with database.transaction() as s:
        skip_outbox(s)  # as sync stores a total the server published
        s.add(TeamFeedbackTotal(
            team_id=team.team_id, quarter="2026-Q3", answers=6, helpful_yes=5, helpful_partly=1,
            helpful_no=0, mostly_reflection=0, balanced=1, mostly_case_monitoring=5, support_yes=2,
            support_partly=2, support_no=2))
        s.add(TeamFeedbackTotal(
            team_id=team.other_team_id, quarter="2026-Q3", answers=7, helpful_yes=7, helpful_partly=0,
            helpful_no=0, mostly_reflection=7, balanced=0, mostly_case_monitoring=0, support_yes=7,
            support_partly=0, support_no=0))
    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    text = page.practice.label.text()
    assert ("Assessment Team A feedback, 2026-Q3 (6 answers): 5 found supervision helpful, 5 say it "
            "was mostly case monitoring") in text
    assert "Long Term Team B" not in text  # not a team this manager manages
