"""axe-core on every certification page the journeys do not pass through, each as the
person who uses it, and no sideways scrolling on a phone for the participant's pages."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from certification.services.portfolio import make_coachee_link

from ..certification.portfolio_world import build_world
from .conftest import serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def signed_in(browser, site, user, viewport=None):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site.url,
            }
        ]
    )
    return context


def test_certification_pages_pass_axe_for_the_people_who_use_them(site, browser, axe_source):
    world = build_world()
    e, o, people = world.enrolment, world.objects, world.people
    pk, earlier = e.pk, o["earlier"].pk
    school = e.organisation.pk
    link = make_coachee_link(o["session"], people["participant"])
    pages = {
        "participant": [
            reverse("certification:portfolios"),
            reverse("certification:portfolio", args=[pk]),
            reverse("certification:diary", args=[pk]),
            reverse("certification:session", args=[pk, o["session"].pk]),
            reverse("certification:session-add", args=[pk]),
            reverse("certification:session-add", args=[pk]) + "?full=1",
            reverse("certification:cycle-add", args=[pk]),
            reverse("certification:log", args=[pk]),
            reverse("certification:entry-add", args=[pk]),
            reverse("certification:tasks", args=[pk]),
            reverse("certification:task", args=[pk, o["task"].pk]),
            reverse("certification:files", args=[pk]),
            reverse("certification:history", args=[pk]),
            reverse("certification:submission", args=[pk, o["referred"].number]),
        ],
        "assessor": [
            reverse("certification:portfolios"),
            reverse("certification:review", args=[pk, o["pending"].number]),
            reverse("reports:progress"),
        ],
        "admin": [
            reverse("certification:moderation"),
            reverse("certification:moderate", args=[earlier, o["recommended"].number]),
            reverse("reports:progress"),
            reverse("reports:partnerships"),
            reverse("reports:impact", args=[school]),
        ],
        "coaching lead": [
            reverse("certification:portfolios"),
            reverse("reports:impact", args=[school]),
        ],
        "impact lead": [reverse("certification:impact", args=[pk, o["cycle"].pk])],
        None: [
            reverse("certification:coachee", args=[link.token]),
            reverse("certification:coachee", args=["no-such-link"]),
            reverse("verify:lookup"),
            reverse("verify:lookup") + "?number=XYZ-2026-0001&surname=Nobody",
        ],
    }
    problems = {}
    for who, paths in pages.items():
        phone = who in ("participant", None)
        viewport = {"width": 375, "height": 812} if phone else None
        if who is None:
            context = browser.new_context(viewport=viewport)
        else:
            context = signed_in(browser, site, people[who], viewport)
        page = context.new_page()
        for path in paths:
            response = page.goto(site.url + path)
            # The page itself, not a sign-in page or an error in its place.
            expected = 404 if ("no-such-link" in path or "Nobody" in path) else 200
            assert (response.status, page.url) == (expected, site.url + path), (who, path)
            found = serious_axe_violations(page, axe_source)
            if phone:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 375:
                    found.append(f"{width}px wide on a 375px screen")
            if found:
                problems[f"{who}: {path}"] = found
        context.close()
    assert problems == {}
