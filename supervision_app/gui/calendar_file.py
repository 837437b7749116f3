"""Save the next planned supervision as a calendar invitation (.ics) the person opens in
Outlook: read (and audited) in the background, then saved where they choose."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from .tasks import user_message


def save_invitation(ctx, parent: QWidget, load: Callable) -> None:
    """``load(session)`` returns the :class:`PlannedSupervision` (in the task runner)."""
    def chosen(planned) -> None:
        from ..records.calendar_invite import invitation_file_name, invitation_ics

        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getSaveFileName(
            parent, "Save calendar invitation", str(Path(folder) / invitation_file_name(planned)),
            "Calendar invitation (*.ics)")
        if not path:
            return
        if not path.lower().endswith(".ics"):
            path += ".ics"
        data = invitation_ics(planned)

        def write():
            Path(path).write_bytes(data)
            return path

        ctx.tasks.write_unit(write, lambda p: ctx.notify(
            f"Saved the invitation for {planned.starts:%d/%m/%Y %H:%M}: open {Path(p).name} to add it "
            "to Outlook (saving it again later updates the same entry)."),
            lambda e: ctx.notify(user_message(e)))

    ctx.tasks.write(load, chosen, lambda e: ctx.notify(user_message(e)))
