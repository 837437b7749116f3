"""Team totals of supervisee feedback, published by the server (issue 21).

Individual answers go to nobody but the supervisee who gave them (``FeedbackTarget``).
What managers get is a ``team_feedback_total`` row per team and *ended* quarter, added up
here from at least ``MIN_ANSWERS`` answers by as many different people (``domain.feedback``).
Answers count in the quarter the server first received them, and a quarter is published
once, after it has ended, so a manager cannot compare two totals to pick out one answer.
Publishing runs whenever feedback is stored (for every team whose ended quarters are not
published yet), inside that write transaction.
"""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from ...domain.feedback import Answer, Balance, summarise
from .schema import record

TABLE = "team_feedback_total"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def publish_feedback_totals(tx, today: date) -> int:
    """Write the totals of every ended quarter not published yet; how many were written."""
    from .storage import system_write  # storage imports this module

    current = quarter_of(today)
    published = {(d["team_id"], d["quarter"]) for d in (
        json.loads(text) for text in tx.conn.execute(
            select(record.c.data).where(record.c.table_name == TABLE)).scalars())}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for data_text, auth_text, tombstone in tx.conn.execute(
            select(record.c.data, record.c.auth, record.c.tombstone)
            .where(record.c.table_name == "supervisee_feedback")).all():
        if tombstone:
            continue
        facts = json.loads(auth_text)
        team, quarter = facts["parent"].get("team"), facts.get("q")
        if team and quarter and quarter < current and (team, quarter) not in published:
            groups[(team, quarter)].append(json.loads(data_text))
    written = 0
    for (team, quarter), answers in sorted(groups.items()):
        total = summarise(answers, people=len({a["supervisee_id"] for a in answers if not a.get("skipped")}))
        if total is None:
            continue
        system_write(tx, TABLE, str(uuid.uuid4()), {
            "team_id": team, "quarter": quarter, "answers": total.answers,
            **{f"helpful_{a.value}": total.helpful[a.value] for a in Answer},
            **{b.value if b != Balance.BALANCED else "balanced": total.balance[b.value] for b in Balance},
            **{f"support_{a.value}": total.support[a.value] for a in Answer},
        })
        written += 1
    return written
