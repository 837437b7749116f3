"""The viewer's own signed copy of a group session (issue 21), in the records' Signatures
dialog: each person's PDF is the form they signed (``records.group_pdf``), so the dialog shows
and saves the one they signed, checked against the organisation's CA as a record's is.

A group copy stays on the signer's computer (``records.group_signoff``): it is time stamped
only when it was signed while signed in to the sync server, never later, so the dialog does
not promise a time stamp "when it reaches the server" as it does for a record."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .models import RowsModel
from .signing import (
    SIGNATURE_COLUMNS,
    SignaturesDialog,
    _ca_words,
    _proven_words as _record_proven_words,
    credential_store,
)

if TYPE_CHECKING:
    from .main_window import AppContext


NOT_STAMPED = "No time stamp (signed offline)"


def _proven_words(report: Any) -> str:
    return _record_proven_words(report) if report.proven_at is not None else NOT_STAMPED


GROUP_SIGNATURE_COLUMNS = [replace(c, text=_proven_words) if c.title == "Proven to exist" else c
                           for c in SIGNATURE_COLUMNS]


class GroupSignaturesDialog(SignaturesDialog):
    def __init__(self, ctx: AppContext, group_id: str, title: str, parent=None) -> None:
        # the audit trail's kind for what is viewed and saved: the group session
        super().__init__(ctx, "group_session", group_id, title, parent)
        self.setObjectName("GroupSignaturesDialog")
        # (the check runs in the task runner: its result reaches this model, not the records')
        self.model = RowsModel(GROUP_SIGNATURE_COLUMNS, self)
        self.table.setModel(self.model)

    def _show(self, result) -> None:
        super()._show(result)
        report = result[1]
        if report is not None and report.all_ok and any(r.proven_at is None for r in report.signatures):
            self.summaryLabel.setText(
                "Your signature is intact, valid and trusted, and nothing was changed after signing. "
                "It has no time stamp: it was signed while this computer was not signed in to the "
                "sync server, and this copy stays on this computer.")

    def _load(self) -> None:
        ctx, gid = self.ctx, self.record_id

        def work():
            from ..records.group_signoff import group_document_for
            from ..records.verify import verify_pdf
            from ..security import pki
            from ..security.credentials import CA_FOLDER, RETIRED_FOLDER
            from ..store.audit_log import record_event

            with ctx.db.transaction() as session:
                document = group_document_for(session, gid, ctx.actor.staff_id)
                if document is None:
                    return None, None, ""
                record_event(session, actor_id=ctx.actor.staff_id, action="view_signatures",
                             record_kind="group_session", record_id=gid)
                pdf = document.pdf
            ca_pem = credential_store(ctx).ca_certificate_pem()
            if ca_pem is None:
                return pdf, None, "This computer does not hold the organisation's CA certificate."
            ca = pki.load_certificate(ca_pem)
            # as for a record: the CA certificates a rotation replaced still vouch for what they signed
            earlier = [pki.load_certificate(path.read_bytes()) for path in
                       sorted((ctx.db.profile.folder / CA_FOLDER / RETIRED_FOLDER).glob("*.pem"))]
            return pdf, verify_pdf(pdf, [ca, *earlier] if earlier else ca), _ca_words(ca.subject)

        self.ctx.tasks.write_unit(work, self._show, self._failed)
