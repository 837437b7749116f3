"""PAdES signatures on rendered records (pyHanko).

Signing order for a supervision record:

1. Supervisor: ``sign_pdf(pdf, SUPERVISOR_FIELD, ..., certify=True)``: a certification
   signature with DocMDP permission level 2 (form filling and signing allowed), so the
   supervisee may still sign.
2. Supervisee: ``sign_pdf(signed, SUPERVISEE_FIELD, ..., certify=False)``: an approval
   signature, written as an incremental update that leaves the supervisor's signed
   bytes untouched.

Both are PAdES baseline B-B (``/ETSI.CAdES.detached``, SHA-256, signing-certificate-v2
attribute) with the signer's CA chain embedded. The visible appearance (signer name,
role, time in Europe/London, certificate serial and issuer) is drawn with ReportLab in
the embedded DejaVu font (regular face only, to keep each
signature's appearance small), so any name prints correctly, and placed into the empty
signature field the renderer created (:mod:`.pdf_render`).

Threading: pyHanko's synchronous API runs its own asyncio event loop (``asyncio.run``).
:func:`sign_pdf` is self-contained (no shared mutable state beyond the once-only font
registration, which is locked) and safe to call from several threads at once. The GUI
must call it from a worker thread (e.g. a QRunnable), never from the Qt main thread;
if it is called from a thread that already runs an asyncio loop, it hands the work to a
short-lived helper thread instead of failing. This module does not import Qt.
"""

from __future__ import annotations

import asyncio
import binascii
import concurrent.futures
import datetime as _dt
import io
import uuid
from typing import Sequence

from asn1crypto import keys as asn1_keys, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from ..domain.time_rules import utc_now
from ..errors import AppError
from ..security.pki import CertificateUnusable, check_can_sign
from .fonts import FONT_REGULAR, register_fonts
from .pdf_render import LONDON, clean_text

__all__ = ["PdfSigningError", "sign_pdf", "signature_field_names"]


#: DER bytes allowed in the CMS blob besides the certificates, the signer's issuer name (which
#: it holds twice: the signer identifier and the signing-certificate-v2 attribute) and the
#: signature value (:func:`_signature_room`): algorithm identifiers, the other signed
#: attributes, the serial number twice, the lengths. Measured: ~300 (ECDSA P-256, 20-byte
#: serials, the lengths of issuer names from 26 to 153 DER bytes). Every reader of a signed
#: copy (the server's check of each push, verify, archiving) parses the reserved hex,
#: padding included (pyHanko's own reader a character at a time; records.pyhanko_speedups
#: one match): a flat 1024 here was a quarter of a supervisor's copy's /Contents in zeros
#: (bench_push, issue 16). Too little only costs the signer
#: pyHanko's dry run (see sign_pdf).
_CMS_OVERHEAD = 352
#: ... and for a signature time stamp token (TSA certificate and chain included).
_TIMESTAMP_OVERHEAD = 6144


class PdfSigningError(AppError):
    """The PDF could not be signed; the message is meant for a person."""


# --------------------------------------------------------------------------- helpers


def _to_asn1_cert(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, x509.Certificate):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    raise TypeError("certificates must be cryptography x509.Certificate objects")


def _to_asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise TypeError("signer_key must be an EC (or RSA) private key from cryptography")
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def _signature_room(key) -> int:
    """The most DER bytes the signature value of ``key`` takes: ECDSA's two integers (each
    up to the curve's size plus a sign byte) in a sequence; RSA's modulus size."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return 2 * ((key.curve.key_size + 7) // 8 + 3) + 4
    if isinstance(key, rsa.RSAPrivateKey):
        return (key.key_size + 7) // 8 + 4
    return 512  # no other key signs (sign_pdf refuses it)


def _aware_utc(when: _dt.datetime | None) -> _dt.datetime:
    if when is None:
        return utc_now().replace(microsecond=0)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc)


def _one_line(value, limit: int = 120) -> str:
    s = " ".join(clean_text(value).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def signature_field_names(pdf_bytes: bytes) -> dict[str, bool]:
    """Signature field names in the PDF, mapped to whether each is already signed."""
    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    return {name: value is not None for name, value, _ in sig_fields.enumerate_sig_fields(reader)}


def _field_size(reader: PdfFileReader, field_name: str) -> tuple[float, float]:
    for name, value, ref in sig_fields.enumerate_sig_fields(reader):
        if name != field_name:
            continue
        if value is not None:
            raise PdfSigningError(f"The signature field {field_name!r} is already signed.")
        field = ref.get_object()
        rect = field.get("/Rect")
        if rect is None and "/Kids" in field:
            rect = field["/Kids"][0].get_object().get("/Rect")
        if rect is None:
            raise PdfSigningError(f"The signature field {field_name!r} is not visible.")
        x1, y1, x2, y2 = (float(v) for v in rect)
        return abs(x2 - x1), abs(y2 - y1)
    names = ", ".join(sorted(n for n, _, _ in sig_fields.enumerate_sig_fields(reader))) or "none"
    raise PdfSigningError(f"The PDF has no signature field named {field_name!r} (fields: {names}).")


class _InMemoryPdfPage(content.PdfContent):
    """Like pyHanko's ImportedPdfPage, but from bytes instead of a file name."""

    def __init__(self, pdf_bytes: bytes, page_ix: int = 0):
        self._pdf_bytes = pdf_bytes
        self._page_ix = page_ix
        super().__init__()

    def render(self) -> bytes:
        w = self._ensure_writer
        xobj = w.import_page_as_xobject(PdfFileReader(io.BytesIO(self._pdf_bytes)), page_ix=self._page_ix)
        resource_name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
        self.resources.xobject[resource_name.decode("ascii")] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return resource_name + b" Do"


def _appearance_pdf(width: float, height: float, lines: Sequence[tuple[str, str, float]]) -> bytes:
    """A one-page PDF of exactly the field's size holding the visible signature text."""
    register_fonts()
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(width, height), invariant=1, pageCompression=1)
    c.setFillColor(colors.HexColor("#EEF3F8"))
    c.setStrokeColor(colors.HexColor("#1F3A5F"))
    c.setLineWidth(1.2)
    c.rect(0.6, 0.6, width - 1.2, height - 1.2, stroke=1, fill=1)
    c.setFillColor(colors.HexColor("#1F3A5F"))
    c.rect(0.6, 0.6, 4, height - 1.2, stroke=0, fill=1)
    pad_x = 11
    leading = 1.24
    total = sum(size * leading for _, _, size in lines)
    y = height - max(4.0, (height - total) / 2)
    for text, font, size in lines:
        # shrink to fit the width rather than overflow the box
        while size > 5 and stringWidth(text, font, size) > width - pad_x - 6:
            size -= 0.5
        y -= size * leading
        c.setFont(font, size)
        c.setFillColor(colors.HexColor("#1E2329") if size >= 10 else colors.HexColor("#3D4752"))
        c.drawString(pad_x, y + size * 0.22, text)
    c.showPage()
    c.save()
    return buf.getvalue()


class _TimedPdfSigner(signers.PdfSigner):
    """PdfSigner whose signing session uses a given time (``/M`` and the appearance)."""

    def __init__(self, *args, signing_time: _dt.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def _run_sync(fn):
    """Run ``fn`` here, or in a helper thread if this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


# --------------------------------------------------------------------------- signing


def sign_pdf(
    pdf_bytes: bytes,
    field_name: str,
    signer_key,
    signer_cert: x509.Certificate,
    ca_chain: Sequence[x509.Certificate],
    signer_name: str,
    role_label: str,
    certify: bool,
    when: _dt.datetime | None = None,
    *,
    crl: x509.CertificateRevocationList | None = None,
    reason: str | None = None,
    timestamper=None,
) -> bytes:
    """Sign the empty signature field ``field_name`` and return the new PDF bytes.

    ``certify=True`` makes a certification (DocMDP, form filling and signing allowed)
    signature: use it for the first signer (supervisor, or an oversight note's author).
    ``certify=False`` adds an approval signature as an incremental update.
    ``ca_chain`` is the issuing CA chain (intermediates then root), embedded in the
    signature. When the chain contains the certificate's issuer, the certificate is
    checked with :func:`~supervision_app.security.pki.check_can_sign` first (with
    ``crl`` when given), so an expired, revoked or foreign certificate is refused with
    a clear message (:class:`~supervision_app.security.pki.CertificateUnusable`).

    ``timestamper`` (a pyHanko ``TimeStamper``, e.g. ``HTTPTimeStamper`` for the sync
    server's ``/v1/timestamp``) adds a signature time stamp: PAdES B-T, proof that the
    signature existed at that time. Without it the signature is B-B until the server adds
    a document time stamp at the next sync.

    Call from a worker thread, never from the GUI thread (see the module docstring).
    """
    if not isinstance(pdf_bytes, (bytes, bytearray, memoryview)):
        raise TypeError("pdf_bytes must be bytes")
    pdf_bytes = bytes(pdf_bytes)
    if not pdf_bytes.lstrip()[:5] == b"%PDF-":
        raise PdfSigningError("The data to sign is not a PDF document.")
    signing_time = _aware_utc(when)
    chain = list(ca_chain or ())

    # The key must belong to the certificate, or the signature would never validate.
    if signer_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != signer_cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise PdfSigningError("The private key does not belong to the signing certificate.")
    issuer = next((c for c in chain if c.subject == signer_cert.issuer), None)
    if issuer is not None:
        check_can_sign(signer_cert, issuer, crl, signing_time)
    elif chain:
        raise CertificateUnusable(
            "The signing certificate was not issued by any certificate authority in the given chain."
        )

    name = _one_line(signer_name) or "Unknown signer"
    role = _one_line(role_label, 80)
    local = signing_time.astimezone(LONDON)
    issuer_cn = signer_cert.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    issuer_text = _one_line(issuer_cn[0].value if issuer_cn else signer_cert.issuer.rfc4514_string(), 60)
    serial_hex = format(signer_cert.serial_number, "X")
    lines = [
        ("Digitally signed by", FONT_REGULAR, 7.5),
        (name, FONT_REGULAR, 11),
        (role or "Signer", FONT_REGULAR, 8.5),
        (f"{local.day} {local:%B %Y}, {local:%H:%M} {local.tzname()}", FONT_REGULAR, 8.5),
        (f"Certificate {serial_hex[:8]}… issued by {issuer_text}", FONT_REGULAR, 6.5),
    ]

    # Room for the CMS blob (hex, so twice its DER size): certificates plus signed
    # attributes and signature. Reserving it up front spares pyHanko a full dry-run
    # signature for size estimation, about a third of the signing time.
    der_certs = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in [signer_cert, *chain])
    issuer_der = len(signer_cert.issuer.public_bytes())
    reserve = 2 * (der_certs + 2 * issuer_der + _signature_room(signer_key) + _CMS_OVERHEAD
                   + (_TIMESTAMP_OVERHEAD if timestamper else 0))

    def work(timestamper=timestamper) -> bytes:
        reader_for_size = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        width, height = _field_size(reader_for_size, field_name)
        appearance = _appearance_pdf(width, height, lines)
        stamp_style = StaticStampStyle(
            background=_InMemoryPdfPage(appearance),
            border_width=0,
            background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        )
        signer = signers.SimpleSigner(
            signing_cert=_to_asn1_cert(signer_cert),
            signing_key=_to_asn1_key(signer_key),
            cert_registry=SimpleCertificateStore.from_certs([_to_asn1_cert(c) for c in chain]),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=sig_fields.SigSeedSubFilter.PADES,
            certify=bool(certify),
            docmdp_permissions=sig_fields.MDPPerm.FILL_FORMS,
            name=name,
            reason=_one_line(reason, 200) if reason else (f"{role} signature" if role else None),
        )
        pdf_signer = _TimedPdfSigner(meta, signer, stamp_style=stamp_style, signing_time=signing_time,
                                     timestamper=timestamper)
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
            out = pdf_signer.sign_pdf(writer, existing_fields_only=True, bytes_reserved=reserve)
        except SigningError as exc:
            if "larger than expected" not in str(exc):
                raise
            # Our estimate was too small (unusual chain): let pyHanko measure with a dry run.
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
            out = pdf_signer.sign_pdf(writer, existing_fields_only=True)
        return out.getvalue()

    def work_or_untimed() -> bytes:
        if timestamper is None:
            return work()
        try:
            return work()
        except OSError:
            # The time-stamping authority could not be reached (pyHanko's
            # TimestampRequestError is an OSError): sign at B-B; the server adds a document
            # time stamp when the signed PDF reaches it.
            return work(None)

    try:
        return _run_sync(work_or_untimed)
    except (PdfSigningError, CertificateUnusable):
        raise
    except SigningError as exc:
        raise PdfSigningError(f"The PDF could not be signed: {exc}") from exc
