"""Quorum on both sides of "more than half": exactly half is not enough, half + 1 is; the
base is the full members on the roster (支部党员大会) or the committee (支委会)."""

from __future__ import annotations

import pytest

from tests.factories import MeetingFactory, MemberFactory, UserFactory, default_branch, grant
from xianfeng.meetings.enums import MeetingKind, Quorum
from xianfeng.meetings.selectors import QuorumResult, quorum_of
from xianfeng.orgs.enums import RoleKind
from xianfeng.people.enums import MemberStatus


@pytest.mark.parametrize(
    ("base", "present", "needed", "met"),
    [
        (10, 5, 6, False),  # exactly half
        (10, 6, 6, True),  # half + 1
        (9, 4, 5, False),
        (9, 5, 5, True),  # an odd base: 5 of 9 is more than half
        (3, 1, 2, False),
        (3, 2, 2, True),
        (2, 1, 2, False),
        (1, 1, 1, True),
        (1, 0, 1, False),
        (0, 0, 1, False),  # nobody with a vote: never met
    ],
)
def test_quorum_result_more_than_half(base, present, needed, met):
    q = QuorumResult(Quorum.FULL_MEMBERS, base, present, False)
    assert (q.needed, q.met) == (needed, met)


def test_quorum_result_labels():
    assert QuorumResult(Quorum.FULL_MEMBERS, 1, 1, False).label == "正式党员过半数"
    assert QuorumResult(Quorum.COMMITTEE, 1, 1, False).label == "支委过半数"


def _assembly(n_full: int, statuses: list[str], *, probationary: int = 0):
    """A 支部党员大会 of a branch with `n_full` full members whose attendances are
    `statuses` (in order; the rest stay 未签到), plus probationary members all present."""
    branch = default_branch()
    full = [MemberFactory(org=branch, user=UserFactory(name=f"正式党员{i}")) for i in range(n_full)]
    prob = [
        MemberFactory(
            org=branch,
            status=MemberStatus.PROBATIONARY,
            confirmed_on=None,
            user=UserFactory(name=f"预备党员{i}"),
        )
        for i in range(probationary)
    ]
    attendees = {m.user: "expected" for m in full}
    attendees.update(
        {m.user: status for m, status in zip(full, statuses, strict=False)},
    )
    attendees.update({m.user: "present" for m in prob})
    return MeetingFactory(org=branch, held=True, attendees=attendees)


@pytest.mark.django_db
def test_quorum_of_five_of_ten_full_members_is_not_enough_even_with_four_on_leave():
    # README: five of ten full members present is not enough even if four are on leave.
    meeting = _assembly(10, ["present"] * 5 + ["leave"] * 4, probationary=3)
    q = quorum_of(meeting)
    assert (q.rule, q.base, q.present, q.needed, q.met) == ("full_members", 10, 5, 6, False)
    assert q.frozen is False  # follows the roster until approval


@pytest.mark.django_db
def test_quorum_of_six_of_ten_full_members_is_enough():
    meeting = _assembly(10, ["present"] * 5 + ["late"] + ["leave"] * 4)
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met) == (10, 6, True)


@pytest.mark.django_db
def test_quorum_of_absent_and_expected_members_do_not_count():
    meeting = _assembly(4, ["present", "present", "absent", "expected"])
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met) == (4, 2, False)


@pytest.mark.django_db
def test_quorum_of_a_full_member_of_another_branch_does_not_count():
    meeting = _assembly(4, ["present", "present"])
    guest = MemberFactory(user=UserFactory(name="外支部党员"), org=default_branch())
    meeting.attendances.create(user=guest.user, status="present", source="qr")
    q = quorum_of(meeting)
    assert (q.base, q.present, q.met) == (4, 2, False)


def _committee_meeting(size: int, present: int):
    branch = default_branch()
    officers = []
    for i, kind in enumerate(
        [RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA, RoleKind.ORGANIZER]
    ):
        if i == size:
            break
        user = UserFactory(name=f"支委{i}")
        grant(user, branch, kind)
        officers.append(user)
    # A role at the town above is no committee membership of this branch.
    grant(UserFactory(name="镇组织委员"), branch.parent, RoleKind.ORGANIZER)
    attendees = {u: ("present" if i < present else "expected") for i, u in enumerate(officers)}
    return MeetingFactory(
        org=branch, kind=MeetingKind.COMMITTEE, held=True, attendees=attendees, host=officers[0]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("size", "present", "met"),
    [(3, 1, False), (3, 2, True), (4, 2, False), (4, 3, True)],
)
def test_quorum_of_the_committee_more_than_half(size, present, met):
    q = quorum_of(_committee_meeting(size, present))
    assert (q.rule, q.base, q.present, q.met, q.frozen) == ("committee", size, present, met, False)


@pytest.mark.django_db
def test_quorum_of_approved_minutes_uses_the_fixed_figures():
    meeting = MeetingFactory(approved=True, quorum_base=10, quorum_present=5)
    q = quorum_of(meeting)
    assert (q.rule, q.base, q.present, q.met, q.frozen) == ("full_members", 10, 5, False, True)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["group", "lecture", "theme_day", "life", "appraisal"])
def test_quorum_of_kinds_without_a_quorum(kind):
    assert quorum_of(MeetingFactory(kind=kind)) is None
