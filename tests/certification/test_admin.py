"""Requirement versions in the Wagtail admin: provider admins edit a version until an
enrolment uses it; after that it is shown, never edited, and a new version is made."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from certification.models import Award, AwardKind, Enrolment, TaskKind
from certification.services.requirements import revise_requirements

pytestmark = pytest.mark.django_db


@pytest.fixture
def award():
    award = Award.objects.create(name="Effective Mentor", slug="em", kind=AwardKind.FRAMEWORK_PHASE)
    revise_requirements(
        award,
        training_sessions=2,
        qa_visit_required=True,
        tasks=[("Starting points", TaskKind.PRE_COURSE, "")],
        criteria=[("EM1", "Builds trust with the mentee", True)],
    )
    return award


def user_in(role, email):
    user = get_user_model().objects.create_user(email=email, password="x")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def test_an_admin_edits_a_version_until_it_is_used_then_makes_a_new_one(client, award):
    client.force_login(user_in(roles.PROVIDER_ADMINS, "office@provider.example"))
    first = award.current_requirements()
    edit = reverse("certification_requirements:edit", args=[first.pk])
    page = client.get(edit)
    assert page.status_code == 200
    assert "Builds trust with the mentee" in page.content.decode()

    participant = user_in(roles.PARTICIPANTS, "pat@school.example")
    Enrolment.objects.create(participant=participant, requirement_set=first, academic_year=2026)
    refused = client.get(edit, follow=True)
    assert "is in use by enrolments" in refused.content.decode()
    index = client.get(reverse("certification_requirements:index")).content.decode()
    new_version = reverse("certification_requirements:new_version", args=[award.pk])
    assert new_version in index

    # Following the link asks first and changes nothing.
    asked = client.get(new_version)
    assert asked.status_code == 200 and "Make the new version" in asked.content.decode()
    assert award.current_requirements().pk == first.pk
    response = client.post(new_version)
    second = award.current_requirements()
    assert second.version == 2 and second.pk != first.pk
    assert response.url == reverse("certification_requirements:edit", args=[second.pk])
    assert [c.code for c in second.criteria.all()] == ["EM1"]
    assert second.qa_visit_required and second.training_sessions == 2
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    "role", [None, roles.EDITORS, roles.ASSESSORS, roles.PARTICIPANTS, roles.SCHOOL_BOOKERS]
)
def test_only_provider_admins_manage_requirements(client, award, role):
    client.force_login(user_in(role, "someone@example.com"))
    new_version = reverse("certification_requirements:new_version", args=[award.pk])
    edit = reverse("certification_requirements:edit", args=[award.current_requirements().pk])
    assert client.get(edit).status_code in (302, 403)
    assert client.post(new_version).status_code in (302, 403)
    assert award.requirement_sets.count() == 1


def test_an_admin_changes_an_enrolments_assessor_and_sets_a_schools_coaching_team(client, award):
    from bookings.models import Organisation
    from certification.models import CoachingTeam
    from tests.bookings import factories

    admin = user_in(roles.PROVIDER_ADMINS, "office@provider.example")
    first = user_in(roles.ASSESSORS, "asha@provider.example")
    second = user_in(roles.ASSESSORS, "otto@provider.example")
    not_an_assessor = user_in(roles.EDITORS, "eddie@provider.example")
    school = factories.organisation()
    enrolment = Enrolment.objects.create(
        participant=user_in(roles.PARTICIPANTS, "pat@school.example"),
        requirement_set=award.current_requirements(),
        assessor=first,
        organisation=school,
        academic_year=2026,
    )
    client.force_login(admin)
    index = client.get(reverse("certification_enrolments:index")).content.decode()
    assert "pat@school.example" in index
    assert reverse("certification:portfolio", args=[enrolment.pk]) in index
    edit = reverse("certification_enrolments:edit", args=[enrolment.pk])
    refused = client.post(edit, {"assessor": not_an_assessor.pk, "organisation": school.pk})
    assert refused.status_code == 200
    assert "assessor" in refused.context["form"].errors
    client.post(edit, {"assessor": second.pk, "organisation": school.pk})
    enrolment.refresh_from_db()
    assert enrolment.assessor == second

    lead = user_in(None, "ivan@school.example")
    client.post(
        reverse("certification_teams:add"),
        {"organisation": school.pk, "impact_lead": lead.pk, "coaching_leads": [lead.pk]},
    )
    team = CoachingTeam.objects.get(organisation=school)
    assert team.impact_lead == lead
    assert Organisation.objects.get(pk=school.pk).coaching_team == team


@pytest.mark.parametrize("role", [None, roles.EDITORS, roles.ASSESSORS, roles.PARTICIPANTS])
def test_only_provider_admins_reach_enrolments_and_coaching_teams(client, role):
    client.force_login(user_in(role, "someone@example.com"))
    for name in ("certification_enrolments:index", "certification_teams:index"):
        assert client.get(reverse(name)).status_code in (302, 403)
