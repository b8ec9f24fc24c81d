import datetime
from unittest import mock

import feedparser
import pytest
from django.core.management import call_command
from django.utils import timezone

from website.models import JOURNAL_PAGE_SIZE, JournalPage

pytestmark = pytest.mark.django_db


def add_post(journal, slug, date, tags=(), live=True):
    post = JournalPage(
        title=slug.replace("-", " ").capitalize(),
        slug=slug,
        author="Tester",
        date=date,
        intro=f"Intro of {slug}",
        live=live,
    )
    post.tags.add(*tags)
    journal.add_child(instance=post)
    if live:
        post.save_revision().publish()
    return post


def test_index_lists_posts_newest_first_and_paginates(client, journal):
    today = timezone.localdate()
    for n in range(JOURNAL_PAGE_SIZE + 3):
        add_post(journal, f"extra-{n}", today + datetime.timedelta(days=n + 1))
    response = client.get("/journal/")
    titles = [post.title for post in response.context["posts"]]
    assert len(titles) == JOURNAL_PAGE_SIZE
    assert titles[0] == f"Extra {JOURNAL_PAGE_SIZE + 2}"
    assert response.context["page_obj"].paginator.num_pages >= 2
    second = client.get("/journal/?page=2")
    assert second.status_code == 200
    assert not set(titles) & {p.title for p in second.context["posts"]}
    assert client.get("/journal/?page=999").status_code == 404
    assert client.get("/journal/?page=abc").status_code == 200


def test_draft_posts_are_not_listed(client, journal):
    add_post(journal, "secret-draft", timezone.localdate(), live=False)
    assert b"Secret draft" not in client.get("/journal/").content
    assert client.get("/journal/secret-draft/").status_code == 404


def test_tag_archive(client, journal):
    add_post(journal, "tagged-one", timezone.localdate(), tags=["rare topic"])
    response = client.get("/journal/tag/rare-topic/")
    assert response.status_code == 200
    assert [p.slug for p in response.context["posts"]] == ["tagged-one"]
    assert "rare topic" in response.context["archive_heading"]
    assert client.get("/journal/tag/never-used/").status_code == 404


def test_month_archive(client, journal):
    add_post(journal, "in-march", datetime.date(2021, 3, 10))
    add_post(journal, "in-april", datetime.date(2021, 4, 2))
    response = client.get("/journal/2021/3/")
    assert [p.slug for p in response.context["posts"]] == ["in-march"]
    assert response.context["archive_heading"] == "Posts from March 2021"
    assert client.get("/journal/2021/13/").status_code == 404
    assert client.get("/journal/0000/1/").status_code == 404


@pytest.mark.parametrize("url", ["/journal/feed/rss/", "/journal/feed/atom/"])
def test_feeds_parse_and_list_the_newest_posts(client, journal, url):
    newest = add_post(journal, "newest-of-all", timezone.localdate() + datetime.timedelta(days=30))
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Journal"
    assert feed.version in ("rss20", "atom10")
    assert feed.version == ("rss20" if "rss" in url else "atom10")
    assert feed.entries[0].title == newest.title
    assert feed.entries[0].link.endswith("/journal/newest-of-all/")
    expected = list(journal.posts().values_list("title", flat=True)[:20])
    assert [entry.title for entry in feed.entries] == expected


def test_scheduled_post_goes_live_when_due(client, journal):
    post = add_post(journal, "future-post", timezone.localdate(), live=False)
    post.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    post.save_revision().publish()
    post.refresh_from_db()
    assert not post.live and post.status_string == "scheduled"
    call_command("publish_scheduled")
    post.refresh_from_db()
    assert not post.live  # not due yet

    later = timezone.now() + datetime.timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("publish_scheduled")
    post.refresh_from_db()
    assert post.live
    assert client.get("/journal/future-post/").status_code == 200


def test_demo_seed_schedules_a_post(journal):
    scheduled = JournalPage.objects.get(slug="planning-coaching-for-the-spring-term")
    assert not scheduled.live
    assert scheduled.latest_revision.approved_go_live_at > timezone.now() - datetime.timedelta(
        days=7
    )


def test_post_page_shows_related_posts_by_shared_tags(client, journal):
    today = timezone.localdate()
    a = add_post(journal, "shares-tags-a", today, tags=["alpha", "beta"])
    add_post(journal, "shares-tags-b", today, tags=["alpha", "beta"])
    add_post(journal, "shares-one-tag", today, tags=["alpha"])
    response = client.get(a.url)
    related = [p.slug for p in response.context["related_posts"]]
    assert related[:2] == ["shares-tags-b", "shares-one-tag"]
    assert "shares-tags-a" not in related
