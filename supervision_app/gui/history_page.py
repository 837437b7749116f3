"""A worker's supervision records, newest first (from the team page, or a figure on the
compliance page)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer

from ..domain.time_rules import format_london
from ..store import queries
from .models import FilterProxy, RowsModel
from .page_forms import HistoryPageForm
from .pages import (
    SESSION_COLUMNS,
    Page,
    current_row,
    select_first,
    setup_table,
)
from .table_width import wrap_headings

LOADING_DELAY_MS = 150  # below this, records arriving look instant; a loading state would flash


class HistoryPage(Page):
    form_name = "history_page.ui"
    form_class = HistoryPageForm
    form: HistoryPageForm

    def setup(self) -> None:
        f = self.form
        self.worker_id: str | None = None
        self._name = ""
        self._request = 0
        self._then: Callable[[], None] | None = None
        self._loading = QTimer(self)
        self._loading.setSingleShot(True)
        self._loading.setInterval(LOADING_DELAY_MS)
        self._loading.timeout.connect(self._show_loading)
        self.model = RowsModel(SESSION_COLUMNS, self)
        self.proxy = FilterProxy(self.model, self)
        setup_table(f.historyTable, self.proxy, stretch=None, sort_column=0,
                    order=Qt.SortOrder.DescendingOrder)
        # "Children discussed" over a count took the width the dates and states were cut for
        wrap_headings(f.historyTable)
        f.historyTable.setColumnHidden(1, True)  # the supervisee: the same on every row
        f.historyTable.activated.connect(lambda _i: self.open_record())
        f.openButton.clicked.connect(self.open_record)
        f.newSessionButton.clicked.connect(lambda: self.ctx.window.new_session(self.worker_id))
        f.exportButton.clicked.connect(lambda: self.ctx.window.open_export(worker_id=self.worker_id))
        f.backButton.clicked.connect(self.ctx.window.go_back)

    def first_focus(self):
        return self.form.historyTable

    def show_worker(self, worker_id: str, name: str, then: Callable[[], None] | None = None) -> None:
        """Load ``worker_id``'s history; ``then()`` is called once the page is worth showing:
        with the records, or saying it is loading if they take longer than
        ``LOADING_DELAY_MS``. Until then whatever was on screen stays: a flash of an empty
        "Loading…" page cost two full repaints of the window on every quick open."""
        self.worker_id, self._name = worker_id, name
        self._then = then
        self._loading.start()
        self._load(worker_id)

    def refresh(self) -> None:
        if self.worker_id is not None:
            self._load(self.worker_id)

    def _load(self, worker: str) -> None:
        actor = self.ctx.actor
        self._request += 1
        request = self._request  # a newer request makes an older answer stale
        self.ctx.tasks.read(lambda s: queries.worker_history(s, actor, worker),
                            lambda rows: self._show(rows, request),
                            lambda error: self._failed(error, request))

    def _show_loading(self) -> None:
        """The records are slow to come: show whose they will be, and that they are coming
        (never the previous worker's rows under this name)."""
        self.form.titleLabel.setText(f"Supervision history: {self._name}")
        self.form.detailLabel.setText("Loading…")
        self.model.set_rows([])
        self._reveal()

    def _reveal(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()

    def _show(self, rows, request: int | None = None) -> None:
        if request is not None and request != self._request:
            return
        self._loading.stop()
        self.form.titleLabel.setText(f"Supervision history: {self._name}")
        self.model.set_rows(rows)
        select_first(self.form.historyTable)
        latest = f"; latest {format_london(rows[0].held_at)}" if rows else ""
        self.form.detailLabel.setText(f"{len(rows)} record{'s' if len(rows) != 1 else ''}{latest}")
        self.form.newSessionButton.setVisible(bool(self.ctx.actor.managed_team_ids))
        self._reveal()
        self.loaded.emit()

    def _failed(self, error, request: int) -> None:
        if request != self._request:
            return
        self._loading.stop()
        self._then = None  # stay where the person was; the status bar says what went wrong
        self.failed(error)

    def open_record(self) -> None:
        row = current_row(self.form.historyTable)
        if row is not None:
            self.ctx.window.open_session(row.session_id)
