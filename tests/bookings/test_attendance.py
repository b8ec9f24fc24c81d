"""Attendance registers: who may take them (the office and the date's own trainers),
marking present, late or absent on the phone page, the printable PDF, and completion
following from attendance at every session."""

import subprocess

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from bookings.models import SessionAttendance
from bookings.services.attendance import completed_delegates, mark_register
from bookings.services.booking import place_booking

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


def run_with_delegates(sessions=2, places=3):
    cohort = factories.cohort(capacity=10, days_ahead=5, sessions=sessions)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, places), user)
    return cohort, booking, list(booking.delegates.order_by("pk"))


def trainer_for(cohort, django_user_model, email="trainer@coach.example"):
    trainer = django_user_model.objects.create_user(email=email, password="x", first_name="Tia")
    cohort.trainers.add(trainer)
    return trainer


def office(django_user_model):
    user = django_user_model.objects.create_user(email="office@provider.example", password="x")
    user.groups.add(Group.objects.get(name=roles.PROVIDER_ADMINS))
    return user


def test_a_trainer_marks_the_register_on_the_phone_page(client, django_user_model):
    cohort, booking, (ann, ben, cat) = run_with_delegates()
    first, second = cohort.sessions.order_by("starts_at")
    trainer = trainer_for(cohort, django_user_model)
    client.force_login(trainer)

    index = client.get(reverse("bookings:registers")).content.decode()
    url = reverse("bookings:register", args=[first.pk])
    assert url in index
    page = client.get(url)
    html = page.content.decode()
    assert page.context["unmarked"] == 3
    for delegate in (ann, ben, cat):
        assert delegate.name in html
        assert f'name="mark-{delegate.pk}" id="mark-{delegate.pk}-late" value="late"' in html

    response = client.post(
        url, {f"mark-{ann.pk}": "present", f"mark-{ben.pk}": "late", f"mark-{cat.pk}": "absent"}
    )
    assert response.status_code == 302
    marks = dict(
        SessionAttendance.objects.filter(session__cohort=cohort).values_list("delegate_id", "mark")
    )
    assert marks == {ann.pk: "present", ben.pk: "late", cat.pk: "absent"}
    assert SessionAttendance.objects.get(delegate=ann).marked_by == trainer
    # Correcting a mark changes that one only; a stray or made-up mark is ignored.
    other_cohort, _, (stranger, *_) = run_with_delegates(sessions=1, places=1)
    client.post(url, {f"mark-{cat.pk}": "present", f"mark-{stranger.pk}": "present"})
    client.post(url, {f"mark-{ann.pk}": "asleep"})
    marks = dict(
        SessionAttendance.objects.filter(session__cohort__in=[cohort, other_cohort]).values_list(
            "delegate_id", "mark"
        )
    )
    assert marks == {ann.pk: "present", ben.pk: "late", cat.pk: "present"}
    assert 'value="present" checked' in client.get(url).content.decode()


def test_completion_follows_from_attending_every_session(django_user_model):
    cohort, booking, (ann, ben, cat) = run_with_delegates()
    first, second = cohort.sessions.order_by("starts_at")
    mark_register(first, {ann.pk: "present", ben.pk: "late", cat.pk: "present"}, actor=None)
    assert completed_delegates(cohort) == set()  # one session of two
    mark_register(second, {ann.pk: "late", ben.pk: "present", cat.pk: "absent"}, actor=None)
    assert completed_delegates(cohort) == {ann.pk, ben.pk}
    # A delegate whose place was cancelled has not completed, whatever was marked.
    from django.utils import timezone

    ben.cancelled_at = timezone.now()
    ben.save()
    assert completed_delegates(cohort) == {ann.pk}


def test_the_printable_register(client, django_user_model):
    cohort, booking, (ann, ben, cat) = run_with_delegates(sessions=1)
    session = cohort.sessions.get()
    mark_register(session, {ann.pk: "present"}, actor=None)
    client.force_login(office(django_user_model))
    response = client.get(reverse("bookings:register-pdf", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert cohort.course.title in text
    for delegate in (ann, ben, cat):
        assert delegate.name in text
    assert booking.organisation.name in text
    assert "3 delegates expected" in text


def test_registers_are_for_the_office_and_the_dates_own_trainers(client, django_user_model):
    cohort, booking, (ann, *_) = run_with_delegates(sessions=1)
    session = cohort.sessions.get()
    urls = [
        reverse("bookings:register", args=[session.pk]),
        reverse("bookings:register-pdf", args=[session.pk]),
    ]
    # Signed out: to the sign-in page, and nothing marked by a post.
    for url in urls:
        assert client.get(url).status_code == 302
    client.post(urls[0], {f"mark-{ann.pk}": "present"})
    # A school booker (even this booking's), a participant-like user, another date's
    # trainer: 404, and a post marks nothing.
    other = factories.cohort(capacity=5, days_ahead=9)
    outsiders = [
        booking.booker,
        django_user_model.objects.create_user(email="someone@example.com", password="x"),
        trainer_for(other, django_user_model, email="other.trainer@coach.example"),
    ]
    for user in outsiders:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(urls[0], {f"mark-{ann.pk}": "present"}).status_code == 404
    client.force_login(booking.booker)
    assert client.get(reverse("bookings:registers")).status_code == 404
    assert not SessionAttendance.objects.filter(session__cohort=cohort).exists()
    # The date's trainer and the office may.
    for user in (trainer_for(cohort, django_user_model), office(django_user_model)):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)
    assert client.get(reverse("bookings:registers")).status_code == 200
