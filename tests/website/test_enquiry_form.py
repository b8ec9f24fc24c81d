import pytest
from django.core import mail
from wagtail.contrib.forms.models import FormSubmission

from website.models import FormPage

pytestmark = pytest.mark.django_db

GOOD = {
    "school_or_trust": "Calder Vale Primary",
    "your_name": "Sam Jones",
    "your_email_address": "sam@calder.example",
    "phone_number": "",
    "course_of_interest": "Leading a Coaching School",
    "number_of_staff": "12",
    "preferred_dates": "Any Monday in the spring term",
    "anything_else": "",
}


@pytest.fixture
def form_page(db):
    return FormPage.objects.get(slug="enquire")


def test_form_asks_what_the_office_needs(client, form_page):
    html = client.get(form_page.url).content.decode()
    for label in ("School or trust", "Course of interest", "Number of staff", "Preferred dates"):
        assert label in html
    assert "Developing the Skills of a Coaching Ambassador" in html  # course choices


def test_submission_is_kept_and_emailed_to_the_office(client, form_page):
    response = client.post(form_page.url, GOOD)
    assert response.status_code == 200
    assert b"Thank you" in response.content
    submission = FormSubmission.objects.get(page=form_page)
    assert submission.get_data()["school_or_trust"] == "Calder Vale Primary"
    assert "website_url" not in submission.form_data
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["office@coaching.example"]
    assert "Calder Vale Primary" in mail.outbox[0].body


def test_honeypot_submissions_are_dropped_quietly(client, form_page):
    response = client.post(form_page.url, {**GOOD, "website_url": "http://spam.example"})
    assert response.status_code == 200  # the bot sees the usual thanks
    assert not FormSubmission.objects.filter(page=form_page).exists()
    assert mail.outbox == []


def test_missing_fields_are_explained_and_nothing_typed_is_lost(client, form_page):
    response = client.post(form_page.url, {**GOOD, "school_or_trust": "", "number_of_staff": "x"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "school_or_trust" in form.errors and "number_of_staff" in form.errors
    assert b"Sam Jones" in response.content  # what was typed stays in the form
    assert not FormSubmission.objects.exists()


def test_honeypot_field_is_hidden_from_people(client, form_page):
    html = client.get(form_page.url).content.decode()
    assert '<div class="hp-field" aria-hidden="true">' in html
    assert 'tabindex="-1"' in html


def test_provider_admins_see_submissions_in_the_admin(client, form_page, make_user):
    from accounts import roles

    client.post(form_page.url, GOOD)
    client.force_login(make_user(roles.PROVIDER_ADMINS))
    listing = client.get(f"/admin/forms/submissions/{form_page.pk}/")
    assert listing.status_code == 200
    assert b"Calder Vale Primary" in listing.content


def test_bookers_cannot_see_submissions(client, form_page, make_user):
    from accounts import roles

    client.post(form_page.url, GOOD)
    client.force_login(make_user(roles.SCHOOL_BOOKERS))
    response = client.get(f"/admin/forms/submissions/{form_page.pk}/")
    assert response.status_code in (302, 403)
    assert b"Calder Vale Primary" not in response.content
