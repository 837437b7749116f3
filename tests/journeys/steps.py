"""What a person does in the app, step by step, on a ``Laptop``: each function is one thing a
person would describe ("sign in", "sync", "write a record"), made of clicks and typing on the
real widgets, and waits until the screen shows it is done. Journeys are sequences of these;
a new journey adds the steps it needs here."""
from __future__ import annotations

from datetime import date, timedelta

from tests.journeys.driver import PASSWORD, Laptop

LONG = 180.0  # sign-in with enrolment and a first sync, signing: a few seconds each, more on a busy machine

# The sign-in fields: the first-run page and the later Sync > Sign in dialog share these names
# (UI_CONTRACT.md); the dialog's older names are accepted too.
ADDRESS = {"names": ["serverAddressEdit", "serverUrlEdit"]}
SIGN_IN_BUTTON = {"names": ["signInButton", "serverSignInButton"]}
SIGN_IN_MESSAGE = {"names": ["signInMessage", "messageLabel"]}


def due(days: int) -> str:
    return (date.today() + timedelta(days=days)).strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- signing in

def home_shown(lap: Laptop) -> bool:
    """The signed-in person's pages are attached: the navigation lists them."""
    return bool(lap.exists(name="navList") and lap.rows(name="navList"))


def first_run_sign_in(lap: Laptop, server_url: str, username: str, password: str = PASSWORD,
                      timeout: float = LONG) -> None:
    """An empty profile: the welcome page -> Connect -> address, username, password -> Sign in;
    keys, certificate and the first sync happen; the person's home page opens."""
    lap.wait_shown(name="firstRunPage", timeout=90)
    lap.click(name="connectButton")
    lap.wait_shown(**ADDRESS)
    if lap.text(**ADDRESS) != server_url:
        lap.type(server_url, clear=True, **ADDRESS)
    lap.type(username, clear=True, name="usernameEdit")
    lap.type(password, name="passwordEdit")
    lap.click(**SIGN_IN_BUTTON)
    lap.wait(lambda: home_shown(lap), timeout, f"{username}'s home page after the first sync")


def start_signed_in(lap: Laptop, display_name: str, *app_args: str) -> None:
    """Start a laptop already used by this person; when the app asks who is using it, they
    find themselves in the list by name and press Enter."""
    lap.start(*app_args)
    lap.wait(lambda: home_shown(lap) or lap.exists(name="peopleTable"), 90, "the app to open")
    if not home_shown(lap):
        lap.type(display_name, name="filterEdit")
        lap.wait(lambda: display_name in str(lap.rows(name="peopleTable")), 30,
                 f"{display_name} in the people list")
        lap.key("Return", name="filterEdit")
        lap.wait(lambda: home_shown(lap), 90, f"{display_name}'s home page")


def menu_sign_in(lap: Laptop, server_url: str, username: str, password: str = PASSWORD) -> None:
    """Sync > Sign in to the sync server…, for a person whose profile already has them."""
    lap.trigger(name="syncSignInAction")
    lap.wait_shown(**ADDRESS)
    if lap.text(**ADDRESS) != server_url:
        lap.type(server_url, clear=True, **ADDRESS)
    lap.type(username, clear=True, name="usernameEdit")
    lap.type(password, name="passwordEdit")
    lap.click(**SIGN_IN_BUTTON)
    lap.wait_gone(name="serverSignInDialog", timeout=LONG)


# --------------------------------------------------------------------------- sync

def sync_status(lap: Laptop) -> str:
    return lap.text(name="syncStatusLabel")


def sync_idle_and_sent(lap: Laptop) -> bool:
    text = sync_status(lap)
    return "all changes sent" in text and "Syncing" not in text and "First sync" not in text


def press_sync_now(lap: Laptop, timeout: float = LONG) -> None:
    """Press Sync now once it is available. The app's own sync (the one it starts once the
    first page is painted) may begin between seeing the button enabled and pressing it: then
    wait for it, as a person would (a click refused as "not enabled" is a NotOnScreen, a
    LookupError, so ``wait`` tries again)."""
    def pressed() -> bool:
        if not lap.read(name="syncNowButton")["enabled"]:
            return False
        lap.click(name="syncNowButton")
        return True

    lap.wait(pressed, timeout, "Sync now to be available")


def sync(lap: Laptop, timeout: float = LONG) -> str:
    """Sync now, and wait until the status line says everything was sent."""
    press_sync_now(lap, timeout)
    return lap.wait(lambda: sync_idle_and_sent(lap) and sync_status(lap), timeout,
                    "the sync to finish with all changes sent")


def sync_until(lap: Laptop, condition, what: str, timeout: float = LONG, every: float = 3.0) -> None:
    """Sync, and again, until ``condition()`` holds (what arrives shows on screen)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        sync(lap, timeout)
        try:
            if condition():
                return
        except LookupError:
            pass
        if time.monotonic() > deadline:
            lap.wait(condition, 1, what)
        time.sleep(every)


# --------------------------------------------------------------------------- navigation

SECTION_WIDGETS = {"My team": "workerTable", "My supervision": "recordsTable", "Children": "childrenTable"}


def go_to(lap: Laptop, section: str) -> None:
    """A section of the navigation: "My team", "My supervision", ... From a record or a
    history (opened from the section itself) the person goes Back until the section shows."""
    lap.select_row(section, name="navList")
    target = SECTION_WIDGETS.get(section)
    if target is None:
        return
    for _ in range(4):
        try:
            lap.wait_shown(name=target, timeout=3)
            return
        except AssertionError:
            if lap.exists(name="backButton", within={"name": "pageStack"}):
                lap.click(name="backButton", within={"name": "pageStack"})
    lap.wait_shown(name=target)


def back_to_list(lap: Laptop) -> None:
    if lap.exists(name="backButton"):
        lap.click(name="backButton")


# --------------------------------------------------------------------------- the manager's record

def new_record(lap: Laptop, worker_name: str) -> None:
    go_to(lap, "My team")
    lap.select_row(worker_name, name="workerTable")
    lap.click(name="newSessionButton")
    lap.wait_shown(name="childSearchEdit")


def add_case_discussion(lap: Laptop, case_id: str, position: str, decision: str, rationale: str,
                        index: int = 0) -> dict:
    lap.type(case_id, name="childSearchEdit")
    lap.click(name="addDiscussionButton")
    group = discussion_group(index)
    lap.wait_shown(**group)
    inside = {"within": group}
    lap.type(position, name="positionEdit", **inside)
    lap.type(decision, name="decisionEdit", **inside)
    lap.type(rationale, name="rationaleEdit", **inside)
    return group


def add_action(lap: Laptop, within: dict, description: str, due_in_days: int) -> None:
    before = len(lap.rows(name="actionsTable", within=within))
    lap.type(description, name="descriptionEdit", within=within)
    lap.type(due(due_in_days), name="dueEdit", within=within)
    lap.click(name="addActionButton", within=within)
    lap.wait(lambda: len(lap.rows(name="actionsTable", within=within)) > before, 30,
             f"the action {description!r} in the list")


def wait_saved(lap: Laptop) -> None:
    lap.wait_text("saved", name="saveStateLabel", timeout=60)


def share(lap: Laptop) -> None:
    wait_saved(lap)
    lap.click(name="shareButton")
    wait_state(lap, "Shared with supervisee")


def wait_state(lap: Laptop, label: str, timeout: float = LONG) -> None:
    lap.wait(lambda: lap.text(name="stateLabel") == label, timeout,
             f"the record's state to read {label!r} (message: see screen)")


def sign(lap: Laptop) -> None:
    """Sign… (or Sign as supervisor…), then confirm in the box that asks."""
    lap.click(name="signButton")
    lap.wait_shown(name="confirmSignButton", modal=True)
    lap.click(name="confirmSignButton", modal=True)


# --------------------------------------------------------------------------- the worker's side

def open_my_record(lap: Laptop, contains: str) -> None:
    go_to(lap, "My supervision")
    lap.select_row(contains, name="recordsTable")
    lap.click(name="openRecordButton")
    lap.wait_shown(name="stateLabel")


def respond(lap: Laptop, comments: str, disagreement: str | None = None) -> None:
    lap.type(comments, name="commentsEdit")
    if disagreement is None:
        lap.click(name="agreeRadio")
    else:
        lap.click(name="disagreeRadio")
        lap.type(disagreement, name="disagreementEdit")
    lap.click(name="saveResponseButton")
    lap.wait_text("Disagreement recorded" if disagreement else "Agreement recorded",
                  name="responseState", timeout=60)


# --------------------------------------------------------------------------- export

def export_locked(lap: Laptop, folder, worker_name: str | None = None) -> str:
    """Team page > Export…: the signed records to a folder; returns the dialog's last words."""
    go_to(lap, "My team")
    if worker_name:
        lap.select_row(worker_name, name="workerTable")
    lap.click(name="exportButton", within={"cls": "MainWindow"})
    lap.wait_shown(name="startExportButton")
    lap.type(str(folder), clear=True, name="exportFolderEdit")
    lap.click(name="startExportButton")
    message = lap.wait(lambda: (t := lap.text(name="exportMessage")) and "Exporting" not in t and t,
                       LONG, "the export to finish")
    lap.click(name="closeButton", within={"name": "ExportDialog"})
    return message


def discussion_group(index: int = 0) -> dict:
    """The n-th case discussion of the record on screen."""
    return {"name_startswith": "discussion_", "cls": "QGroupBox", "index": index}


def history_rows(lap: Laptop, worker_name: str) -> str:
    """The manager's view of a worker's records (My team > Open history), as text."""
    go_to(lap, "My team")
    lap.select_row(worker_name, name="workerTable")
    lap.click(name="historyButton")
    lap.wait_text(worker_name, name="titleLabel", within={"name": "HistoryPage"})
    # under load the page first says "Loading…" under the worker's name: wait for the count
    lap.wait_text(" record", name="detailLabel", within={"name": "HistoryPage"})
    return str(lap.rows(name="historyTable"))


def open_worker_record(lap: Laptop, worker_name: str, contains: str = "") -> None:
    """My team > the worker > Open history > the record > Open."""
    history_rows(lap, worker_name)
    lap.select_row(contains, name="historyTable")
    lap.click(name="openButton", within={"name": "HistoryPage"})
    lap.wait_shown(name="stateLabel")


def pdfsig(pdf, ca_pem, nss_dir) -> str:
    """poppler's pdfsig over the PDF, trusting only the organisation CA (an NSS database
    made for it with certutil)."""
    import subprocess
    from pathlib import Path

    nss_dir = Path(nss_dir)
    nss_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss_dir}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss_dir}", "-n", "organisation-ca", "-t", "CT,C,C",
                    "-i", str(ca_pem)], check=True, capture_output=True)
    done = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss_dir}", str(pdf)], capture_output=True,
                          text=True, timeout=60)
    return done.stdout + done.stderr


def write_and_share(lap: Laptop, worker_name: str, case_id: str, decision: str,
                    location: str = "Team room 2") -> None:
    """The manager's usual record: a case discussion with an action, shared."""
    new_record(lap, worker_name)
    lap.type(location, name="locationEdit")
    group = add_case_discussion(lap, case_id, "Position as discussed", decision, "Reasons as discussed")
    add_action(lap, group, "Visit within the week", 7)
    share(lap)


def sync_to_my_supervision(lap: Laptop, supervisor_name: str, state: str = "") -> None:
    """The worker syncs until the record from this supervisor (in this state) is listed."""
    go_to(lap, "My supervision")
    sync_until(lap, lambda: any(supervisor_name in str(r) and state in str(r)
                                for r in lap.rows(name="recordsTable")),
               f"a record from {supervisor_name} {state} in My supervision")


def pending_changes(lap: Laptop) -> str:
    return sync_status(lap)


def sync_fails(lap: Laptop, words: str = "server unreachable", timeout: float = LONG) -> str:
    """Sync now while the server cannot be reached: the status line says so."""
    press_sync_now(lap, timeout)
    return lap.wait(lambda: words in sync_status(lap) and sync_status(lap), timeout,
                    f"the status line to say {words!r}")
