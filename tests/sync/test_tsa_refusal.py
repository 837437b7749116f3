"""A time-stamping refusal carries its HTTP status and words (found by mypy: TsaError called
its base with the message alone, so raising it was itself a TypeError)."""
from __future__ import annotations

from supervision_app.sync.server.certificates import CertificateError
from supervision_app.sync.server.timestamping import TsaError


def test_a_tsa_refusal_keeps_its_status_and_message():
    refusal = TsaError(503, "The external time-stamping authority did not answer; try again later.")
    assert isinstance(refusal, CertificateError)
    assert refusal.status == 503
    assert refusal.message == str(refusal) == "The external time-stamping authority did not answer; try again later."
