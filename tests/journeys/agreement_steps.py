"""What a person does with a supervision agreement (issue 21), step by step on a ``Laptop``:
the manager writes and signs it from "My team", the worker finds it (in Search, or from "My
supervision") and signs it, either checks its signatures and saves the signed PDF. Clicks and
typing only; each step waits until the screen shows it is done (see ``steps``)."""
from __future__ import annotations

from pathlib import Path

from tests.journeys import steps
from tests.journeys.driver import DEFAULT_WAIT, Laptop

DIALOG = {"name": "AgreementDialog"}
INSIDE = {"within": DIALOG}
SIGNATURES = {"name": "SignaturesDialog"}

SUPERVISOR_SIGNED = "Signed by the supervisor; waiting for the supervisee."
LOCKED = "Signed by both and locked."


def agreement_state(lap: Laptop) -> str:
    return lap.text(name="agreementStateLabel", **INSIDE)


def wait_agreement_state(lap: Laptop, state: str, timeout: float = steps.LONG) -> None:
    lap.wait(lambda: agreement_state(lap) == state, timeout,
             f"the agreement to read {state!r} (message: see screen)")


def open_team_agreement(lap: Laptop, worker_name: str) -> None:
    """My team > the worker > Supervision agreement…"""
    steps.go_to(lap, "My team")
    lap.select_row(worker_name, name="workerTable")
    lap.click(name="agreementButton")
    wait_filled(lap)


def wait_filled(lap: Laptop) -> None:
    """The dialog is on screen at once and fills in when its read comes back (under load,
    after the start-up reads); its status line says which state it is in once it has."""
    lap.wait(lambda: lap.text(name="agreementStateLabel", **INSIDE), DEFAULT_WAIT,
             "the agreement dialog to show the agreement")


def set_term(lap: Laptop, term: str, text: str) -> None:
    """Replace one term's words (``term``: frequency, duration, location, disagreements,
    cancellations, confidentiality)."""
    lap.type(text, clear=True, name=f"{term}Edit", **INSIDE)
    lap.wait(lambda: lap.text(name=f"{term}Edit", **INSIDE) == text, 30, f"the {term} term typed")


def sign_agreement(lap: Laptop) -> None:
    """Sign, then confirm in the box that asks."""
    lap.click(name="signAgreementButton", **INSIDE)
    lap.wait_shown(name="confirmSignButton", modal=True)
    lap.click(name="confirmSignButton", modal=True)


def close_agreement(lap: Laptop) -> None:
    lap.click(name="closeButton", **INSIDE)
    lap.wait_gone(**DIALOG)


def team_line(lap: Laptop) -> str:
    """The line under My team's summary: agreements to write or review, cancellations."""
    steps.go_to(lap, "My team")
    return lap.text(name="teamPracticeLabel")


def my_line(lap: Laptop) -> str:
    """The line under My supervision's summary: the worker's own agreement."""
    steps.go_to(lap, "My supervision")
    return lap.text(name="myPracticeLabel")


def search_and_open(lap: Laptop, words: str, title: str) -> None:
    """Search > type the words > the result with this title > Open."""
    lap.select_row("Search", name="navList")
    lap.wait_shown(name="searchEdit")
    lap.type(words, clear=True, name="searchEdit")
    lap.wait(lambda: any(title in row[0] for row in lap.rows(name="resultsTable")), 60,
             f"{title!r} among the search results")
    lap.select_row(title, name="resultsTable")
    lap.click(name="openResultButton")
    wait_filled(lap)


def search_rows(lap: Laptop) -> list[list[str]]:
    return lap.rows(name="resultsTable")


def check_and_save_signed_pdf(lap: Laptop, path: Path) -> str:
    """Signatures… on the open agreement: the app checks the signed PDF's signatures
    against the organisation's certificate; Save PDF… to ``path`` through the file dialog.
    Returns what the app said of the signatures."""
    lap.click(name="signaturesButton", **INSIDE)
    lap.wait_shown(**SIGNATURES)
    summary = lap.wait(lambda: (t := lap.text(name="signaturesSummary", within=SIGNATURES))
                       and not t.startswith("Checking") and t, steps.LONG, "the signatures to be checked")
    lap.click(name="savePdfButton", within=SIGNATURES)
    lap.wait_shown(name="fileNameEdit")
    lap.type(str(path), clear=True, name="fileNameEdit")
    lap.wait(lambda: lap.text(name="fileNameEdit") == str(path), 30, "the file name typed")
    lap.key("Return", name="fileNameEdit")
    lap.wait_text("Saved to", name="trustLabel", within=SIGNATURES, timeout=60)
    lap.click(name="closeButton", within=SIGNATURES)
    lap.wait_gone(**SIGNATURES)
    return summary


ADDENDUM = {"name": "AddendumDialog"}


def add_signed_addendum(lap: Laptop, text: str) -> None:
    """Add addendum… on the open, locked agreement: write it, Sign and lock, confirm in the
    box that asks, then close the addendum."""
    lap.click(name="addAgreementAddendumButton", **INSIDE)
    lap.wait_shown(**ADDENDUM)
    lap.type(text, name="addendumEdit", within=ADDENDUM)
    lap.wait(lambda: lap.text(name="addendumEdit", within=ADDENDUM) == text, 30, "the addendum typed")
    lap.click(name="signAddendumButton", within=ADDENDUM)
    lap.wait_shown(name="confirmSignButton", modal=True)
    lap.click(name="confirmSignButton", modal=True)
    lap.wait_text("Signed and locked", name="addendumMessage", within=ADDENDUM, timeout=steps.LONG)
    lap.click(name="closeButton", within=ADDENDUM)
    lap.wait_gone(**ADDENDUM)


def addenda_rows(lap: Laptop) -> list[list[str]]:
    """The open agreement's addenda: written, by, state, the start of the text."""
    return lap.rows(name="agreementAddendaTable", **INSIDE)


def check_addendum_signature(lap: Laptop) -> str:
    """Addendum signatures… for the selected addendum: what the app said of its signed PDF."""
    lap.click(name="agreementAddendumSignaturesButton", **INSIDE)
    lap.wait_shown(**SIGNATURES)
    summary = lap.wait(lambda: (t := lap.text(name="signaturesSummary", within=SIGNATURES))
                       and not t.startswith("Checking") and t, steps.LONG, "the signature to be checked")
    lap.click(name="closeButton", within=SIGNATURES)
    lap.wait_gone(**SIGNATURES)
    return summary
