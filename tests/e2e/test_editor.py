import feedparser
import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts import roles
from accounts.models import User

from .conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
TITLE = "What our ambassadors learned this week"


def staff(role, email):
    user = User.objects.create_user(email=email, password=PASSWORD, first_name=role)
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in_to_admin(page, base, email):
    page.goto(base + "/admin/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/admin/")


def test_editor_writes_moderator_approves_post_appears_on_journal_and_feed(site, new_page):
    staff(roles.EDITORS, "eden@coaching.example")
    staff(roles.MODERATORS, "morgan@coaching.example")
    from website.models import JournalIndexPage

    journal = JournalIndexPage.objects.get()

    editor = new_page()
    sign_in_to_admin(editor, site.url, "eden@coaching.example")
    editor.goto(f"{site.url}/admin/pages/{journal.pk}/")
    editor.get_by_role("link", name="Add child page").first.click()
    editor.wait_for_url("**/add/website/journalpage/**")
    editor.locator("#id_title").fill(TITLE)
    editor.locator("#id_author").fill("Eden Editor")
    editor.locator("#id_intro").fill("Three things that worked in school this week.")
    editor.get_by_role("button", name="More actions").click()
    editor.get_by_role("button", name="Submit to Moderators approval").click()
    editor.wait_for_url(f"{site.url}/admin/pages/{journal.pk}/")
    assert "submitted for moderation" in editor.locator(".messages").inner_text()

    visitor = Client()
    assert TITLE.encode() not in visitor.get("/journal/").content  # not before approval

    moderator = new_page()
    sign_in_to_admin(moderator, site.url, "morgan@coaching.example")
    row = moderator.locator("tr", has_text=TITLE).first
    row.get_by_role("button", name="Actions").click()
    moderator.get_by_role("button", name="Approve", exact=True).click()
    moderator.wait_for_load_state("networkidle")

    reader = new_page()
    reader.goto(site.url + "/journal/")
    reader.get_by_role("link", name=TITLE).click()
    assert reader.get_by_role("heading", level=1).inner_text() == TITLE
    feed = feedparser.parse(visitor.get("/journal/feed/rss/").content)
    assert TITLE in [entry.title for entry in feed.entries]
