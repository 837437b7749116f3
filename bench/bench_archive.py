"""Benchmark: the long-term archive step against rendering and signing a record.

For one synthetic supervision record (bench_pdf.make_record), median of R runs:

- base: render, supervisor signs, supervisee signs (PAdES B-B), as on a laptop;
- archive step: what issue 20 adds: the supervisor's signature time stamp (B-T, from an
  in-process organisation TSA, so the network is left out), and the server's archive (the
  validation data in the DSS and a document time stamp: B-LTA).

Reports the ratio archive step / base (target <= 1.0x).
Run: ``python bench/bench_archive.py [--repeat R]``. All names are synthetic.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pdf import make_record
from cryptography.hazmat.primitives.asymmetric import ec

from supervision_app.records.pdf_render import SUPERVISEE_FIELD, SUPERVISOR_FIELD, render_record_pdf
from supervision_app.records.pdf_sign import sign_pdf
from supervision_app.security.pki import create_ca, generate_user_key
from supervision_app.sync.server.archive import archive_pdf
from supervision_app.sync.server.timestamping import TimeStampAuthority, issue_tsa_certificate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="repeats (median)")
    args = parser.parse_args(argv)

    ca = create_ca("Bench CA", "Synthetic Council")
    k1, k2 = generate_user_key(), generate_user_key()
    c1 = ca.issue_user_certificate(k1.public_key(), "Bench Supervisor", "B1", "Team manager")
    c2 = ca.issue_user_certificate(k2.public_key(), "Bench Supervisee", "B2", "Social worker")
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = TimeStampAuthority(issue_tsa_certificate(ca, tsa_key), tsa_key, [ca.certificate])
    chain, crl = [ca.certificate], ca.crl()
    doc = make_record(1)

    def base(stamper=None) -> bytes:
        pdf = render_record_pdf(doc)
        pdf = sign_pdf(pdf, SUPERVISOR_FIELD, k1, c1, chain, "Bench Supervisor", "Supervisor", True,
                       timestamper=stamper)
        return sign_pdf(pdf, SUPERVISEE_FIELD, k2, c2, chain, "Bench Supervisee", "Supervisee", False)

    def archive(pdf: bytes) -> bytes:
        return archive_pdf(pdf, tsa.timestamper(), certificates_=[ca.certificate, tsa.certificate], crls=[crl])

    archive(base(tsa.timestamper()))  # warm up: fonts, imports

    def timed(fn, *a):
        t0 = time.perf_counter()
        result = fn(*a)
        return time.perf_counter() - t0, result

    plain, stamped, archived = [], [], []
    for _ in range(args.repeat):
        plain.append(timed(base)[0])
        t, signed = timed(base, tsa.timestamper())
        stamped.append(t)
        archived.append(timed(archive, signed)[0])
    b, s, a = (statistics.median(v) for v in (plain, stamped, archived))
    extra = max(s - b, 0.0) + a
    print(f"render + two signatures (B-B):        {b * 1000:7.1f} ms")
    print(f"  ... with a signature time stamp:    {s * 1000:7.1f} ms  (+{max(s - b, 0) * 1000:.1f} ms)")
    print(f"archive (DSS + document time stamp):  {a * 1000:7.1f} ms")
    print(f"archive step / render and sign:       {extra / b:7.2f}x  (target <= 1.0x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
