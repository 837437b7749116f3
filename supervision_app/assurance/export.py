"""Compliance figures as CSV, XLSX and plain text, for people who paste them into board
papers. Names, dates and counts only: no record contents.

CSV cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``)
are prefixed with an apostrophe; XLSX cells are written as typed strings and numbers, never
formulas.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..domain.time_rules import format_date
from .compliance import FIGURES, ComplianceDashboard, Figure

__all__ = ["LEVELS", "table", "write_csv", "write_xlsx", "text_report", "csv_text"]

LEVELS = ("teams", "workers", "trend", "oversight")
_RATIO_KEYS = [k for k in FIGURES if k in ("within_policy", "overdue_now", "shared_on_time",
                                            "signed_on_time", "children_without_oversight",
                                            "group_sessions_signed", "group_signed_on_time")]


def _figure_headers() -> list[str]:
    out = []
    for key, (label, _better) in FIGURES.items():
        if key in _RATIO_KEYS:
            out += [f"{label}: count", f"{label}: of", f"{label}: %"]
        else:
            out.append(label)
    return out


def _figure_cells(figures: dict[str, Figure]) -> list[Any]:
    out: list[Any] = []
    for key in FIGURES:
        f = figures[key]
        if key in _RATIO_KEYS:
            pct = f.percent
            out += [f.numerator, f.denominator, None if pct is None else round(pct, 1)]
        else:
            out.append(f.numerator)
    return out


def table(dashboard: ComplianceDashboard, level: str) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of one view of the dashboard."""
    if level == "teams":
        headers = ["Team", "Workers", *_figure_headers()]
        rows = [[t.name, t.workers, *_figure_cells(t.figures)] for t in dashboard.teams]
        rows.append(["All teams in scope", sum(t.workers for t in dashboard.teams),
                     *_figure_cells(dashboard.total)])
        return headers, rows
    if level == "workers":
        headers = ["Worker", "Team", "Role", "ASYE", "Supervision now", "Next due",
                   "Last signed session", *_figure_headers()]
        rows = [[w.name, w.team_name, w.role.label, "Yes" if w.is_asye else "", w.status_label or w.status.label,
                 format_date(w.next_due), format_date(w.last_signed) or "Never",
                 *_figure_cells(w.figures)] for w in dashboard.workers]
        return headers, rows
    if level == "trend":
        headers = ["Month", "Supervisions due", "Held within policy", "Within policy %",
                   "Records due shared", "Shared on time", "Shared on time %"]
        rows = [[f"{p.month:%Y-%m}", p.due, p.within_policy,
                 None if p.within_percent is None else round(p.within_percent, 1),
                 p.shared_due, p.shared_on_time,
                 None if p.shared_percent is None else round(p.shared_percent, 1)]
                for p in dashboard.trend]
        return headers, rows
    if level == "oversight":
        headers = ["Legal status", "Children", "Without oversight", "Without oversight %"]
        rows = [[o.legal_status.label, o.children, o.without_oversight.numerator,
                 None if o.without_oversight.percent is None else round(o.without_oversight.percent, 1)]
                for o in dashboard.oversight_by_status]
        p = dashboard.care_leavers_pathway
        rows.append(["Care leavers with a pathway plan", p.denominator, p.numerator,
                     None if p.percent is None else round(p.percent, 1)])
        return headers, rows
    raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_text(dashboard: ComplianceDashboard, level: str) -> str:
    headers, rows = table(dashboard, level)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_safe(h) for h in headers])
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return buffer.getvalue()


def write_csv(path: Path | str, dashboard: ComplianceDashboard, level: str = "workers") -> None:
    Path(path).write_text(csv_text(dashboard, level), encoding="utf-8-sig", newline="")


def write_xlsx(path: Path | str, dashboard: ComplianceDashboard) -> None:
    """One workbook: a cover sheet, then teams, workers, the monthly trend and oversight."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                               "strings_to_urls": False,
                                               "strings_to_numbers": False})
    try:
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        cover = workbook.add_worksheet("About")
        cover.write_string(0, 0, "Supervision compliance", bold)
        facts = [("Scope", dashboard.scope_label), ("Period", dashboard.period.label),
                 ("Figures on", format_date(dashboard.today)),
                 ("Oversight interval (days)", str(dashboard.settings.oversight_interval_days)),
                 ("Counting", "Signed (locked) records only; unsigned records are shown apart")]
        for n, (k, v) in enumerate(facts, start=2):
            cover.write_string(n, 0, k, bold)
            cover.write_string(n, 1, v)
        cover.set_column(0, 0, 28)
        cover.set_column(1, 1, 60)
        for level in ("teams", "workers", "trend", "oversight"):
            sheet = workbook.add_worksheet(level.capitalize())
            headers, rows = table(dashboard, level)
            for c, h in enumerate(headers):
                sheet.write_string(0, c, h, bold)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    if value is None:
                        sheet.write_blank(r, c, None)
                    elif isinstance(value, (int, float)):
                        sheet.write_number(r, c, value)
                    else:
                        sheet.write_string(r, c, str(value))
            sheet.freeze_panes(1, 1)
            sheet.set_row(0, 45)
            sheet.set_column(0, 0, 28)
            sheet.set_column(1, len(headers), 14)
    finally:
        workbook.close()


def text_report(dashboard: ComplianceDashboard) -> str:
    """A plain-text summary for the terminal or an email."""
    lines = [f"Supervision compliance: {dashboard.scope_label}",
             f"{dashboard.period.label} (figures on {format_date(dashboard.today)}; signed records only)",
             ""]
    width = max(len(label) for label, _ in FIGURES.values())
    for key, (label, _better) in FIGURES.items():
        lines.append(f"  {label:<{width}}  {dashboard.total[key].display}")
    lines += ["", "By team:"]
    for t in dashboard.teams:
        lines.append(f"  {t.name}: within policy {t.figures['within_policy'].display}; "
                     f"overdue now {t.figures['overdue_now'].display}; "
                     f"children without oversight {t.figures['children_without_oversight'].display}")
    lines += ["", "Supervision within policy by month:"]
    for p in dashboard.trend:
        pct = "n/a" if p.within_percent is None else f"{p.within_percent:.0f}%"
        lines.append(f"  {p.month:%b %Y}: {pct} ({p.within_policy}/{p.due})")
    lines += [f"  {note}" for note in dashboard.notes]
    lines += ["", f"Children without management oversight in {dashboard.settings.oversight_interval_days} days:"]
    for o in dashboard.oversight_by_status:
        lines.append(f"  {o.legal_status.label}: {o.without_oversight.display}")
    lines.append(f"  Care leavers with a pathway plan: {dashboard.care_leavers_pathway.display}")
    return "\n".join(lines) + "\n"
