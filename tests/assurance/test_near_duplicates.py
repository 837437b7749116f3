"""Near-duplicate detection finds a pasted paragraph with small edits and ignores ordinary
shared phrases."""
from __future__ import annotations

from supervision_app.assurance.near_duplicates import TextUnit, find_near_duplicates, shingles
from tests.assurance.sample_texts import EDITED, PASTED

STOCK = "The child was seen alone and their wishes and feelings were recorded."

OTHERS = [
    "Grandmother is providing respite care at weekends and the arrangement is working well for "
    "everyone. The referral to CAMHS was accepted and an appointment is expected next month. "
    "Housing have agreed to review the overcrowding and a decision will follow.",
    "The young person has moved into supported lodgings and is settling in. Their personal "
    "adviser meets them fortnightly and the pathway plan was reviewed in May. College "
    "attendance is good and a bursary application has been made.",
    "Police attended two incidents of domestic abuse in the last month. The strategy "
    "discussion agreed a section 47 enquiry and the safety plan was updated with the mother. "
    "The domestic abuse advocate will contact her this week.",
    "Foster carers report that sleep has improved since the change of bedroom. Contact with "
    "siblings is now weekly and goes well. The virtual school is arranging additional tuition "
    "in maths before the summer holidays.",
]


def unit(record, text, field="current_position"):
    return TextUnit("case_discussion", record, field, f"session-{record}", text)


def test_finds_a_pasted_paragraph_with_small_edits():
    units = [unit("r0", PASTED + "\n" + STOCK), unit("r1", STOCK + "\n" + EDITED)]
    units += [unit(f"o{k}", text + " " + STOCK) for k, text in enumerate(OTHERS)]
    pairs = find_near_duplicates(units)
    assert [(p.first.record_id, p.second.record_id) for p in pairs] in ([("r0", "r1")], [("r1", "r0")])
    assert pairs[0].jaccard >= 0.5
    assert pairs[0].first.text == "" and pairs[0].second.text == ""  # no text comes out


def test_ordinary_shared_phrases_are_not_copying():
    units = [unit(f"o{k}", STOCK + " " + text + " No further action is needed at this time.")
             for k, text in enumerate(OTHERS)]
    assert find_near_duplicates(units) == []


def test_the_same_record_is_never_paired_with_itself_and_short_text_is_skipped():
    units = [unit("r0", PASTED, "worries"), unit("r0", PASTED, "current_position"),
             unit("a", "Visit weekly and review."), unit("b", "Visit weekly and review.")]
    assert find_near_duplicates(units) == []


def test_stock_phrases_used_across_many_records_are_dropped():
    boiler = ("This case was discussed in supervision and the plan remains appropriate to meet "
              "the child's needs and no further concerns were raised by any agency involved.")
    units = [unit(f"r{k}", boiler) for k in range(30)] + [
        unit("x1", PASTED), unit("x2", EDITED)]
    pairs = find_near_duplicates(units, common_min_records=10)
    assert {frozenset((p.first.record_id, p.second.record_id)) for p in pairs} == {frozenset(("x1", "x2"))}


def test_shingles_are_stable_across_processes():
    import subprocess
    import sys

    here = sorted(shingles(PASTED))[:5]
    code = ("from supervision_app.assurance.near_duplicates import shingles;"
            f"print(sorted(shingles({PASTED!r}))[:5])")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": ""}, cwd=".", check=True).stdout
    assert there.strip() == str(here)
