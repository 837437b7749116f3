"""Long-term archiving of signed record PDFs (PAdES B-LT, then B-LTA).

When a record is locked (everyone has signed), the server appends to its signed PDF, as one
incremental update that leaves every signature's bytes untouched:

- the validation data: every certificate the signatures and time stamps rely on (signers,
  the organisation CAs, the time-stamping authority) and each CA's current revocation list,
  in the PDF's Document Security Store (DSS): B-LT;
- a document time stamp over the whole file, from the organisation's TSA (or the external
  one configured): B-LTA. For a signature made offline (no signature time stamp), this is
  the first proof of when it existed.

A signature made offline is proven as early as the server can: when the newest copy of a
two-signer record is the supervisor's, signed without a signature time stamp, the server
adds the same validation data and a document time stamp to that copy (a new
``supervisor_signed`` copy, the server's, sorting after the laptop's), so the supervisor's
signature has a proven time from then, not from whenever the supervisee signs; the
supervisee's laptop signs on top of it. :class:`Archiver` does this for the copies a push
brings, and ``renew-timestamps`` for any still pending.

The result is stored as a **new** ``record_document`` row (stage ``archived``), through
:func:`~.storage.system_write`. Record documents are insert-only: the signed copies the
laptops pushed stay exactly as they were, and the archived copy starts with every byte of
the copy it extends (checked here before it is stored), so anyone can see that the server
added validation data and a time stamp and nothing else. Laptops pull the new row like any
other and show the newest copy.

:class:`Archiver` does this work in the background (one thread per server process), after
the push that brought the copies has been answered: a push does not wait ~0.1 s a record
for it, and a record the background job could not archive (TSA down, server stopped) is
archived by the next ``renew-timestamps`` run, which archives whatever is pending.

Renewal (:func:`renew_timestamps`) repeats the same step on an archived copy before the
newest document time stamp's TSA certificate expires (or before the margin): fresh CRLs,
the TSA's certificate, then a new document time stamp over everything before it, so the
older time stamps stay provable after their own certificates expire. CA and TSA rotation do
not break this: retired CAs' certificates and CRLs are still written to the DSS.
"""
from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as _dt
import io
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from asn1crypto import crl as asn1_crl, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from ...domain.time_rules import utc_now
from ...errors import AppError
from ...security import pki
from .. import protocol as p
from . import certificates, timestamping
from .schema import record
from .storage import WriteTx, system_write

__all__ = ["ArchiveReport", "Archiver", "archive_pdf", "archive_records", "needs_proof_of_time",
           "renew_timestamps"]

log = logging.getLogger("supervision_app.sync.server")

ARCHIVED = "archived"
#: Stages a laptop pushes once everyone has signed (records.signoff).
FINAL_STAGES = ("locked",)
#: The stage of a supervisor's signed copy, before the supervisee signs.
SUPERVISOR_SIGNED = "supervisor_signed"
#: A record's copies in signing order (as ``records.signoff.DOCUMENT_STAGES``): the newest
#: copy is the one of the latest stage, then the latest created.
_STAGE_RANK = {SUPERVISOR_SIGNED: 1, "locked": 2, ARCHIVED: 3}
DEFAULT_RENEWAL_MARGIN = _dt.timedelta(days=365)
#: Room for the document time stamp token (TSA certificate and chain included), hex: an
#: external TSA's (RSA chains run to several kB), and the organisation's own (EC P-256, the TSA
#: and CA certificates: about 1.7 kB). Every reader of the PDF parses the reserved hex, the
#: server's check of each later signed copy included, so it is not made larger than needed.
_TIMESTAMP_RESERVE = 2 * 8192
_OWN_TSA_RESERVE = 2 * 4096


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _run_sync(fn):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


class ArchiveError(AppError):
    """The PDF could not be archived; the message is fit to show."""


def archive_pdf(pdf_bytes: bytes, timestamper, *, certificates_: Sequence[x509.Certificate],
                crls: Sequence[x509.CertificateRevocationList]) -> bytes:
    """``pdf_bytes`` with the validation data (``certificates_``, ``crls`` and every
    certificate inside its signatures) in its DSS and a document time stamp from
    ``timestamper``, as one incremental update. Raises :class:`ArchiveError` if the PDF
    has no signature or the result would not extend the original byte for byte."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import extract_certificate_info
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    pdf_bytes = bytes(pdf_bytes)

    def work() -> bytes:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = [*reader.embedded_regular_signatures, *reader.embedded_timestamp_signatures]
        if not reader.embedded_regular_signatures:
            raise ArchiveError("The document has no signature to archive.")
        certs: dict[bytes, asn1_x509.Certificate] = {}
        for cert in certificates_:
            asn1 = _asn1_cert(cert)
            certs[asn1.sha256] = asn1
        for sig in signatures:
            info = extract_certificate_info(sig.signed_data)
            for cert in (info.signer_cert, *info.other_certs):
                certs[cert.sha256] = cert
            for token in extract_tst_data_iter(sig.signer_info, signed=False):
                tinfo = extract_certificate_info(token)  # the signature time stamp's TSA
                for cert in (tinfo.signer_cert, *tinfo.other_certs):
                    certs[cert.sha256] = cert
        crl_objs = [asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER))
                    for c in crls]
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=list(certs.values()),
                                                   crls=crl_objs)
        reserve = (_OWN_TSA_RESERVE if isinstance(timestamper, timestamping.LocalTimeStamper)
                   else _TIMESTAMP_RESERVE)
        out = PdfTimeStamper(timestamper).timestamp_pdf(writer, "sha256", bytes_reserved=reserve)
        return out.getvalue()

    try:
        result = _run_sync(work)
    except ArchiveError:
        raise
    except Exception as exc:  # pyHanko raises many kinds for a damaged PDF or TSA failure
        raise ArchiveError(f"The document could not be archived: {exc}") from exc
    if not result.startswith(pdf_bytes):
        raise ArchiveError("The archived copy does not extend the signed copy byte for byte.")
    return result


def needs_proof_of_time(pdf_bytes: bytes) -> bool:
    """Whether the newest signature in ``pdf_bytes`` has no proof of when it existed: no
    signature time stamp of its own (it was made offline) and no document time stamp after
    it."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    reader = PdfFileReader(io.BytesIO(bytes(pdf_bytes)), strict=False)
    signatures = list(reader.embedded_regular_signatures)
    if not signatures:
        return False
    newest = max(signatures, key=lambda sig: sig.signed_revision)
    if any(True for _ in extract_tst_data_iter(newest.signer_info, signed=False)):
        return False
    return not any(stamp.signed_revision > newest.signed_revision
                   for stamp in reader.embedded_timestamp_signatures)


# --------------------------------------------------------------------------- server side


@dataclass
class ArchiveReport:
    archived: list[str] = field(default_factory=list)
    #: records whose supervisor signature, made offline, was given a document time stamp
    stamped: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    up_to_date: int = 0
    #: records not started because the server was stopping (renew-timestamps does them)
    left: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Archived (validation data and a document time stamp added): {len(self.archived)}",
               f"Offline signatures time-stamped: {len(self.stamped)}",
               f"Time stamps renewed: {len(self.renewed)}",
               f"Already up to date: {self.up_to_date}"]
        out += [f"Could not archive record {rid}: {why}" for rid, why in self.failed]
        return out


def validation_material(conn: Connection, passphrase: bytes | None
                        ) -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
    """Every CA certificate (active and retired), every TSA certificate, and each CA's
    revocation list (the active CA's refreshed first when the server can)."""
    certs = [ca.certificate for ca in certificates.all_cas(conn)]
    certs += [tsa.certificate for tsa in timestamping.all_tsas(conn)]
    certificates.current_crl(conn, passphrase)
    crls = [pki.load_crl(ca.crl_pem) for ca in certificates.all_cas(conn)]
    return certs, crls


_STAGE = re.compile(r'"stage":"([a-z_]+)"')
_CREATED = re.compile(r'"created_at":"([^"]+)"')


#: The stored JSON of a record document is written in the protocol's field order (record_kind,
#: record_id, stage, created_at, then the PDF: ``protocol.check_data`` then ``storage.write``),
#: so its stage and time are in the first few hundred characters.
_HEAD_CHARS = 400


def _newest_documents(conn: Connection, record_ids: Iterable[str] | None) -> dict[str, tuple[str, str]]:
    """record id -> (id, stage) of its newest record_document. Only the head of each row's
    JSON is read (its PDF is not sent by the database, let alone decoded), so a whole
    archive is scanned in bounded memory and time; the caller loads the PDFs it needs one
    at a time (:func:`_load`)."""
    query = select(record.c.id, func.substr(record.c.data, 1, _HEAD_CHARS).label("head"),
                   record.c.parent_id).where(
        record.c.table_name == "record_document", record.c.tombstone.is_(False))
    if record_ids is not None:
        ids = list(record_ids)
        if not ids:
            return {}
        query = query.where(record.c.parent_id.in_(ids))
    newest: dict[str, tuple[tuple[int, str], str, str]] = {}
    for row in conn.execute(query.execution_options(yield_per=500)):
        head = row.head
        stage, created = _STAGE.search(head), _CREATED.search(head)
        if stage is None or created is None:  # not in the head: a row written otherwise
            head = conn.execute(select(record.c.data).where(record.c.id == row.id)).scalar_one()
            stage, created = _STAGE.search(head), _CREATED.search(head)
            if stage is None or created is None:
                continue
        # by stage first: a laptop clock behind the server's must not make the server's
        # time-stamped supervisor copy look newer than the supervisee's locked one
        key = (_STAGE_RANK.get(stage.group(1), 0), created.group(1))
        if row.parent_id not in newest or key > newest[row.parent_id][0]:
            newest[row.parent_id] = (key, row.id, stage.group(1))
    return {record_id: (doc_id, stage) for record_id, (_key, doc_id, stage) in newest.items()}


def _load(conn: Connection, doc_id: str) -> dict:
    return json.loads(conn.execute(select(record.c.data).where(record.c.id == doc_id)).scalar_one())


def _store(tx: WriteTx, newest: dict, pdf: bytes, now: _dt.datetime, stage: str = ARCHIVED) -> str:
    # Laptops show the newest copy by created_at: the archived copy must sort after the copy it
    # extends even when the signer's laptop clock ran ahead of the server's.
    extended = p.parse_datetime(newest["created_at"])
    now = max(now, extended + _dt.timedelta(milliseconds=1))
    row_id = str(uuid.uuid4())
    system_write(tx, "record_document", row_id, {
        "record_kind": newest["record_kind"], "record_id": newest["record_id"],
        "stage": stage, "created_at": p.format_datetime(now),
        "pdf": base64.b64encode(pdf).decode("ascii")})
    return row_id


def _archive_one(engine: Engine, record_id: str, doc_id: str, timestamper, certs, crls,
                 clock: Callable[[], _dt.datetime], *, stage: str = ARCHIVED) -> str | None:
    """Archive one record's copy ``doc_id`` in its own transaction (as ``stage``); why not,
    or None. The time stamp is fetched before the sequence lock is taken (an external TSA
    may be slow), and the copy is stored only if it is still the record's newest (another
    server instance may have archived it meanwhile)."""
    with engine.connect() as conn:
        newest = _load(conn, doc_id)
    try:
        pdf = archive_pdf(base64.b64decode(newest["pdf"]), timestamper, certificates_=certs, crls=crls)
    except ArchiveError as problem:
        return str(problem)
    with engine.begin() as conn:
        tx = WriteTx.begin(conn)
        if _newest_documents(conn, [record_id]).get(record_id, (None,))[0] != doc_id:
            return None  # already archived elsewhere, or signed anew: nothing to add
        _store(tx, newest, pdf, clock(), stage)
        tx.finish()
    return None


def _tools(engine: Engine, passphrase, url, policy, clock):
    with engine.begin() as conn:  # may make the TSA, refresh the CRL
        timestamper = timestamping.server_timestamper(conn, passphrase, url=url, policy=policy,
                                                      clock=clock)
        certs, crls = validation_material(conn, passphrase)
    return timestamper, certs, crls


def archive_records(engine: Engine, passphrase: bytes | None, record_ids: Iterable[str] | None = None,
                    *, url: str | None = None, policy: str = timestamping.DEFAULT_POLICY_OID,
                    clock: Callable[[], _dt.datetime] | None = None,
                    report: ArchiveReport | None = None,
                    stamp_offline_signatures: bool = False,
                    stop: threading.Event | None = None) -> ArchiveReport:
    """Archive the final signed copy of each locked record (all of them with ``None``) that
    has no archived copy newer than it, and with ``stamp_offline_signatures`` time-stamp
    each supervisor's signed copy that is the newest and has no proof of time (signed
    offline), each in its own transaction. Once ``stop`` is set no further record is
    started (the one under way finishes): those left are in ``report.left``."""
    report = report or ArchiveReport()
    clock = clock or (lambda: utc_now())
    with engine.connect() as conn:
        newest = _newest_documents(conn, record_ids)
        pending = [(record_id, doc_id, ARCHIVED) for record_id, (doc_id, stage)
                   in newest.items() if stage in FINAL_STAGES]
        if stamp_offline_signatures:
            pending += [(record_id, doc_id, SUPERVISOR_SIGNED) for record_id, (doc_id, stage)
                        in newest.items() if stage == SUPERVISOR_SIGNED
                        and _unproven(base64.b64decode(_load(conn, doc_id)["pdf"]))]
    if pending:
        timestamper, certs, crls = _tools(engine, passphrase, url, policy, clock)
        for n, (record_id, doc_id, stage) in enumerate(pending):
            if stop is not None and stop.is_set():
                report.left += [record_id for record_id, _doc, _stage in pending[n:]]
                break
            problem = _archive_one(engine, record_id, doc_id, timestamper, certs, crls, clock,
                                   stage=stage)
            if problem:
                report.failed.append((record_id, problem))
            else:
                (report.archived if stage == ARCHIVED else report.stamped).append(record_id)
    return report


def _unproven(pdf: bytes) -> bool:
    try:
        return needs_proof_of_time(pdf)
    except Exception:  # noqa: BLE001 - a damaged copy: nothing to stamp (archiving reports it)
        return False


class Archiver:
    """Archives locked records and time-stamps offline signatures in one background thread,
    after the push that brought the signed copies has been answered (a push does not wait
    for the time stamps), so the signers' laptops pull the new copies at their next sync.

    :meth:`submit` never waits; records submitted while a batch runs go in the next batch.
    Each record is its own transaction, so :meth:`close` (at server shutdown) lets the
    record under way finish, or abandons it whole if it outlasts the timeout (the process
    ends, its transaction with it): nothing half-written is stored. What was not done then,
    or failed (TSA down), is logged by record id and done by the next ``renew-timestamps``,
    which archives whatever is pending."""

    def __init__(self, engine: Engine, passphrase: bytes | None, *, url: str | None = None,
                 policy: str = timestamping.DEFAULT_POLICY_OID) -> None:
        self.engine, self.passphrase, self.url, self.policy = engine, passphrase, url, policy
        self._pending: set[str] = set()
        self._sweep = False
        self._busy = False
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, record_ids: Iterable[str]) -> None:
        with self._cond:
            if self._stop.is_set():
                _left_to_renewal(record_ids)
                return
            self._pending.update(record_ids)
            self._start()
            self._cond.notify_all()

    def sweep_pending(self) -> None:
        """At server start: archive, in the background thread, every record still waiting
        for it (a copy the last run did not get to: stopped, killed, no time-stamping key,
        the TSA down), instead of leaving it to the nightly ``renew-timestamps``. Never
        waits. With several server instances only one sweeps at a time (the others find the
        lock taken and leave it); a record archived twice meanwhile is stored once (each
        copy is stored only if the one it extends is still the record's newest)."""
        with self._cond:
            if self._stop.is_set():
                return
            self._sweep = True
            self._start()
            self._cond.notify_all()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="archiver", daemon=True)
            self._thread.start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until every submitted record has been handled; False if ``timeout`` ran out.
        For callers in the server's own process (in-process tests)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._sweep and not self._busy,
                                       timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Stop: records not started are left to ``renew-timestamps``, the one under way
        may finish within ``timeout`` seconds. True if the thread ended in time."""
        with self._cond:
            self._stop.set()
            _left_to_renewal(self._pending)
            self._pending.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the archiver was stopped mid-record; nothing of it is stored, and "
                        "renew-timestamps will archive it")
            return False
        return True

    def _run(self) -> None:
        while True:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
                self._cond.wait_for(lambda: bool(self._pending) or self._sweep or self._stop.is_set())
                if self._stop.is_set():
                    return
                sweep, self._sweep = self._sweep, False
                batch, self._busy = (None if sweep else sorted(self._pending)), True
                if not sweep:
                    self._pending.clear()
            try:
                if sweep:
                    self._sweep_once()
                    continue
                report = archive_records(self.engine, self.passphrase, batch, url=self.url,
                                         policy=self.policy, stamp_offline_signatures=True,
                                         stop=self._stop)
                for record_id, _why in report.failed:
                    log.warning("record %s could not be archived now; renew-timestamps will retry",
                                record_id)
                _left_to_renewal(report.left)
            except Exception:  # the pushes have succeeded; renew-timestamps retries
                log.exception("archiving signed records failed; renew-timestamps will retry")

    def _sweep_once(self) -> None:
        from .startup import ARCHIVE_SWEEP_LOCK_KEY, only_one_instance

        with only_one_instance(self.engine, ARCHIVE_SWEEP_LOCK_KEY) as mine:
            if not mine:
                log.info("another server instance is archiving the records left pending")
                return
            report = archive_records(self.engine, self.passphrase, None, url=self.url, policy=self.policy,
                                     stamp_offline_signatures=True, stop=self._stop)
        log.info("records left pending at start: %d archived, %d offline signatures time-stamped, "
                 "%d failed (renew-timestamps will retry)", len(report.archived), len(report.stamped),
                 len(report.failed))
        for record_id, _why in report.failed:
            log.warning("record %s could not be archived now; renew-timestamps will retry", record_id)
        if report.left:
            log.info("%d records left pending for renew-timestamps (the server is stopping)", len(report.left))


def _left_to_renewal(record_ids: Iterable[str]) -> None:
    for record_id in sorted(record_ids):
        log.info("record %s left for renew-timestamps (the server is stopping)", record_id)


def _newest_timestamp_expiry(pdf: bytes) -> _dt.datetime | None:
    """When the TSA certificate of the newest document time stamp in ``pdf`` expires."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import extract_certificate_info

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamps = list(reader.embedded_timestamp_signatures)
    if not stamps:
        return None
    cert = extract_certificate_info(stamps[-1].signed_data).signer_cert
    return cert["tbs_certificate"]["validity"]["not_after"].native


def renew_timestamps(engine: Engine, passphrase: bytes | None, *,
                     margin: _dt.timedelta = DEFAULT_RENEWAL_MARGIN, url: str | None = None,
                     policy: str = timestamping.DEFAULT_POLICY_OID,
                     clock: Callable[[], _dt.datetime] | None = None) -> ArchiveReport:
    """Archive every locked record not archived yet, then re-time-stamp each archived copy
    whose newest document time stamp's TSA certificate expires within ``margin`` (SHA-256
    and P-256, which we use, have no announced end; a change of algorithm policy would be
    one more reason here). Each record is its own transaction: pushes go on meanwhile."""
    clock = clock or (lambda: utc_now())
    report = archive_records(engine, passphrase, None, url=url, policy=policy, clock=clock,
                             stamp_offline_signatures=True)
    now = clock()
    due = []
    with engine.connect() as conn:
        for record_id, (doc_id, stage) in _newest_documents(conn, None).items():
            if stage != ARCHIVED or record_id in report.archived:
                continue
            expires = _newest_timestamp_expiry(base64.b64decode(_load(conn, doc_id)["pdf"]))
            if expires is None or expires - margin <= now:
                due.append((record_id, doc_id))
            else:
                report.up_to_date += 1
    if due:
        if not url:
            with engine.begin() as conn:
                stored = timestamping.active_tsa(conn)
                if stored is not None and stored.certificate.not_valid_after_utc - margin <= now:
                    timestamping.create_tsa(conn, passphrase)  # a new TSA before the old one ends
        timestamper, certs, crls = _tools(engine, passphrase, url, policy, clock)
        for record_id, doc_id in due:
            problem = _archive_one(engine, record_id, doc_id, timestamper, certs, crls, clock)
            if problem:
                report.failed.append((record_id, problem))
            else:
                report.renewed.append(record_id)
    return report
