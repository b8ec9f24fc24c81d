from django.test import RequestFactory
from django.views.defaults import server_error


def test_500_page_is_friendly_and_stands_alone():
    # Django renders it without context processors or a database, so it must not need them.
    response = server_error(RequestFactory().get("/broken/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert '<html lang="en-GB">' in html and "/static/dist/site.css" in html


def test_404_page_keeps_the_site_navigation(client, db):
    response = client.get("/courses/no-such-course/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'aria-label="Main"' in html and "Skip to main content" in html
