"""The viewer's own signed copy of a group session (issue 21), in the records' Signatures
dialog: each person's PDF is the form they signed (``records.group_pdf``), so the dialog shows
and saves the one they signed, checked against the organisation's CA as a record's is."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .signing import SignaturesDialog, _ca_words, credential_store

if TYPE_CHECKING:
    from .main_window import AppContext


class GroupSignaturesDialog(SignaturesDialog):
    def __init__(self, ctx: AppContext, group_id: str, title: str, parent=None) -> None:
        # the audit trail's kind for what is viewed and saved: the group session
        super().__init__(ctx, "group_session", group_id, title, parent)
        self.setObjectName("GroupSignaturesDialog")

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
