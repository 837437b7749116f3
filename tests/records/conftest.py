"""A test PKI built in code, and rendered/signed sample records shared by the tests."""

from __future__ import annotations

import pytest

from supervision_app.records.pdf_render import SUPERVISEE_FIELD, SUPERVISOR_FIELD, render_record_pdf
from supervision_app.records.pdf_sign import sign_pdf
from supervision_app.security.pki import create_ca

from .pki import SIGN_TIME_1, SIGN_TIME_2, PkiBundle, make_person
from .samples import sample_record


@pytest.fixture(scope="session")
def pki() -> PkiBundle:
    ca = create_ca("Exampleshire Children's Services CA", "Exampleshire Council")
    return PkiBundle(
        ca=ca,
        supervisor=make_person(ca, "Łukasz Nowak-Siân", "EX0001", "Team manager"),
        supervisee=make_person(ca, "Zoë Ødegård", "EX0002", "Social worker"),
    )


@pytest.fixture(scope="session")
def ca_pem_path(pki, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(pki.ca.certificate_pem())
    return path


@pytest.fixture(scope="session")
def unsigned_pdf() -> bytes:
    return render_record_pdf(sample_record())


@pytest.fixture(scope="session")
def supervisor_signed(pki, unsigned_pdf) -> bytes:
    s = pki.supervisor
    return sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisor",
                    certify=True, when=SIGN_TIME_1)


@pytest.fixture(scope="session")
def both_signed(pki, supervisor_signed) -> bytes:
    s = pki.supervisee
    return sign_pdf(supervisor_signed, SUPERVISEE_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisee",
                    certify=False, when=SIGN_TIME_2)
