"""The plain document dataclasses validate what the store layer gives them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from supervision_app.records.document import ActionDoc, AddendumDoc, CaseDiscussionDoc, Section

from .samples import sample_oversight, sample_record


def test_sequences_are_frozen_into_tuples():
    doc = sample_record()
    assert isinstance(doc.case_discussions, tuple)
    assert isinstance(doc.case_discussions[0].actions, tuple)
    assert isinstance(doc.sections[0].rows, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.title = "changed"  # type: ignore[misc]
    hash(doc)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        sample_record(held_at=dt.datetime(2026, 1, 1, 10, 0))
    with pytest.raises(ValueError):
        AddendumDoc("A", dt.datetime(2026, 1, 1), "text")
    with pytest.raises(ValueError):
        sample_oversight(written_at=dt.datetime(2026, 1, 1))


@pytest.mark.parametrize("scale", [-1, 11])
def test_safety_scale_range(scale):
    with pytest.raises(ValueError):
        CaseDiscussionDoc("CM-1", "A", "Child in need", safety_scale=scale)
    CaseDiscussionDoc("CM-1", "A", "Child in need", safety_scale=0)
    CaseDiscussionDoc("CM-1", "A", "Child in need", safety_scale=None)


def test_agreement_values():
    with pytest.raises(ValueError):
        sample_record(agreement="maybe")
    assert sample_record(agreement="agrees").agreement == "agrees"


def test_bad_types_are_refused():
    with pytest.raises(TypeError):
        ActionDoc("x", "y", "2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Section("h", paragraphs="not a list")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sample_record(wellbeing="private text")  # must be a Section, on purpose
