"""Pages run a fixed number of SQL queries, however many courses and posts there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from website.demo.bulk import add_bulk_content

PAGES = {
    "home": "/",
    "catalogue": "/courses/",
    "course": "/courses/certificate-in-coaching-competence/",
    "journal index": "/journal/",
    "journal post": "/journal/preparing-your-portfolio/",
}
# Ceilings for each page once warm (renditions made, site root paths cached).
CEILINGS = {"home": 18, "catalogue": 14, "course": 17, "journal index": 16, "journal post": 13}


def count_queries(client, url):
    client.get(url)  # warm: renditions and Wagtail's site-root cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_query_counts_are_capped_and_do_not_grow_with_data(client):
    small = {name: count_queries(client, url) for name, url in PAGES.items()}
    add_bulk_content(courses=50, posts=200)
    large = {name: count_queries(client, url) for name, url in PAGES.items()}
    print("queries with the demo content:", small)
    print("queries with 50 more courses and 200 more posts:", large)
    for name in PAGES:
        assert large[name] <= CEILINGS[name], f"{name}: {large[name]} queries"
        assert large[name] == small[name], f"{name} grew from {small[name]} to {large[name]}"
