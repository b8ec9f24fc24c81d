"""Editors write and submit; Moderators approve and publish (Wagtail's workflow)."""

import pytest
from django.urls import reverse
from wagtail.models import Workflow

from accounts import roles
from website.models import JournalPage

pytestmark = pytest.mark.django_db


def post_data(title, slug):
    return {
        "title": title,
        "slug": slug,
        "date": "2026-11-20",
        "author": "Eden Editor",
        "intro": "A short introduction.",
        "body-count": "0",
        "tags": "coaching practice",
    }


def create_draft(client, journal, title="A new post", slug="a-new-post", **extra):
    url = reverse("wagtailadmin_pages:add", args=("website", "journalpage", journal.pk))
    return client.post(url, {**post_data(title, slug), **extra})


def test_the_moderation_workflow_covers_the_site(home):
    workflow = home.get_workflow()
    assert isinstance(workflow, Workflow) and workflow.active
    task = workflow.tasks.first().specific
    assert [group.name for group in task.groups.all()] == [roles.MODERATORS]


def test_editor_saves_a_draft_that_visitors_cannot_see(client, editor, journal):
    client.force_login(editor)
    response = create_draft(client, journal)
    assert response.status_code == 302
    page = JournalPage.objects.get(slug="a-new-post")
    assert not page.live
    client.logout()
    assert client.get("/journal/a-new-post/").status_code == 404


def test_editor_cannot_publish_directly(client, editor, journal):
    client.force_login(editor)
    create_draft(client, journal, **{"action-publish": "Publish"})
    assert not JournalPage.objects.get(slug="a-new-post").live


def test_editor_previews_a_draft(client, editor, journal):
    client.force_login(editor)
    create_draft(client, journal)
    page = JournalPage.objects.get(slug="a-new-post")
    preview = client.post(
        reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,)),
        post_data("A previewed title", "a-new-post") | {"body-count": "0"},
    )
    assert preview.json()["is_valid"]
    shown = client.get(reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,)))
    assert b"A previewed title" in shown.content


def test_editor_submits_and_moderator_approves(client, editor, moderator, journal):
    client.force_login(editor)
    create_draft(client, journal, **{"action-submit": "Submit"})
    page = JournalPage.objects.get(slug="a-new-post")
    state = page.current_workflow_state
    assert state is not None and state.status == "in_progress"
    assert not page.live

    client.force_login(moderator)
    task_state = state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    response = client.post(url, {"comment": ""})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    client.logout()
    assert client.get("/journal/a-new-post/").status_code == 200
    assert b"A new post" in client.get("/journal/").content


def test_revisions_are_kept(client, editor, journal):
    client.force_login(editor)
    create_draft(client, journal)
    page = JournalPage.objects.get(slug="a-new-post")
    client.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        post_data("A new post, second draft", "a-new-post"),
    )
    page.refresh_from_db()
    assert page.revisions.count() == 2
    assert page.get_latest_revision_as_object().title == "A new post, second draft"
