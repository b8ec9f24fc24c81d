"""Enrolling a cohort's delegates on an award in one action, from the cohort list in the
admin: an account for those without one, an invitation each, nobody enrolled twice."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts import roles
from bookings.services.booking import DelegateDetails, place_booking
from certification.models import Award, AwardKind, Enrolment
from certification.services.requirements import revise_requirements
from tests.bookings import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    factories.invoicing_settings()
    award = Award.objects.create(
        name="Coaching certificate (test)", slug="ccc", kind=AwardKind.CERTIFICATE
    )
    revise_requirements(award, coaching_sessions_total=30)
    cohort = factories.cohort(capacity=6, days_ahead=20)
    booker = factories.booker()
    booking = place_booking(
        factories.booking_request(
            cohort,
            booker,
            3,
            delegates=[
                DelegateDetails("Pat Lee", "pat.lee@school.example"),
                DelegateDetails("Sam Ray", "sam.ray@school.example"),
            ],
        ),
        booker,
    )
    existing = get_user_model().objects.create_user(email="sam.ray@school.example", password="x")
    assessor = get_user_model().objects.create_user(
        email="asha@provider.example", password="x", first_name="Asha", last_name="Khan"
    )
    assessor.groups.add(Group.objects.get(name=roles.ASSESSORS))
    cohort.trainers.add(assessor)
    admin = get_user_model().objects.create_user(email="office@provider.example", password="x")
    admin.groups.add(Group.objects.get(name=roles.PROVIDER_ADMINS))
    return award, cohort, booking, existing, assessor, admin


def test_an_admin_enrols_a_cohorts_delegates_and_each_is_invited(
    client, setting, django_capture_on_commit_callbacks
):
    award, cohort, booking, existing, assessor, admin = setting
    client.force_login(admin)
    index = client.get(reverse("bookings_cohorts:index")).content.decode()
    url = reverse("certification_awards:enrol", args=[cohort.pk])
    assert url in index
    form = client.get(url)
    assert "2 named delegates" in form.content.decode()  # the unnamed place is not enrolled
    assert form.context["form"].initial["assessor"] == assessor.pk

    mail.outbox.clear()
    year = cohort.first_day().year if cohort.first_day().month >= 9 else cohort.first_day().year - 1
    data = {"award": award.pk, "assessor": assessor.pk, "academic_year": year}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)
    enrolments = Enrolment.objects.filter(cohort=cohort).order_by("participant__email")
    assert [e.participant.email for e in enrolments] == [
        "pat.lee@school.example",
        "sam.ray@school.example",
    ]
    assert {e.assessor for e in enrolments} == {assessor}
    assert {e.organisation for e in enrolments} == {booking.organisation}
    assert enrolments[1].participant == existing  # an existing account is reused
    for enrolment in enrolments:
        (event,) = enrolment.audit.all()
        assert event.action == "enrolled" and event.actor.email == "office@provider.example"
    new = enrolments[0].participant
    assert not new.has_usable_password()
    assert new.groups.filter(name=roles.PARTICIPANTS).exists()

    by_address = {m.to[0]: m for m in mail.outbox}
    invite = by_address["pat.lee@school.example"]
    assert invite.subject == "Your portfolio for the Coaching certificate (test)"
    for part in (invite.body, invite.alternatives[0][0]):
        assert "Choose a password" in part
        assert "/portfolio/welcome/" in part
        assert "Asha Khan" in part
        assert "impact lead" in part
    existing_invite = by_address["sam.ray@school.example"].body
    assert "Sign in" in existing_invite
    assert f"/accounts/sign-in/?next=/portfolio/{enrolments[1].pk}/" in existing_invite

    # Doing it again enrols nobody twice and sends nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)
    assert Enrolment.objects.filter(cohort=cohort).count() == 2 and mail.outbox == []


def test_the_invitation_link_sets_a_password_and_lands_on_the_portfolio(
    client, setting, django_capture_on_commit_callbacks
):
    award, cohort, *_ = setting
    from certification.services.enrolment import enrol_cohort

    with django_capture_on_commit_callbacks(execute=True):
        (enrolment, *_) = enrol_cohort(
            cohort, award.current_requirements(), assessor=None, academic_year=2026
        )
    invite = next(m for m in mail.outbox if m.to == ["pat.lee@school.example"])
    link = next(w for w in invite.body.split() if "/portfolio/welcome/" in w)
    page = client.get(link.replace("http://testserver", ""), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0]
    chosen = "a-new-long-password-42"
    landed = client.post(form_url, {"new_password1": chosen, "new_password2": chosen}, follow=True)
    enrolment = Enrolment.objects.get(participant__email="pat.lee@school.example")
    assert landed.redirect_chain[-1][0] == reverse("certification:portfolio", args=[enrolment.pk])
    assert b"What to do next" in landed.content
    enrolment.participant.refresh_from_db()
    assert enrolment.participant.check_password(chosen)
    # The link is spent once used.
    again = client.get(link.replace("http://testserver", ""), follow=True)
    assert b"new_password1" not in again.content


@pytest.mark.parametrize(
    "role", [None, roles.EDITORS, roles.ASSESSORS, roles.PARTICIPANTS, roles.SCHOOL_BOOKERS]
)
def test_only_provider_admins_enrol(client, setting, role):
    award, cohort, *_ = setting
    user = get_user_model().objects.create_user(email="someone@example.com", password="x")
    if role:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    url = reverse("certification_awards:enrol", args=[cohort.pk])
    assert client.get(url).status_code in (302, 403)
    client.post(url, {"award": award.pk, "academic_year": 2026})
    assert not Enrolment.objects.filter(cohort=cohort).exists()
