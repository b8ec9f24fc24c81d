"""The confidentiality rules, role by role, in the one policy every certification view
will ask: the participant and their assessor see everything; the school's impact lead
sees progress and the coaching diary only; coaching leads see numbers; provider admins
see everything and every look is logged; nobody else sees anything."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group

from accounts import roles
from certification import policy
from certification.models import (
    Award,
    AwardKind,
    CoachingTeam,
    Enrolment,
    PortfolioView,
)
from certification.services.requirements import revise_requirements
from tests.bookings import factories

pytestmark = pytest.mark.django_db
PARTS = [policy.PROGRESS, policy.DIARY, policy.LOG, policy.TASKS, policy.FILES, policy.REVIEW]


def person(email, role=None):
    user = get_user_model().objects.create_user(email=email, password="x")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def world():
    award = Award.objects.create(name="CCC", slug="ccc", kind=AwardKind.CERTIFICATE)
    requirements = revise_requirements(award, coaching_sessions_total=30)
    school, other_school = factories.organisation(), factories.organisation()
    people = {
        "participant": person("pat@school.example", roles.PARTICIPANTS),
        "other participant": person("olly@school.example", roles.PARTICIPANTS),
        "assessor": person("asha@provider.example", roles.ASSESSORS),
        "other assessor": person("otto@provider.example", roles.ASSESSORS),
        "coaching lead": person("cora@school.example"),
        "impact lead": person("ivan@school.example"),
        "other school's impact lead": person("ines@other.example"),
        "booker": factories.booker(school),
        "editor": person("eddie@provider.example", roles.EDITORS),
        "admin": person("office@provider.example", roles.PROVIDER_ADMINS),
    }
    team = CoachingTeam.objects.create(organisation=school, impact_lead=people["impact lead"])
    team.coaching_leads.add(people["coaching lead"])
    CoachingTeam.objects.create(
        organisation=other_school, impact_lead=people["other school's impact lead"]
    )
    enrolment = Enrolment.objects.create(
        participant=people["participant"],
        requirement_set=requirements,
        organisation=school,
        assessor=people["assessor"],
        academic_year=2026,
    )
    Enrolment.objects.create(
        participant=people["other participant"],
        requirement_set=requirements,
        organisation=other_school,
        assessor=people["other assessor"],
        academic_year=2026,
    )
    return people, enrolment


EXPECTED = {
    "participant": set(PARTS),
    "assessor": set(PARTS),
    "admin": set(PARTS),
    "impact lead": {policy.PROGRESS, policy.DIARY},
    "coaching lead": {policy.PROGRESS},
    "other participant": set(),
    "other assessor": set(),
    "other school's impact lead": set(),
    "booker": set(),
    "editor": set(),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_sees_what_the_rules_allow(world, who):
    people, enrolment = world
    user = people[who]
    assert set(policy.parts_visible(user, enrolment)) == EXPECTED[who]
    for part in PARTS:
        assert policy.may_see(user, enrolment, part) == (part in EXPECTED[who]), part
    assert (enrolment in policy.visible_enrolments(user)) == bool(EXPECTED[who])


def test_a_signed_out_visitor_sees_nothing(world):
    _, enrolment = world
    visitor = AnonymousUser()
    assert policy.parts_visible(visitor, enrolment) == frozenset()
    assert not policy.visible_enrolments(visitor).exists()


def test_every_look_by_an_admin_is_logged_and_nobody_elses(world):
    people, enrolment = world
    policy.may_see(people["participant"], enrolment, policy.DIARY)
    policy.may_see(people["assessor"], enrolment, policy.LOG)
    assert not PortfolioView.objects.exists()
    policy.may_see(people["admin"], enrolment, policy.DIARY)
    policy.may_see(people["admin"], enrolment, policy.FILES)
    assert list(PortfolioView.objects.values_list("viewer__email", "part").order_by("pk")) == [
        ("office@provider.example", "diary"),
        ("office@provider.example", "files"),
    ]


def test_an_assessor_sees_only_the_enrolments_assigned_to_them(world):
    people, enrolment = world
    assert list(policy.visible_enrolments(people["assessor"])) == [enrolment]
    assert enrolment not in policy.visible_enrolments(people["other assessor"])
