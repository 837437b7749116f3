"""Plausible, generic social-work prose for synthetic records, built from templates.

Nothing here describes a real case: sentences are assembled at random from the stock
phrases of supervision recording (Signs of Safety headings, decisions with rationale,
actions). The words vary enough that full-text search has something to find and to miss.

Each ``Facts`` holds the slot values for one child discussed (first name, the adult and
agency involved, the main worry...), so the sentences of one discussion agree with each
other. Everything is drawn from the ``random.Random`` passed in, so output is repeatable.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

CIN, CP, CLA, CL = "child_in_need", "child_protection", "child_looked_after", "care_leaver"

ADULTS = (
    "mother", "father", "maternal grandmother", "paternal grandmother", "stepfather",
    "maternal aunt", "paternal uncle", "mother's partner", "older sibling", "family friend",
)
CARERS_CLA = ("foster carer", "kinship carer", "residential keyworker", "connected carer",
              "supported lodgings provider")
AGENCIES = (
    "school", "health visitor", "GP", "CAMHS", "police", "school nurse", "Youth Justice Service",
    "housing officer", "early help worker", "designated safeguarding lead", "substance misuse service",
    "domestic abuse advocate", "speech and language therapist", "paediatrician", "virtual school",
    "Independent Reviewing Officer", "personal adviser", "family hub",
)
CONCERNS = {
    CIN: ("poor school attendance", "housing instability", "parental mental health",
          "emotional wellbeing", "unmet health needs", "conflict at home", "online safety",
          "caring responsibilities", "financial hardship"),
    CP: ("neglect of basic care", "domestic abuse", "parental substance misuse", "emotional harm",
         "physical chastisement", "unsafe sleeping arrangements", "criminal exploitation",
         "sexual exploitation", "missing episodes", "parental alcohol misuse"),
    CLA: ("placement stability", "contact arrangements", "missing episodes", "self-harm",
          "school exclusion", "identity needs", "sibling contact", "emotional wellbeing",
          "risk of exploitation"),
    CL: ("tenancy sustainment", "education, employment or training", "mental health",
         "debt and budgeting", "risk of exploitation", "isolation", "substance use",
         "move to independence"),
}
STRENGTHS = (
    "has attended every appointment this month",
    "has a warm and consistent relationship with the {adult}",
    "is engaging well with the family support worker",
    "has settled into the new routine",
    "school report a clear improvement in attendance",
    "speaks positively about the support from the {agency}",
    "has kept to the safety plan agreed at the last meeting",
    "has started to talk openly about worries",
    "has a trusted adult in the wider family",
    "has maintained regular contact with siblings",
    "the home conditions have improved and have been sustained",
    "the {adult} has completed the parenting programme",
)
PLANS = {CIN: "child in need plan", CP: "child protection plan", CLA: "care plan",
         CL: "pathway plan"}
MEETINGS = {CIN: "child in need review", CP: "core group meeting", CLA: "looked after review",
            CL: "pathway plan review"}
CATEGORIES = ("neglect", "neglect", "emotional abuse", "physical abuse", "sexual abuse")
SETTINGS = ("nursery", "primary school", "secondary school", "college", "alternative provision")


@dataclass(frozen=True)
class Facts:
    name: str
    status: str
    adult: str
    agency: str
    concern: str
    strength: str
    setting: str
    plan: str
    meeting: str
    weeks: int
    category: str

    def as_slots(self) -> dict[str, object]:
        return {
            "name": self.name, "adult": self.adult, "agency": self.agency,
            "concern": self.concern, "strength": self.strength, "setting": self.setting,
            "plan": self.plan, "meeting": self.meeting, "weeks": self.weeks,
            "category": self.category,
        }


def facts_for(rng: random.Random, first_name: str, status: str, age: int) -> Facts:
    adult = rng.choice(CARERS_CLA if status == CLA else ADULTS)
    agency = rng.choice(AGENCIES)
    if age < 5:
        setting = "nursery"
    elif age < 11:
        setting = "primary school"
    elif age < 16:
        setting = rng.choice(("secondary school", "secondary school", "alternative provision"))
    else:
        setting = "college"
    strength = rng.choice(STRENGTHS).format(adult=adult, agency=agency)
    return Facts(
        name=first_name, status=status, adult=adult, agency=agency,
        concern=rng.choice(CONCERNS[status]), strength=strength, setting=setting,
        plan=PLANS[status], meeting=MEETINGS[status], weeks=rng.choice((2, 3, 4, 6, 8)),
        category=rng.choice(CATEGORIES),
    )


_POSITION = {
    CIN: (
        "{name} remains on a {plan}; the last {meeting} was held {weeks} weeks ago.",
        "Home visit completed since the last supervision; {name} was seen alone and spoke about {setting}.",
        "The {agency} has shared an update about {concern} and is attending the {meeting}.",
        "The {plan} was updated after the assessment concluded that needs remain around {concern}.",
    ),
    CP: (
        "{name} has been subject to a {plan} under the category of {category} for {weeks} weeks.",
        "{name} remains subject to a {plan}; the last {meeting} took place {weeks} weeks ago.",
        "Statutory visits are up to date and {name} was seen alone at the last visit.",
        "A strategy discussion was held with police and health following new information about {concern}.",
        "The {agency} reported a further incident linked to {concern} last week.",
    ),
    CLA: (
        "{name} is placed with {adult} and the placement is described as settled.",
        "{name} has been looked after for {weeks} months; the next {meeting} is booked.",
        "The {agency} has raised {concern} and a placement stability meeting has been requested.",
        "Contact with the {adult} continues fortnightly and is supervised by the family time team.",
    ),
    CL: (
        "{name} is living in supported accommodation and is in contact with the personal adviser.",
        "The {plan} was reviewed {weeks} weeks ago; {name} is working towards independence.",
        "{name} has started a course at {setting} and attendance has been variable.",
        "Concerns about {concern} were discussed with {name} at the last visit.",
    ),
}
_WORRIES = (
    "We are worried that the concerns about {concern} continue to affect {name}'s day-to-day care.",
    "The {agency} remains worried about {concern} and the impact on {name}'s emotional wellbeing.",
    "There is a risk that progress is not sustained without the current level of support.",
    "We are worried that the {adult} has not engaged consistently with the plan.",
    "Missed health appointments mean {name}'s needs may not be met.",
    "If nothing changes, {name} may experience further harm linked to {concern}.",
    "The history of {concern} suggests a pattern that needs closer oversight.",
)
_WORKING_WELL = (
    "{name} {strength}.",
    "The {agency} and the family communicate well and share information promptly.",
    "The {adult} has acknowledged the worries and is working with the plan.",
    "{name} is attending {setting} regularly and staff describe good progress.",
    "Safety planning has been understood by the family network.",
)
_NEEDS = (
    "The {plan} needs to be updated before the next {meeting}.",
    "A joint visit with the {agency} should take place within {weeks} weeks.",
    "The family network meeting needs to be reconvened to strengthen the safety plan.",
    "{name}'s views need to be gathered directly and recorded for the {meeting}.",
    "A referral to the {agency} should be made to address {concern}.",
    "The chronology needs to be brought up to date.",
)
_DECISION = {
    CIN: (
        "Continue with the {plan} and review at the next {meeting}.",
        "Step down to early help with a family hub worker, with the agreement of the family.",
        "Complete an updated assessment given the new information about {concern}.",
        "Close the case after the {meeting} if progress is sustained.",
    ),
    CP: (
        "Continue with the {plan}; risks are not yet reduced enough to step down.",
        "Convene a strategy discussion to consider section 47 enquiries.",
        "Request a legal planning meeting to consider whether the threshold for proceedings is met.",
        "Recommend to the review conference that the {plan} continues under the same category.",
        "Increase statutory visits to weekly until the next {meeting}.",
    ),
    CLA: (
        "Continue with the current placement and care plan; review at the {meeting}.",
        "Convene a placement stability meeting within two weeks.",
        "Refer for a therapeutic assessment to support {name} and the carers.",
        "Agree a revised contact plan with the {adult} and the Independent Reviewing Officer.",
    ),
    CL: (
        "Continue with the {plan} and support the move to independence.",
        "Refer to the housing panel for a move to a supported tenancy.",
        "Agree additional personal adviser contact while concerns about {concern} remain.",
        "Review the {plan} with {name} within four weeks.",
    ),
}
_RATIONALE = (
    "The safety scale of {scale} reflects the progress made alongside continuing worries about {concern}.",
    "This is proportionate: the evidence shows {name}'s needs are being met but remain fragile.",
    "The decision balances {name}'s wishes and feelings with the professional view of risk.",
    "The {agency} agrees with this plan and will share information if circumstances change.",
    "Stepping up or down now would not be in {name}'s interests given the recent change.",
    "The threshold guidance has been considered and the plan is consistent with it.",
    "Management oversight is needed because concerns about {concern} have been raised more than once.",
)
_ACTIONS = (
    "Complete a home visit and see {name} alone",
    "Update the {plan} and share it with the family",
    "Arrange a joint visit with the {agency}",
    "Convene the {meeting}",
    "Request an update from the {agency}",
    "Complete the chronology and upload it to the case record",
    "Make a referral to the {agency}",
    "Hold a family network meeting",
    "Gather {name}'s views for the {meeting}",
    "Send the updated safety plan to the {adult}",
)
_SESSION_ACTIONS = (
    "Book onto the next available training on trauma-informed practice",
    "Complete the outstanding case summaries",
    "Arrange shadowing with an experienced colleague",
    "Update the supervision agreement",
    "Book annual leave and arrange cover",
    "Complete the mandatory safeguarding refresher",
)
_WELLBEING = (
    "The worker reported feeling well supported by the team.",
    "Discussed the emotional impact of recent court work; the worker was reminded of the employee "
    "assistance programme.",
    "The worker described feeling stretched this month and we agreed to review the caseload.",
    "The worker has returned from leave and is feeling refreshed.",
    "We discussed how to manage the travel time between visits.",
    "The worker raised that a recent visit was distressing; a reflective discussion was held.",
)
_WORKLOAD = (
    "Caseload reviewed; {count} children allocated, of whom several are on child protection plans.",
    "Two transfers in are expected next month; no new allocations for two weeks.",
    "Recording is up to date except for two visit notes, to be completed this week.",
    "The worker is on duty next week; court reports are due in three weeks.",
    "Annual leave booked for next month; cover arranged within the team.",
)
_LEARNING = (
    "Reflected on the use of the Signs of Safety scaling question with a reluctant parent.",
    "Attended training on contextual safeguarding and shared the learning with the team.",
    "Discussed research on neglect and the use of the graded care profile.",
    "Reflected on direct work with younger children and tools to capture their voice.",
    "Completed the e-learning on the Mental Capacity Act for care leavers.",
    "Observed practice feedback was discussed; strengths in analysis noted.",
)
_ASYE = (
    "ASYE progress reviewed: the first direct observation is complete and reflective logs are up to date.",
    "ASYE: protected caseload maintained; the portfolio is on track for the interim review.",
    "ASYE: discussed the professional capabilities framework and evidence for the midpoint review.",
)
_COMMENTS = (
    "I agree this is an accurate record of our discussion.",
    "Thank you, this reflects what we agreed.",
    "Accurate record. I will complete the actions by the dates given.",
    "I agree with the record; I have added the date of the next core group.",
)
_DISAGREEMENT = (
    "I do not agree with the decision to step down {name}'s plan. In my view the worries "
    "about {concern} have not reduced enough and the {agency} shares this view.",
    "I disagree with the decision for {name}: the family have not yet shown sustained change "
    "and I would like this escalated to the service manager.",
)
_REVIEW_NOTES = {
    "open": ("Carried forward; in progress.", "Not yet done; new date agreed.",
             "Partly complete; awaiting a reply from the {agency}."),
    "done": ("Completed.", "Recorded on the case file.", "Completed and shared with the family."),
    "no_longer_needed": ("No longer needed following the change of plan.",
                         "Superseded by the decision at the {meeting}."),
}
_OVERSIGHT_DECISIONS = {
    "referral_decision": ("Accept the referral for a child and family assessment within 45 working days.",
                          "Refer to early help; the threshold for statutory services is not met."),
    "strategy_discussion": ("Section 47 enquiries to be undertaken jointly with police.",
                            "No further action under section 47; continue under the {plan}."),
    "plan_review": ("The {plan} remains appropriate and will be reviewed at the next {meeting}.",
                    "The {plan} is amended to address {concern}."),
    "transfer": ("Transfer to the long-term team agreed; transfer visit to take place jointly.",),
    "closure": ("Case closure agreed with a step-down letter to the family and the {agency}.",),
    "visit_overdue": ("Statutory visit overdue: visit to take place within five working days.",),
    "other": ("Management oversight recorded; the current plan continues.",),
}
_ADDENDA = (
    "Addendum: the date of the next {meeting} recorded above was wrong; it is two weeks later.",
    "Addendum: further information from the {agency} received after this supervision is noted here.",
    "Addendum: the action owner for the referral is the team manager, not the allocated worker.",
)
LOCATIONS = ("Team office, meeting room 2", "Team office, quiet room", "Video call",
             "Family hub, interview room", "Civic centre, room 4.12")


def _pick(rng: random.Random, pool: tuple[str, ...], slots: dict[str, object], count: int) -> str:
    chosen = rng.sample(pool, min(count, len(pool)))
    return " ".join(sentence.format(**slots) for sentence in chosen)


@dataclass(frozen=True)
class DiscussionText:
    current_position: str
    worries: str
    working_well: str
    needs_to_happen: str
    decision: str
    rationale: str


def discussion_text(rng: random.Random, facts: Facts, scale: int) -> DiscussionText:
    slots = facts.as_slots()
    slots["scale"] = f"{scale}/10"
    return DiscussionText(
        current_position=_pick(rng, _POSITION[facts.status], slots, rng.randint(1, 3)),
        worries=_pick(rng, _WORRIES, slots, rng.randint(1, 2)),
        working_well=_pick(rng, _WORKING_WELL, slots, rng.randint(1, 2)),
        needs_to_happen=_pick(rng, _NEEDS, slots, rng.randint(1, 2)),
        decision=rng.choice(_DECISION[facts.status]).format(**slots),
        rationale=_pick(rng, _RATIONALE, slots, 2),
    )


def action_text(rng: random.Random, facts: Facts | None) -> str:
    if facts is None:
        return rng.choice(_SESSION_ACTIONS)
    return rng.choice(_ACTIONS).format(**facts.as_slots())


def review_note(rng: random.Random, status: str, facts: Facts | None) -> str:
    slots = facts.as_slots() if facts else {"agency": "partner agency", "meeting": "next review"}
    return rng.choice(_REVIEW_NOTES[status]).format(**slots)


def wellbeing(rng: random.Random) -> str:
    return _pick(rng, _WELLBEING, {}, rng.randint(1, 2))


def workload(rng: random.Random, count: int) -> str:
    return _pick(rng, _WORKLOAD, {"count": count}, rng.randint(1, 2))


def learning(rng: random.Random) -> str:
    return _pick(rng, _LEARNING, {}, rng.randint(1, 2))


def asye_progress(rng: random.Random) -> str:
    return rng.choice(_ASYE)


def supervisee_comment(rng: random.Random) -> str:
    return rng.choice(_COMMENTS)


def disagreement(rng: random.Random, facts: Facts) -> str:
    return rng.choice(_DISAGREEMENT).format(**facts.as_slots())


def oversight_text(rng: random.Random, trigger: str, facts: Facts, scale: int) -> tuple[str, str]:
    slots = facts.as_slots()
    slots["scale"] = f"{scale}/10"
    decision = rng.choice(_OVERSIGHT_DECISIONS[trigger]).format(**slots)
    return decision, _pick(rng, _RATIONALE, slots, 2)


def addendum_text(rng: random.Random, facts: Facts | None) -> str:
    slots = facts.as_slots() if facts else {"meeting": "review", "agency": "partner agency"}
    return rng.choice(_ADDENDA).format(**slots)
