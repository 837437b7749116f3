"""Group supervision signed PDFs (issue 21: each signs, same signing path and PDF quality as
records): a manager and three present workers each sign through ``sign_group_session``; each
gets a PAdES-signed PDF of exactly the form they signed, that ``supervision-app verify`` and
poppler's ``pdfsig`` find intact and trusted, signed by them; an attendee's copy carries the
shared part and their own action, never another attendee's."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime, timezone

import pytest

from supervision_app.domain.group_supervision import Attendance
from supervision_app.records.group_signoff import group_document_for, sign_group_session
from supervision_app.records.verify import EXIT_OK, verify_main, verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import group_records as gr
from supervision_app.store.models import Signature, Staff
from supervision_app.store.outbox import outbox_table
from supervision_app.sync.server.document_check import _der, examine
from tests.store.builders import actor

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)
ACTIONS = ("Visit the Kowalczyk family before the review", "Book the neglect toolkit training",
           "Write up the chronology for the Ashworth children")


@pytest.fixture
def signed_group(database, team):
    people = (team.worker_id, team.other_worker_id, team.asye_worker_id)
    with database.transaction() as s:
        who = actor(database, team.manager_id)
        gid = gr.create_group_session(s, who, attendees={p: Attendance.PRESENT for p in people},
                                      held_at=HELD, duration_minutes=90, location="Room 2",
                                      themes="Working with chronic neglect")
        gr.add_discussion(s, who, gid, child_id=None, summary="A family where neglect is chronic",
                          decision="Bring it back to the next group", rationale="Several of us hold such cases")
        for person, text in zip(people, ACTIONS):
            gr.add_action(s, who, gid, owner_id=person, description=text, due_on=date(2026, 12, 1))
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    with database.reading() as s:
        names = {p: s.get_one(Staff, p).display_name for p in (team.manager_id, *people)}
    for person, name in names.items():
        store.ensure_local_credentials(person, name, "team_manager" if person == team.manager_id
                                       else "social_worker")
    for person in (team.manager_id, *people):
        sign_group_session(database, store, group_id=gid, signer_id=person)
    ca = pki.load_certificate(store.ca_certificate_pem())
    copies = {}
    with database.reading() as s:
        for person in (team.manager_id, *people):
            document = group_document_for(s, gid, person)
            assert document is not None
            copies[person] = document.pdf
    return gid, people, names, copies, ca, store


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          timeout=60, check=True).stdout


def test_each_signer_gets_a_pdf_signed_by_them_that_verifies(signed_group, database, team):
    gid, people, names, copies, ca, _store = signed_group
    with database.reading() as s:
        signatures = {sig.signer_id: sig for sig in s.query(Signature).filter(
            Signature.record_kind.in_(["group_session", "group_attendance"]))}
    for person, pdf in copies.items():
        report = verify_pdf(pdf, ca)
        assert report.all_ok, report
        (signature,) = report.signatures
        assert signature.ok and signature.right_signer and signature.certification
        assert signature.signer_common_name == names[person]
        # the server's reading of a signed copy: signed with the signature row's certificate,
        # and its sign-off block shows the digest of the very form that row signs
        row = signatures[person]
        findings = examine(pdf, [ca], row.signed_at)
        assert findings.signatures == (("AuthorSignature", _der(row.certificate_pem)),)
        assert findings.digests == (row.digest,)
    # each copy is a different form: the supervisor's covers every action, each attendee's their own
    assert len({bytes(pdf) for pdf in copies.values()}) == 4
    assert len({sig.digest for sig in signatures.values()}) == 4


def test_an_attendee_copy_holds_the_shared_part_and_only_their_own_action(signed_group, team, tmp_path):
    _gid, people, names, copies, _ca, _store = signed_group
    manager_text = " ".join(_text(copies[team.manager_id], tmp_path).split())
    assert all(action in manager_text for action in ACTIONS)
    for person, own in zip(people, ACTIONS):
        text = " ".join(_text(copies[person], tmp_path).split())
        assert "Working with chronic neglect" in text and "A family where neglect is chronic" in text
        assert all(names[p] in text for p in people)  # who was present
        assert own in text
        assert not any(other in text for other in ACTIONS if other != own)


def test_the_verify_command_says_all_signatures_ok(signed_group, team, tmp_path):
    _gid, people, _names, copies, _ca, store = signed_group
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(store.ca_certificate_pem())
    path = tmp_path / "group.pdf"
    path.write_bytes(copies[people[1]])
    out, err = io.StringIO(), io.StringIO()
    assert verify_main([str(path), "--ca", str(ca_path)], None, out=out, err=err) == EXIT_OK
    assert "ALL SIGNATURES OK" in out.getvalue()


@pytest.mark.skipif(shutil.which("pdfsig") is None or shutil.which("certutil") is None,
                    reason="pdfsig or NSS certutil not installed")
def test_pdfsig_validates_and_trusts_each_copy(signed_group, tmp_path):
    _gid, _people, _names, copies, _ca, store = signed_group
    nss = tmp_path / "nss"
    nss.mkdir()
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(store.ca_certificate_pem())
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, timeout=60,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "org-ca", "-t", "CT,C,C", "-i",
                    str(ca_path)], check=True, timeout=60, capture_output=True)
    for n, pdf in enumerate(copies.values()):
        path = tmp_path / f"copy{n}.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True,
                             timeout=60).stdout
        assert "Signature Validation: Signature is Valid." in out, out
        assert "Certificate Validation: Certificate is Trusted." in out, out
        assert "Total document signed" in out and "ETSI.CAdES.detached" in out


def test_each_copy_travels_with_its_signature(signed_group, database):
    with database.reading() as s:
        tables = [row.table_name for row in s.execute(outbox_table.select())]
    assert tables.count("signature") == 4 and tables.count("record_document") == 4

