"""Supervisee feedback: never added up below 5 answers or 5 people; who may see what."""
from supervision_app.domain.feedback import summarise
from supervision_app.domain.permissions import Actor, FeedbackTarget, Operation, SupervisionTarget, decide
from supervision_app.domain.vocabulary import RecordState, Role


def _answer(balance="mostly_case_monitoring", skipped=False):
    return {"skipped": skipped, "helpful": "yes", "reflection_balance": balance,
            "emotional_support": "no"}


def test_no_total_below_five_answers():
    assert summarise([_answer()] * 4) is None
    assert summarise([_answer()] * 4 + [_answer(skipped=True)] * 3) is None  # skips are not answers
    total = summarise([_answer()] * 4 + [_answer("balanced")])
    assert total.answers == 5 and total.balance["balanced"] == 1
    assert total.mostly_case_monitoring  # 4 of 5


def test_no_total_from_fewer_than_five_people():
    assert summarise([_answer()] * 6, people=4) is None
    assert summarise([_answer()] * 6, people=5).answers == 6


def test_only_the_supervisee_sees_or_gives_their_feedback():
    locked = SupervisionTarget("w", "m", "T", RecordState.LOCKED)
    target = FeedbackTarget("w", locked)
    worker = Actor("w", Role.SOCIAL_WORKER)
    assert decide(worker, Operation.VIEW, target)
    assert decide(worker, Operation.CREATE, target)
    assert not decide(worker, Operation.CREATE,
                      FeedbackTarget("w", SupervisionTarget("w", "m", "T", RecordState.SHARED)))
    for other in (Actor("m", Role.TEAM_MANAGER, frozenset({"T"})), Actor("h", Role.HEAD_OF_SERVICE),
                  Actor("q", Role.QA_AUDITOR), Actor("a", Role.ADMINISTRATOR)):
        assert not decide(other, Operation.VIEW, target), other.role
