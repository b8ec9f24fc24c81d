import pytest
from django.test import override_settings

from website.cache import page_cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_page_cache")]


@pytest.fixture
def clean_page_cache():
    page_cache().clear()
    with override_settings(PAGE_CACHE_ENABLED=True):
        yield
    page_cache().clear()


def test_anonymous_visitors_get_cached_pages(client, django_assert_num_queries):
    first = client.get("/courses/")
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/courses/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_publishing_purges_the_cache(client, ccc):
    client.get("/courses/")
    client.get(ccc.url)
    ccc.title = "Certificate in Coaching Competence (new cohort)"
    ccc.save_revision().publish()
    response = client.get(ccc.url)
    assert response["X-Page-Cache"] == "miss"
    assert b"(new cohort)" in response.content
    assert b"(new cohort)" in client.get("/courses/").content


def test_unpublishing_purges_the_cache(client, ccc):
    client.get("/courses/")
    ccc.unpublish()
    assert ccc.title.encode() not in client.get("/courses/").content


def test_signed_in_users_are_never_served_or_stored(client, editor):
    client.force_login(editor)
    response = client.get("/courses/")
    assert "X-Page-Cache" not in response
    client.logout()
    client.cookies.clear()
    assert client.get("/courses/")["X-Page-Cache"] == "miss"


def test_pages_with_a_csrf_cookie_are_not_stored(client):
    for _ in range(2):
        client.cookies.clear()
        response = client.get("/enquire/")
        assert response.get("X-Page-Cache") is None  # neither stored nor served
        assert b"csrfmiddlewaretoken" in response.content
        assert "csrftoken" in response.cookies


def test_post_requests_bypass_the_cache(client):
    response = client.post("/search/")
    assert "X-Page-Cache" not in response


def test_navigation_is_kept_only_in_the_shared_page_cache(client):
    from django.core.cache import cache

    client.get("/")
    assert any(key.startswith(":1:site-chrome") for key in page_cache()._cache)
    assert not any("site-chrome" in key for key in cache._cache)
