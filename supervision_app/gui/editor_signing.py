"""Signing the record (supervisor, then supervisee), its signatures, and the signed addenda
that are the only way to correct it once it is locked."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..domain.supervisee_response import NO_RESPONSE
from ..domain.time_rules import london
from ..domain.vocabulary import Agreement, RecordState
from . import signing
from .models import Column, RowsModel
from .signing import MEANING, AddendumDialog, SignaturesDialog, ensure_credentials
from .tasks import user_message
from .widgets import columns_by_content

if TYPE_CHECKING:
    from ..records.signoff import SignOffResult
    from ..store import queries
    from ..store.queries import AddendumRow
    from .editor_host import EditorHost

ADDENDA_COLUMNS = [
    Column("Written", lambda a: a.created_at),
    Column("By", lambda a: a.author_name),
    Column("State", lambda a: a.state, text=lambda a: "Signed and locked" if a.state == RecordState.LOCKED
           else "Draft (only you can see it)"),
    Column("Addendum", lambda a: a.body, text=lambda a: a.body.replace("\n", " ")[:160]),
]


def response_words(d: queries.SessionDetail) -> str:
    """What the supervisor is told of the supervisee's response before signing."""
    name = d.supervisee_name
    if d.supervisee_agreement == Agreement.DISAGREES.value:
        text = d.disagreement.strip()
        return (f"{name} disagrees with part of this record: \u201c{text[:300]}"
                f"{'…' if len(text) > 300 else ''}\u201d The disagreement stays on the record.")
    if d.supervisee_agreement == Agreement.AGREES.value:
        return f"{name} has agreed with this record" + (
            " and commented." if d.supervisee_comments.strip() else ".")
    # the rule lets the supervisor sign without a response only once the window passed
    return (f"{name} did not respond within 5 working days of the record being shared. Once "
            "you sign, they can no longer add comments or record a disagreement on this "
            f"record; they can only sign it, and the record will say \u201c{NO_RESPONSE}\u201d.")


class Signing:
    def __init__(self, host: EditorHost) -> None:
        self._host = host
        f = host.form
        f.signButton.clicked.connect(self.sign)
        f.signaturesButton.clicked.connect(self.show_signatures)
        f.addendumButton.clicked.connect(lambda: self.open_addendum(None))
        self.addenda_model = RowsModel(ADDENDA_COLUMNS, host.page)
        f.addendaTable.setModel(self.addenda_model)
        f.addendaTable.verticalHeader().setVisible(False)
        columns_by_content(f.addendaTable, stretch=(3,), wrap=False)  # the addendum's text cut short
        f.addendaTable.activated.connect(lambda _i: self.open_selected_addendum())
        f.openAddendumButton.clicked.connect(self.open_selected_addendum)

    def show(self, d: queries.SessionDetail) -> None:
        host = self._host
        f = host.form
        as_supervisor = host.ctx.actor.staff_id == d.supervisor_id
        f.signButton.setText("Sign as &supervisor…" if as_supervisor else "Si&gn…")
        f.signButton.setAccessibleName("Sign as supervisor" if as_supervisor else "Sign")
        f.signButton.setVisible(d.can_sign)
        f.signButton.setEnabled(True)
        f.signaturesButton.setVisible(bool(d.signatures))
        f.addendumButton.setVisible(d.can_add_addendum)
        self.addenda_model.set_rows(list(d.addenda))
        f.addendaGroup.setVisible(bool(d.addenda))
        f.openAddendumButton.setEnabled(bool(d.addenda))
        if d.addenda and not f.addendaTable.currentIndex().isValid():
            f.addendaTable.setCurrentIndex(self.addenda_model.index(0, 0))
        rows = max(1, len(d.addenda))
        f.addendaTable.setMaximumHeight(f.addendaTable.horizontalHeader().sizeHint().height()
                                        + rows * f.addendaTable.verticalHeader().defaultSectionSize() + 8)

    def sign(self) -> None:
        host = self._host
        d = host.detail
        if d is None or not d.can_sign:
            return
        as_supervisor = host.ctx.actor.staff_id == d.supervisor_id
        when = f"{london(d.held_at):%d/%m/%Y}"
        if as_supervisor:
            question = f"Sign the supervision record of {d.supervisee_name} ({when}) as supervisor?"
            detail = response_words(d) + "\n\n" + MEANING
            host.form.responseGroup.setVisible(True)
            host.form.scrollArea.ensureWidgetVisible(host.form.responseGroup)
        else:
            question = f"Sign your supervision record of {when}?"
            detail = (f"{d.supervisor_name} has signed it. " + MEANING +
                      " When you sign, the record is locked.")
        if not signing.confirm(host.page, "Sign the record", question, detail,
                               "Sign as &supervisor" if as_supervisor else "Si&gn"):
            return
        self._busy(True)
        ctx, sid = host.ctx, host.session_id

        def work() -> SignOffResult:
            from ..records.signoff import sign_supervision_record

            # Any until signing.ensure_credentials says it returns a CredentialStore (it says object)
            store: Any = ensure_credentials(ctx)
            return sign_supervision_record(ctx.db, store, session_id=sid, signer_id=ctx.actor.staff_id)

        def done(result: SignOffResult) -> None:
            self._busy(False)
            signed = ("Signed. The record is now locked." if result.new_state == RecordState.LOCKED
                      else f"Signed. {d.supervisee_name} can now sign it.")
            ctx.notify(signed)

            def handed_on() -> None:  # the worker has moved on: the record goes with them
                ctx.notify(f"{signed} The record is now with {d.supervisee_name}'s new manager.")
                host.leave_now()

            host.reload(focus=lambda: host.form.signaturesButton, no_longer_mine=handed_on)

        def failed(error: BaseException) -> None:
            self._busy(False)
            host.message(user_message(error))

        host.autosaver.flush(lambda: ctx.tasks.write_unit(work, done, failed))

    def _busy(self, busy: bool) -> None:
        host = self._host
        f = host.form
        f.signButton.setEnabled(not busy)
        f.withdrawButton.setEnabled(not busy)
        f.stateLabel.setText("Signing…" if busy else (host.detail.state.label if host.detail else ""))
        if busy:
            host.message("Signing… the record and its PDF are being signed; this takes a few seconds.")
        else:
            host.message("")

    def show_signatures(self) -> None:
        host = self._host
        d = host.detail
        if d is None:
            return
        dialog = SignaturesDialog(host.ctx, "supervision", d.session_id,
                                  f"supervision of {d.supervisee_name}, {london(d.held_at):%d/%m/%Y}",
                                  parent=host.page)
        host.dialog = dialog
        dialog.setModal(True)
        dialog.show()

    def open_selected_addendum(self) -> None:
        index = self._host.form.addendaTable.currentIndex()
        if index.isValid():
            self.open_addendum(self.addenda_model.row_at(index.row()))

    def open_addendum(self, addendum: AddendumRow | None) -> None:
        host = self._host
        d = host.detail
        if d is None:
            return
        dialog = AddendumDialog(host.ctx, "supervision", d.session_id,
                                f"the supervision of {d.supervisee_name}, {london(d.held_at):%d/%m/%Y}",
                                addendum=addendum, parent=host.page)
        dialog.changed.connect(lambda: host.reload())
        dialog.setModal(True)
        dialog.show()
        host.dialog = dialog

    def select_addendum(self, addendum_id: str) -> bool:
        """Select an addendum in the list (search and "Waiting for me" lead to one)."""
        found = False
        for row in range(self.addenda_model.rowCount()):
            if self.addenda_model.row_at(row).addendum_id == addendum_id:
                self._host.form.addendaTable.setCurrentIndex(self.addenda_model.index(row, 0))
                found = True
        return found
