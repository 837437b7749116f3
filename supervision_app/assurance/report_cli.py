"""``supervision-app report ...``: the assurance figures from the command line.

    report compliance --as USER [--team NAME ...] [--months 3|6|12] [--oversight-days N]
                      [--format text|csv|xlsx] [--level teams|workers|trend|oversight]
                      [--output FILE] [--today YYYY-MM-DD]
    report signals    --as USER [--months N] [--team NAME ...] [--format text|csv] [--output FILE]
    report sample     --as AUDITOR --population children|supervision (--size N | --per-stratum N)
                      [--seed N] [--team NAME ...] [--status LEGAL_STATUS ...]
                      [--held-from DATE] [--held-to DATE] [--title TEXT] [--weighted]
    report rounds     --as USER
    report audit      --as USER --round ID --output FILE.pdf

Figures come out as names, dates and counts, never record contents. Each export is noted in
the audit log. Exit status: 0 done, 2 refused (unknown person or team, not allowed, bad
arguments).
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Sequence, TextIO

from sqlalchemy import select

from ..domain.text_rules import InvalidInput, parse_date
from ..domain.time_rules import format_date, london_date, utc_now
from ..errors import AppError
from ..store.audit_log import record_event
from ..store.database import Database
from ..store.models import Staff, Team
from ..store.supervision_records import NotAllowed, NotFound, load_actor

__all__ = ["report_main", "build_parser"]

EXIT_OK = 0
EXIT_REFUSED = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supervision-app report",
                                     description="Assurance figures, quality signals and audit rounds.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, months=True):
        p.add_argument("--as", dest="username", required=True, metavar="USERNAME",
                       help="whose view of the figures (their teams only)")
        if months:
            p.add_argument("--months", type=int, choices=(3, 6, 12), default=6)
            p.add_argument("--team", action="append", metavar="NAME",
                           help="only this team (repeat for more); default: every team you manage")
            p.add_argument("--today", metavar="YYYY-MM-DD", help="work the figures out as on this day")

    p = sub.add_parser("compliance", help="supervision compliance figures")
    common(p)
    p.add_argument("--oversight-days", type=int, default=90,
                   help="oversight interval in days (default 90)")
    p.add_argument("--format", choices=("text", "csv", "xlsx"), default="text")
    p.add_argument("--level", choices=("teams", "workers", "trend", "oversight"), default="teams",
                   help="which table a CSV holds (XLSX holds them all)")
    p.add_argument("--output", type=Path, help="file to write (default: the terminal)")

    p = sub.add_parser("signals", help="quality signals (copied text, thin rationale...)")
    common(p)
    p.add_argument("--format", choices=("text", "csv"), default="text")
    p.add_argument("--output", type=Path)

    p = sub.add_parser("sample", help="draw a dip sample and open an audit round")
    common(p, months=False)
    p.add_argument("--population", choices=("children", "supervision"), required=True)
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--size", type=int)
    size.add_argument("--per-stratum", type=int)
    p.add_argument("--seed", type=int, help="repeat an earlier draw (default: a new random seed)")
    p.add_argument("--team", action="append", metavar="NAME")
    p.add_argument("--status", action="append", metavar="LEGAL_STATUS",
                   choices=("child_in_need", "child_protection", "child_looked_after", "care_leaver", "none"))
    p.add_argument("--held-from", metavar="DATE")
    p.add_argument("--held-to", metavar="DATE")
    p.add_argument("--title", default="Dip sample")
    p.add_argument("--weighted", action="store_true",
                   help="draw records with quality signals more often")

    p = sub.add_parser("rounds", help="list audit rounds")
    common(p, months=False)

    p = sub.add_parser("audit", help="write an audit round's report as PDF")
    common(p, months=False)
    p.add_argument("--round", dest="round_id", required=True)
    p.add_argument("--output", type=Path, required=True)
    return parser


class _Refused(AppError):
    pass


def report_main(argv: Sequence[str], database: Database, *, stdout: TextIO | None = None,
                stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:
        return EXIT_OK if stop.code == 0 else EXIT_REFUSED
    try:
        return _COMMANDS[args.command](args, database, out)
    except (_Refused, NotAllowed, NotFound, InvalidInput) as refused:
        print(f"report: {getattr(refused, 'reason', None) or refused}", file=err)
        return EXIT_REFUSED


def _actor(session, username: str):
    staff_id = session.scalar(select(Staff.id).where(Staff.username == username))
    if staff_id is None:
        raise _Refused(f"there is nobody called '{username}' in this profile's directory")
    return load_actor(session, staff_id)


def _team_ids(session, names: list[str] | None) -> list[str] | None:
    if not names:
        return None
    ids = []
    for name in names:
        found = list(session.scalars(select(Team.id).where(Team.name == name, Team.tombstone.is_(False))))
        if not found:
            raise _Refused(f"there is no team called '{name}'")
        ids.extend(found)
    return ids


def _today(args) -> date:
    return parse_date("--today", args.today) if getattr(args, "today", None) else london_date(utc_now())


def _emit(out: TextIO, text: str, path: Path | None) -> None:
    if path is None:
        out.write(text)
    else:
        path.write_text(text, encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8", newline="")
        out.write(f"Written {path}\n")


def _compliance(args, db: Database, out: TextIO) -> int:
    from .compliance import AssuranceSettings, compliance_dashboard
    from .export import csv_text, text_report, write_xlsx

    if args.format == "xlsx" and args.output is None:
        raise _Refused("an XLSX workbook needs --output FILE.xlsx")
    with db.transaction() as s:
        actor = _actor(s, args.username)
        team_ids = _team_ids(s, args.team)
        dashboard = compliance_dashboard(
            s, actor, today=_today(args), months=args.months, team_ids=team_ids,
            settings=AssuranceSettings(oversight_interval_days=args.oversight_days))
        if not dashboard.teams:
            raise _Refused("you do not manage any of the teams asked for, so there are no figures to show")
        record_event(s, actor_id=actor.staff_id, action="export_figures", record_kind="compliance")
    if args.format == "xlsx":
        write_xlsx(args.output, dashboard)
        out.write(f"Written {args.output}\n")
    elif args.format == "csv":
        _emit(out, csv_text(dashboard, args.level), args.output)
    else:
        _emit(out, text_report(dashboard), args.output)
    return EXIT_OK


def _signals(args, db: Database, out: TextIO) -> int:
    from .rules import period_months
    from .signals import quality_signals

    today = _today(args)
    with db.transaction() as s:
        actor = _actor(s, args.username)
        result = quality_signals(s, actor, today=today, since=period_months(today, args.months).start,
                                 team_ids=_team_ids(s, args.team))
        names = dict(s.execute(select(Staff.id, Staff.display_name)).all())
        teams = dict(s.execute(select(Team.id, Team.name)).all())
        record_event(s, actor_id=actor.staff_id, action="export_figures", record_kind="quality_signals")
    if args.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["Signal", "Date", "Worker", "Team", "Record kind", "Record id", "Detail"])
        for sig in result.signals:
            writer.writerow([sig.kind.label, sig.when.isoformat() if sig.when else "",
                             names.get(sig.staff_id, ""), teams.get(sig.team_id, ""), sig.record_kind,
                             sig.record_id, sig.detail])
        _emit(out, buffer.getvalue(), args.output)
    else:
        lines = [f"Quality signals since {format_date(result.since)} (drafts not looked at):"]
        for kind, n in result.counts().items():
            lines.append(f"  {kind.label}: {n}")
        _emit(out, "\n".join(lines) + "\n", args.output)
    return EXIT_OK


def _sample(args, db: Database, out: TextIO) -> int:
    from .audit import create_round, round_report
    from .signals import quality_signals, sampling_weights

    held_from = parse_date("--held-from", args.held_from) if args.held_from else None
    held_to = parse_date("--held-to", args.held_to) if args.held_to else None
    with db.transaction() as s:
        actor = _actor(s, args.username)
        team_ids = _team_ids(s, args.team)
        weights = None
        if args.weighted:
            today = london_date(utc_now())
            signals = quality_signals(s, actor, today=today,
                                      since=held_from or (today - timedelta(days=365)))
            weights = sampling_weights(signals, args.population)
        round_id = create_round(s, actor, title=args.title, kind=args.population, size=args.size,
                                per_stratum=args.per_stratum, seed=args.seed, team_ids=team_ids,
                                legal_statuses=args.status, held_from=held_from, held_to=held_to,
                                weights=weights)
        report = round_report(s, actor, round_id)
    out.write(f"Audit round {round_id}: {len(report.items)} records drawn from "
              f"{report.design['population_size']} with seed {report.seed}\n")
    for item in report.items:
        out.write(f"  {item.position:3d}. {item.record_label} [{item.stratum_label}]\n")
    return EXIT_OK


def _rounds(args, db: Database, out: TextIO) -> int:
    from .audit import list_rounds

    with db.reading() as s:
        rounds = list_rounds(s, _actor(s, args.username))
    if not rounds:
        out.write("No audit rounds to show.\n")
    for r in rounds:
        out.write(f"{r.round_id}  {r.created_on:%d/%m/%Y}  {r.state:<9}  {r.graded}/{r.sample_size} graded  "
                  f"{r.open_actions} open actions  {r.title}\n")
    return EXIT_OK


def _audit(args, db: Database, out: TextIO) -> int:
    from .audit import round_report
    from .report_pdf import render_round_pdf

    with db.transaction() as s:
        actor = _actor(s, args.username)
        report = round_report(s, actor, args.round_id)
        record_event(s, actor_id=actor.staff_id, action="export", record_kind="audit_round",
                     record_id=report.round_id)
    args.output.write_bytes(render_round_pdf(report))
    out.write(f"Written {args.output}\n")
    return EXIT_OK


_COMMANDS = {"compliance": _compliance, "signals": _signals, "sample": _sample, "rounds": _rounds,
             "audit": _audit}
