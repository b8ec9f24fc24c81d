"""Who may open what: every certification page, file and PDF, role by role.

The rules (certification.policy): the participant and their assessor see everything, a
provider admin too (each look logged); the school's impact lead reads progress and the
coaching diary and writes impact statements; coaching leads see progress as numbers;
everyone else gets a 404, as does anyone who changes an id in the address to someone
else's. The coachee's private link opens its one session only, and not once expired or
withdrawn."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.models import PortfolioView

from .portfolio_world import PASSWORD, ROLES, build_world

pytestmark = pytest.mark.django_db

EVERYTHING = {"participant", "assessor", "admin"}
DIARY = EVERYTHING | {"impact lead"}
PROGRESS = DIARY | {"coaching lead"}
# A senior assessor who moderates sees the submissions of portfolios with a
# recommendation to sample, and nothing of any live portfolio.
MODERATION = EVERYTHING | {"senior assessor"}


@pytest.fixture
def world():
    return build_world()


def pages(world):
    """(name, url, roles answered, the answer they get) for every GET page."""
    e, o = world.enrolment, world.objects
    pk, earlier = e.pk, o["earlier"].pk
    s, c, en, t, f = o["session"], o["cycle"], o["entry"], o["task"], o["file"]
    rec, pending = o["recommended"].number, o["pending"].number
    earlier_file = o["recommended"].snapshot["files"][0]["id"]
    return [
        ("progress", reverse("certification:portfolio", args=[pk]), PROGRESS, 200),
        ("diary", reverse("certification:diary", args=[pk]), DIARY, 200),
        ("session", reverse("certification:session", args=[pk, s.pk]), DIARY, 200),
        ("session add", reverse("certification:session-add", args=[pk]), {"participant"}, 200),
        (
            "session edit",
            reverse("certification:session-edit", args=[pk, s.pk]),
            {"participant"},
            200,
        ),
        ("cycle add", reverse("certification:cycle-add", args=[pk]), {"participant"}, 200),
        (
            "cycle edit",
            reverse("certification:cycle-edit", args=[pk, c.pk]),
            {"participant"},
            200,
        ),
        (
            "impact statement",
            reverse("certification:impact", args=[pk, c.pk]),
            {"impact lead"},
            200,
        ),
        ("log", reverse("certification:log", args=[pk]), EVERYTHING, 200),
        ("entry add", reverse("certification:entry-add", args=[pk]), {"participant"}, 200),
        (
            "entry edit",
            reverse("certification:entry-edit", args=[pk, en.pk]),
            {"participant"},
            200,
        ),
        ("tasks", reverse("certification:tasks", args=[pk]), EVERYTHING, 200),
        ("task", reverse("certification:task", args=[pk, t.pk]), EVERYTHING, 200),
        ("files", reverse("certification:files", args=[pk]), EVERYTHING, 200),
        ("file", reverse("certification:file", args=[pk, f.pk]), EVERYTHING, 200),
        ("pdf", reverse("certification:pdf", args=[pk]), EVERYTHING, 200),
        # Submitted and waiting: the participant is sent back to the progress page.
        ("submit", reverse("certification:submit", args=[pk]), {"participant"}, 302),
        ("history", reverse("certification:history", args=[pk]), EVERYTHING, 200),
        (
            "submission",
            reverse("certification:submission", args=[pk, pending]),
            EVERYTHING,
            200,
        ),
        (
            "submission file",
            reverse("certification:submission-file", args=[pk, pending, f.pk]),
            EVERYTHING,
            200,
        ),
        (
            "review",
            reverse("certification:review", args=[pk, pending]),
            {"assessor", "admin"},
            200,
        ),
        # Last year's portfolio, recommended: what a moderator may open.
        (
            "recommended: progress",
            reverse("certification:portfolio", args=[earlier]),
            PROGRESS,
            200,
        ),
        ("recommended: log", reverse("certification:log", args=[earlier]), EVERYTHING, 200),
        ("recommended: pdf", reverse("certification:pdf", args=[earlier]), EVERYTHING, 200),
        (
            "recommended: history",
            reverse("certification:history", args=[earlier]),
            MODERATION,
            200,
        ),
        (
            "recommended: submission",
            reverse("certification:submission", args=[earlier, rec]),
            MODERATION,
            200,
        ),
        (
            "recommended: submission file",
            reverse("certification:submission-file", args=[earlier, rec, earlier_file]),
            MODERATION,
            200,
        ),
        (
            "recommended: moderate",
            reverse("certification:moderate", args=[earlier, rec]),
            {"admin", "senior assessor"},
            200,
        ),
    ]


def client_for(client, world, who):
    if who != "signed out":
        client.force_login(world.people[who])
    return client


@pytest.mark.parametrize("who", ROLES)
def test_every_portfolio_page_answers_each_role_as_the_rules_say(client, world, who):
    client = client_for(client, world, who)
    wrong = []
    for name, url, allowed, answer in pages(world):
        response = client.get(url)
        if who == "signed out":
            expected = 302
            ok = response.status_code == 302 and "/accounts/" in response["Location"]
        else:
            expected = answer if who in allowed else 404
            ok = response.status_code == expected
        if not ok:
            wrong.append(f"{name}: {response.status_code}, expected {expected}")
    assert wrong == []


@pytest.mark.parametrize("who", ROLES)
def test_the_lists_answer_each_role(client, world, who):
    client = client_for(client, world, who)
    index = client.get(reverse("certification:portfolios"))
    queue = client.get(reverse("certification:moderation"))
    if who == "signed out":
        assert index.status_code == queue.status_code == 302
        return
    expected_index = {
        "participant": 200,  # this year's and last year's
        "other participant": 302,  # straight to their one portfolio
        "assessor": 200,
        "other assessor": 200,
        "coaching lead": 200,
        "impact lead": 200,
        "other school's impact lead": 200,
        "admin": 200,
        "senior assessor": 200,
    }.get(who, 404)
    assert index.status_code == expected_index
    assert queue.status_code == (200 if who in ("admin", "senior assessor") else 404)
    if who == "other assessor":
        assert world.enrolment.participant.get_full_name() not in index.content.decode()
    if who == "assessor":
        assert world.enrolment.participant.get_full_name() in index.content.decode()
        assert world.other.participant.get_full_name() not in index.content.decode()


def test_a_participant_lands_on_their_one_portfolio_or_chooses_between_several(client, world):
    client.force_login(world.people["other participant"])
    response = client.get(reverse("certification:portfolios"))
    assert response["Location"] == reverse("certification:portfolio", args=[world.other.pk])
    client.force_login(world.people["participant"])
    page = client.get(reverse("certification:portfolios")).content.decode()
    for enrolment in (world.enrolment, world.objects["earlier"]):
        assert reverse("certification:portfolio", args=[enrolment.pk]) in page
    assert reverse("certification:portfolio", args=[world.other.pk]) not in page


CONFIDENTIAL = ["Mine reflection", "Mine log body", "Mine answer", "Mine.pdf"]


def test_a_coaching_lead_sees_numbers_and_never_what_was_written(client, world):
    client.force_login(world.people["coaching lead"])
    for url in (
        reverse("certification:portfolio", args=[world.enrolment.pk]),
        reverse("certification:portfolios"),
    ):
        page = client.get(url).content.decode()
        assert "essions logged" in page
        for text in [*CONFIDENTIAL, "Mine focus"]:
            assert text not in page


def test_the_impact_lead_reads_the_diary_but_not_log_tasks_or_files(client, world):
    client.force_login(world.people["impact lead"])
    session = world.objects["session"]
    page = client.get(
        reverse("certification:session", args=[world.enrolment.pk, session.pk])
    ).content.decode()
    assert "Mine reflection" in page
    diary = client.get(reverse("certification:diary", args=[world.enrolment.pk])).content
    for text in ("Mine log body", "Mine answer", "Mine.pdf"):
        assert text not in diary.decode()


def test_the_participant_is_told_who_the_impact_lead_is(client, world):
    client.force_login(world.people["participant"])
    page = client.get(reverse("certification:portfolio", args=[world.enrolment.pk])).content
    assert "Ivan Impact" in page.decode()


def test_other_peoples_ids_in_the_address_answer_404(client, world):
    """The participant and the assessor, with their own portfolio's number and someone
    else's session, entry, file, cycle or submission in the address."""
    mine, theirs = world.enrolment.pk, world.objects["other"]
    other_submission = world.objects["other submission"].number
    urls = [
        reverse("certification:portfolio", args=[world.other.pk]),
        reverse("certification:session", args=[mine, theirs["session"].pk]),
        reverse("certification:session-edit", args=[mine, theirs["session"].pk]),
        reverse("certification:cycle-edit", args=[mine, theirs["cycle"].pk]),
        reverse("certification:entry-edit", args=[mine, theirs["entry"].pk]),
        reverse("certification:file", args=[mine, theirs["file"].pk]),
        reverse("certification:file", args=[world.other.pk, theirs["file"].pk]),
        reverse("certification:submission", args=[world.other.pk, other_submission]),
        reverse(
            "certification:submission-file",
            args=[mine, world.objects["pending"].number, theirs["file"].pk],
        ),
        reverse("certification:pdf", args=[world.other.pk]),
        reverse("certification:review", args=[world.other.pk, other_submission]),
    ]
    for who in ("participant", "assessor"):
        client.force_login(world.people[who])
        answers = {url: client.get(url).status_code for url in urls}
        assert set(answers.values()) == {404}, answers


def test_changes_by_anyone_but_the_participant_answer_404(client, world):
    e, s, f = world.enrolment, world.objects["session"], world.objects["file"]
    posts = [
        (reverse("certification:session-add", args=[e.pk]), {"held_on": "2026-10-07"}),
        (reverse("certification:link-add", args=[e.pk, s.pk]), {}),
        (
            reverse("certification:link-withdraw", args=[e.pk, s.pk, world.objects["link"].pk]),
            {},
        ),
        (reverse("certification:file-remove", args=[e.pk, f.pk]), {}),
        (reverse("certification:files", args=[e.pk]), {}),
        (reverse("certification:submit", args=[e.pk]), {}),
        (reverse("certification:session-edit", args=[e.pk, s.pk]), {"minutes": "5"}),
        (reverse("certification:entry-add", args=[e.pk]), {"title": "x", "body": "y"}),
        (
            reverse("certification:task", args=[e.pk, world.objects["task"].pk]),
            {"answer": "overwritten"},
        ),
        (
            reverse("certification:cycle-edit", args=[e.pk, world.objects["cycle"].pk]),
            {"goal": "x"},
        ),
    ]
    for who in ROLES:
        if who == "participant":
            continue
        client.logout()
        if who != "signed out":
            client.force_login(world.people[who])
        for url, data in posts:
            status = client.post(url, data).status_code
            assert status == (302 if who == "signed out" else 404), (who, url)
    f.refresh_from_db()
    assert f.removed_at is None
    world.objects["answer"].refresh_from_db()
    assert world.objects["answer"].answer == "Mine answer"
    world.objects["link"].refresh_from_db()
    assert world.objects["link"].is_live()


def test_every_admin_look_is_logged_and_the_participants_own_are_not(client, world):
    before = PortfolioView.objects.count()
    client.force_login(world.people["participant"])
    client.get(reverse("certification:diary", args=[world.enrolment.pk]))
    assert PortfolioView.objects.count() == before
    client.force_login(world.people["admin"])
    client.get(reverse("certification:diary", args=[world.enrolment.pk]))
    looks = PortfolioView.objects.filter(viewer=world.people["admin"])
    assert looks.count() >= 1
    assert looks.filter(part="diary", enrolment=world.enrolment).exists()


def test_uploaded_files_have_no_public_address(client, world):
    evidence = world.objects["file"]
    assert not evidence.file.name.startswith("/")
    for url in (
        f"/media/{evidence.file.name}",
        f"/media/evidence/{evidence.enrolment_id}/",
        f"/media/portfolios/{evidence.file.name}",
        f"/private/portfolios/{evidence.file.name}",
    ):
        assert client.get(url, follow=True).status_code == 404
    client.force_login(world.people["booker"])
    assert client.get(f"/media/{evidence.file.name}", follow=True).status_code == 404


def test_the_portfolio_storage_is_outside_the_public_media_folder_and_has_no_url():
    """Development and production store uploads under PRIVATE_ROOT, which nothing serves;
    the storage has no base URL, so no code can even make a link to a file."""
    from django.core.files.storage import storages

    from certification.storage import PrivateFileSystemStorage
    from website.settings import base

    assert base.STORAGES["portfolio"] is base.PORTFOLIO_STORAGE
    assert base.PORTFOLIO_STORAGE["BACKEND"] == "certification.storage.PrivateFileSystemStorage"
    storage = PrivateFileSystemStorage(**base.PORTFOLIO_STORAGE["OPTIONS"])
    location = Path(storage.location).resolve()
    for public in (base.MEDIA_ROOT, base.STATIC_ROOT, *base.STATICFILES_DIRS):
        assert not location.is_relative_to(Path(public).resolve())
    for each in (storage, storages["portfolio"]):
        with pytest.raises(ValueError):
            each.url("evidence/1/abc")


# The coachee's private link


def coachee_url(link):
    return reverse("certification:coachee", args=[link.token])


def test_the_coachee_link_shows_its_one_session_and_takes_notes(client, world):
    link = world.objects["link"]
    page = client.get(coachee_url(link)).content.decode()
    assert "Mine focus" in page
    # Only that session, and none of the coach's own reflections on it.
    for text in ("Mine reflection", "Mine log body", "Theirs focus", "Mine answer"):
        assert text not in page
    response = client.post(coachee_url(link), {"text": "It helped me plan the door routine."})
    assert response.status_code == 302
    assert link.session.coachee_notes.get().text.startswith("It helped")


def test_a_coachee_link_opens_only_its_own_session(client, world):
    theirs = world.objects["other"]["link"]
    page = client.get(coachee_url(theirs)).content.decode()
    assert "Theirs focus" in page
    assert "Mine focus" not in page
    # The token opens nothing else: the portfolio's pages want a signed-in user.
    for _name, url, _allowed, _answer in pages(world):
        assert client.get(url).status_code == 302


def test_an_expired_link_answers_404_and_takes_no_notes(client, world):
    link = world.objects["link"]
    link.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    link.save()
    assert client.get(coachee_url(link)).status_code == 404
    assert client.post(coachee_url(link), {"text": "late"}).status_code == 404
    assert not link.session.coachee_notes.exists()


def test_a_link_lasts_fourteen_days(world):
    link = world.objects["link"]
    assert link.expires_at - link.created_at == datetime.timedelta(days=14)
    assert link.is_live(link.created_at + datetime.timedelta(days=13, hours=23))
    assert not link.is_live(link.created_at + datetime.timedelta(days=14))


def test_a_withdrawn_link_answers_404(client, world):
    link = world.objects["link"]
    client.force_login(world.people["participant"])
    client.post(
        reverse(
            "certification:link-withdraw",
            args=[world.enrolment.pk, link.session_id, link.pk],
        )
    )
    client.logout()
    assert client.get(coachee_url(link)).status_code == 404
    assert client.post(coachee_url(link), {"text": "after"}).status_code == 404
    assert world.enrolment.audit.filter(action="link_withdrawn").exists()


def test_an_unknown_token_answers_404(client, world):
    assert client.get(reverse("certification:coachee", args=["x" * 43])).status_code == 404


def test_signing_in_works_for_every_role(client, world):
    """The matrix above uses force_login; the password really is PASSWORD."""
    assert client.login(username=world.people["participant"].email, password=PASSWORD)
