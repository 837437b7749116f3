"""Organisation CA, user certificates and the check_can_sign gate."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from supervision_app.security.pki import (
    CertificateAuthority,
    CertificateUnusable,
    check_can_sign,
    create_ca,
    crl_to_pem,
    encrypt_private_key,
    generate_user_key,
    load_certificate,
    load_private_key,
    make_csr,
)

UTC = dt.timezone.utc


def now() -> dt.datetime:
    # Read the clock when each check runs: the module-scoped certificates are issued when a
    # test first uses them, which on a loaded machine can be minutes after collection.
    return dt.datetime.now(UTC)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return create_ca("Exampleshire Children's Services CA", "Exampleshire Council")


@pytest.fixture(scope="module")
def user(ca):
    key = generate_user_key()
    cert = ca.issue_user_certificate(make_csr(key, "Siân Jones"), "Siân Jones", "EX1234", "Team manager")
    return key, cert


def test_ca_certificate_shape(ca):
    cert = ca.certificate
    assert cert.issuer == cert.subject
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign
    assert isinstance(ca.private_key.curve, ec.SECP256R1)
    cert.verify_directly_issued_by(cert)


def test_user_certificate_shape(ca, user):
    key, cert = user
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Siân Jones"
    assert cert.subject.get_attributes_for_oid(x509.NameOID.USER_ID)[0].value == "EX1234"
    assert cert.serial_number > 0
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and not ku.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    assert ski.digest == x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest
    cert.verify_directly_issued_by(ca.certificate)
    check_can_sign(cert, ca.certificate, ca.crl(), now())


def test_issue_from_public_key_and_never_outlasts_ca():
    short_ca = create_ca("Short CA", "Org", valid_days=30)
    cert = short_ca.issue_user_certificate(generate_user_key().public_key(), "Łukasz", "E2", "Social worker")
    assert cert.not_valid_after_utc <= short_ca.certificate.not_valid_after_utc


def test_forged_csr_is_refused(ca):
    csr = make_csr(generate_user_key(), "Someone")
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # damage the signature
    bad = x509.load_der_x509_csr(bytes(der))
    with pytest.raises(ValueError, match="signature"):
        ca.issue_user_certificate(bad, "Someone", "E3", "Social worker")


def test_private_key_round_trip_and_wrong_passphrase():
    key = generate_user_key()
    pem = encrypt_private_key(key, b"correct horse battery staple")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    loaded = load_private_key(pem, b"correct horse battery staple")
    assert loaded.public_key().public_numbers() == key.public_key().public_numbers()
    with pytest.raises(ValueError) as info:
        load_private_key(pem, b"wrong")
    assert "passphrase" in str(info.value)
    with pytest.raises(ValueError):
        encrypt_private_key(key, b"")


def test_ca_pem_round_trip_keeps_revocations(ca, user):
    _, cert = user
    other = create_ca("Round trip CA", "Org")
    victim = other.issue_user_certificate(generate_user_key().public_key(), "A B", "E9", "Social worker")
    other.revoke(victim.serial_number)
    cert_pem, key_pem, crl_pem = other.to_pem(b"ca passphrase")
    assert b"ENCRYPTED PRIVATE KEY" in key_pem
    restored = CertificateAuthority.from_pem(cert_pem, key_pem, b"ca passphrase", crl_pem)
    assert victim.serial_number in restored.revoked
    assert restored.certificate == other.certificate
    with pytest.raises(CertificateUnusable, match="revoked"):
        check_can_sign(victim, restored.certificate, restored.crl(), now())
    with pytest.raises(ValueError):
        CertificateAuthority.from_pem(cert_pem, key_pem, b"bad passphrase")
    assert load_certificate(cert_pem) == other.certificate


def test_expired_certificate_is_refused(ca):
    cert = ca.issue_user_certificate(
        generate_user_key().public_key(), "Zoë Ødegård", "E4", "Social worker",
        valid_days=30, not_before=now() - dt.timedelta(days=60),
    )
    with pytest.raises(CertificateUnusable) as info:
        check_can_sign(cert, ca.certificate, ca.crl(), now())
    assert "expired" in info.value.reason and "Zoë Ødegård" in info.value.reason


def test_not_yet_valid_certificate_is_refused(ca):
    cert = ca.issue_user_certificate(
        generate_user_key().public_key(), "Future Person", "E5", "Social worker",
        not_before=now() + dt.timedelta(days=3),
    )
    with pytest.raises(CertificateUnusable, match="not valid yet"):
        check_can_sign(cert, ca.certificate, None, now())


def test_revoked_certificate_is_refused(ca):
    cert = ca.issue_user_certificate(generate_user_key().public_key(), "Revoked Person", "E6", "Social worker")
    check_can_sign(cert, ca.certificate, ca.crl(), now())
    ca.revoke(cert.serial_number)
    crl = ca.crl()
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    assert b"X509 CRL" in crl_to_pem(crl)
    with pytest.raises(CertificateUnusable) as info:
        check_can_sign(cert, ca.certificate, crl, now())
    assert "revoked" in info.value.reason


def test_certificate_from_another_ca_is_refused(ca):
    other = create_ca("Rogue CA", "Elsewhere")
    cert = other.issue_user_certificate(generate_user_key().public_key(), "Mallory", "E7", "Team manager")
    with pytest.raises(CertificateUnusable, match="not issued by this organisation"):
        check_can_sign(cert, ca.certificate, ca.crl(), now())


def test_same_name_impostor_ca_is_refused(ca):
    """A CA that copies our CA's name is caught by the signature check."""
    impostor = create_ca("Exampleshire Children's Services CA", "Exampleshire Council")
    assert impostor.certificate.subject == ca.certificate.subject
    cert = impostor.issue_user_certificate(generate_user_key().public_key(), "Mallory", "E8", "Team manager")
    with pytest.raises(CertificateUnusable, match="not issued by this organisation"):
        check_can_sign(cert, ca.certificate, None, now())


def test_crl_from_another_ca_is_refused(ca, user):
    _, cert = user
    other = create_ca("Rogue CA", "Elsewhere")
    with pytest.raises(CertificateUnusable, match="revocation list"):
        check_can_sign(cert, ca.certificate, other.crl(), now())


def test_missing_key_usage_is_refused(ca):
    # A certificate for encryption only, signed by the real CA key.
    key = generate_user_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Key Agreement Only")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now() - dt.timedelta(days=1))
        .not_valid_after(now() + dt.timedelta(days=10))
        .add_extension(
            x509.KeyUsage(False, False, False, False, True, False, False, False, False), critical=True
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    with pytest.raises(CertificateUnusable, match="non-repudiation"):
        check_can_sign(cert, ca.certificate, None, now())


def test_naive_time_is_treated_as_utc(ca, user):
    _, cert = user
    check_can_sign(cert, ca.certificate, None, dt.datetime.now(UTC).replace(tzinfo=None))
