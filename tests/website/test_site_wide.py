"""Sitemap, robots.txt, search, navigation and page metadata."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from wagtail.models import Page

from courses.models import CoursePage
from website.models import NavigationSettings

pytestmark = pytest.mark.django_db


def test_sitemap_lists_every_live_page(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in root.findall("s:url/s:loc", ns)}
    live = Page.objects.live().public().exclude(depth=1).specific()
    assert live.count() > 20
    for page in live:
        assert page.full_url in listed, page.url
    draft_urls = [p.full_url for p in Page.objects.filter(live=False).specific() if p.full_url]
    assert not set(draft_urls) & listed


def test_robots_points_at_the_sitemap_and_keeps_out_of_admin(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_search_finds_courses_and_posts_only(client):
    response = client.get("/search/", {"q": "portfolio"})
    assert response.status_code == 200
    results = list(response.context["results"])
    kinds = {type(page).__name__ for page in results}
    assert "CoursePage" in kinds and "JournalPage" in kinds
    assert kinds <= {"CoursePage", "JournalPage"}
    assert b"Certificate in Coaching Competence" in response.content


def test_search_with_no_query_shows_the_form_only(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert response.context["results"] is None


def test_search_with_no_matches_says_so(client):
    response = client.get("/search/", {"q": "xylophone"})
    assert b"0 results for" in response.content


def test_search_rejects_an_overlong_query_at_the_field(client):
    response = client.get("/search/", {"q": "x" * 300})
    assert response.context["results"] is None
    assert b'id="id_q-error"' in response.content


def test_navigation_comes_from_settings(client):
    navigation = NavigationSettings.load()
    course_index = Page.objects.get(slug="courses")
    navigation.primary_links = [("link", {"page": course_index, "label": "Our catalogue"})]
    navigation.save()
    html = client.get("/").content.decode()
    assert 'href="/courses/"' in html and "Our catalogue" in html
    assert "Journal</a>" not in html.split("</nav>")[0]


def test_course_page_metadata_and_json_ld(client, ccc):
    html = client.get(ccc.url).content.decode()
    assert "<title>Certificate in Coaching Competence | Northlight Coaching</title>" in html
    assert '<meta name="description" content="A year-long certification route' in html
    assert '<meta property="og:title" content="Certificate in Coaching Competence">' in html
    assert '<meta property="og:image" content="http://testserver/' in html
    assert f'<link rel="canonical" href="{ccc.full_url}">' in html
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(match.group(1))
    assert data["@type"] == "Course"
    assert data["name"] == ccc.title
    assert data["provider"]["name"] == "Northlight Coaching"
    assert data["offers"]["price"] == "5000.00"
    assert data["offers"]["priceCurrency"] == "GBP"


def test_json_ld_cannot_break_out_of_its_script_element(client, ccc):
    ccc.summary = "Close </script><script>alert(1)</script>"
    ccc.save_revision().publish()
    html = client.get(ccc.url).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["description"] == ccc.summary


def test_journal_post_is_an_article_for_sharing(client, post):
    html = client.get(post.url).content.decode()
    assert '<meta property="og:type" content="article">' in html
    assert "Fifteen minutes a week" in html


def test_pages_have_a_skip_link_and_landmarks(client):
    for url in ("/", "/courses/", "/journal/", CoursePage.objects.first().url):
        html = client.get(url).content.decode()
        assert '<a class="visually-hidden-focusable skip-link" href="#main">' in html
        assert '<main id="main"' in html
        assert "<header" in html and "<footer" in html and '<nav class="navbar' in html


def test_menu_follows_a_renamed_page_once_published(client):
    about = Page.objects.get(slug="about").specific
    assert ">About us</a>" in client.get("/").content.decode()
    about.title = "Who we are"
    about.save_revision()  # a draft changes nothing yet
    assert ">About us</a>" in client.get("/").content.decode()
    about.get_latest_revision().publish()
    html = client.get("/courses/").content.decode()
    assert ">Who we are</a>" in html and ">About us</a>" not in html


def test_absolute_urls_use_the_address_the_site_is_served_at(client, settings, home):
    """`make run` serves on BASE_URL; the sitemap, canonical links and structured data
    must point there, not at a dead http://localhost/."""
    from website.demo.seed import seed_demo

    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    seed_demo(demo_users=False)
    sitemap = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "<loc>http://127.0.0.1:8000/courses/</loc>" in sitemap
    assert "localhost" not in sitemap
    course = client.get(
        "/courses/certificate-in-coaching-competence/", HTTP_HOST="127.0.0.1:8000"
    ).content.decode()
    assert '"url": "http://127.0.0.1:8000/courses/certificate-in-coaching-competence/"' in course
    assert 'rel="canonical" href="http://127.0.0.1:8000/courses/' in course
