"""A process's state, parent and CPU time from Linux ``/proc``: the server's document workers
(``sync.server.document_workers``) are its child processes, and the tests and ``bench_push``
find them and count their CPU here."""
from __future__ import annotations

import os
from pathlib import Path


def stat(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name: state, ppid, ... (None once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def running_children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, zombies aside."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid and fields[0] != "Z":
                children.append(int(entry.name))
    return children


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far."""
    fields = stat(pid)
    if fields is None:
        raise ProcessLookupError(f"process {pid} has ended")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ended(pid: int) -> bool:
    fields = stat(pid)
    return fields is None or fields[0] in ("Z", "X")
