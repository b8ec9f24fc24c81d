import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError

from accounts import roles

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_is_unique():
    User = get_user_model()
    assert User.USERNAME_FIELD == "email"
    User.objects.create_user(email="Sam@School.example", password="x")
    assert User.objects.get_by_natural_key("sam@school.EXAMPLE").email == "sam@school.example"
    with pytest.raises(IntegrityError):
        User.objects.create_user(email="sam@school.example", password="y")


def test_every_role_has_a_group():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ALL_ROLES) <= names


def test_provider_admins_can_manage_images_and_settings():
    group = Group.objects.get(name=roles.PROVIDER_ADMINS)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"access_admin", "add_image", "change_footersettings"} <= codenames


def test_sign_in_with_email_and_sign_out(client, make_user):
    make_user(roles.SCHOOL_BOOKERS, email="booker@t.example", password="right-password-1")
    page = client.get("/accounts/sign-in/")
    assert b"Email address" in page.content and b"Forgotten your password?" in page.content
    response = client.post(
        "/accounts/sign-in/", {"username": "BOOKER@t.example", "password": "right-password-1"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    account = client.get("/accounts/")
    assert b"booker@t.example" in account.content and b"School bookers" in account.content
    signed_out = client.post("/accounts/sign-out/")
    assert signed_out.status_code == 200 and b"You have signed out" in signed_out.content
    assert client.get("/accounts/").status_code == 302


def test_wrong_password_is_explained_and_email_kept(client, make_user):
    make_user(roles.PARTICIPANTS, email="p@t.example")
    response = client.post("/accounts/sign-in/", {"username": "p@t.example", "password": "no"})
    assert response.status_code == 200
    assert b"do not match an account" in response.content
    assert b'value="p@t.example"' in response.content


def test_password_reset_round_trip(client, make_user):
    make_user(roles.PARTICIPANTS, email="p@t.example")
    response = client.post("/accounts/password-reset/", {"email": "p@t.example"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-pass-77", "new_password2": "a-brand-new-pass-77"},
    )
    assert done["Location"] == "/accounts/password-reset/done/"
    assert client.login(username="p@t.example", password="a-brand-new-pass-77")


def test_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@t.example"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_account_page_needs_sign_in(client):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize(
    ("role", "may_use_admin"),
    [
        (roles.EDITORS, True),
        (roles.MODERATORS, True),
        (roles.ASSESSORS, True),
        (roles.PROVIDER_ADMINS, True),
        (roles.SCHOOL_BOOKERS, False),
        (roles.PARTICIPANTS, False),
        (None, False),
    ],
)
def test_who_may_enter_the_wagtail_admin(client, make_user, role, may_use_admin):
    client.force_login(make_user(role))
    response = client.get("/admin/")
    if may_use_admin:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "may_edit_pages"),
    [
        (roles.EDITORS, True),
        (roles.MODERATORS, True),
        (roles.PROVIDER_ADMINS, True),
        (roles.ASSESSORS, False),
    ],
)
def test_who_may_edit_pages(client, make_user, ccc, role, may_edit_pages):
    client.force_login(make_user(role))
    response = client.get(f"/admin/pages/{ccc.pk}/edit/")
    assert (response.status_code == 200) is may_edit_pages


@pytest.mark.parametrize("role", [roles.SCHOOL_BOOKERS, roles.PARTICIPANTS, roles.ASSESSORS])
def test_roles_without_rights_cannot_see_enquiries(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get("/admin/forms/")
    assert response.status_code in (302, 403)
