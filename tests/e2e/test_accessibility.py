import pytest

from .conftest import serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = [
    "/",
    "/courses/",
    "/courses/certificate-in-coaching-competence/",
    "/journal/",
    "/journal/fifteen-minutes-a-week/",
    "/enquire/",
    "/search/?q=coaching",
    "/accounts/sign-in/",
]


def test_no_serious_or_critical_axe_violations(site, page, axe_source):
    problems = {}
    for path in PAGES:
        page.goto(site.url + path)
        bad = serious_axe_violations(page, axe_source)
        if bad:
            problems[path] = bad
    assert problems == {}


def test_phone_layout_has_no_sideways_scroll(site, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in ("/", "/courses/", "/journal/fifteen-minutes-a-week/"):
        page.goto(site.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    page.get_by_role("button", name="Menu").click()
    assert (
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").is_visible()
    )
    context.close()
