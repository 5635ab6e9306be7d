"""Every state machine is an enum with its moves in one place (fanlight.web.models.states)."""

from __future__ import annotations

import pytest

from fanlight.web.models import ChangeState, DraftStatus, MailStatus


def test_a_change_moves_only_along_its_review_workflow():
    assert ChangeState.DRAFT.may_become(ChangeState.IN_REVIEW)
    assert ChangeState.IN_REVIEW.may_become(ChangeState.APPROVED)
    assert ChangeState.APPROVED.may_become(ChangeState.PUBLISHED)
    assert not ChangeState.DRAFT.may_become(ChangeState.PUBLISHED)  # never without review
    assert not ChangeState.IN_REVIEW.may_become(ChangeState.PUBLISHED)
    for closed in (ChangeState.PUBLISHED, ChangeState.REJECTED, ChangeState.WITHDRAWN):
        assert not any(closed.may_become(to) for to in ChangeState)
    assert set(ChangeState.open()) == {ChangeState.DRAFT, ChangeState.IN_REVIEW, ChangeState.APPROVED}


def test_a_draft_is_sent_once_and_never_comes_back():
    assert DraftStatus.DRAFT.may_become(DraftStatus.SUBMITTED)
    assert not DraftStatus.SUBMITTED.may_become(DraftStatus.DRAFT)


def test_a_claimed_message_is_sent_or_failed_and_only_waiting_or_failed_ones_are_claimed():
    assert {to for to in MailStatus if MailStatus.SENDING.may_become(to)} == {MailStatus.SENT, MailStatus.FAILED}
    assert MailStatus.sources(MailStatus.SENDING) == (MailStatus.FAILED, MailStatus.PENDING)
    assert not MailStatus.SENT.may_become(MailStatus.SENDING)  # never sent twice


def test_a_change_moves_from_exactly_the_states_its_workflow_allows():
    assert set(ChangeState.sources(ChangeState.REJECTED)) == {ChangeState.IN_REVIEW, ChangeState.APPROVED}
    assert ChangeState.sources(ChangeState.PUBLISHED) == (ChangeState.APPROVED,)


@pytest.mark.parametrize("state", list(ChangeState))
def test_every_state_reads_as_words_and_is_stored_as_its_value(state):
    assert str(state) == state.value and state.label[0].isupper() and "_" not in state.label
