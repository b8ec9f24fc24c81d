from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from accounts import roles
from bookings.models import Booking, Cohort, Delegate, Invoice, Organisation, Payment, Voucher
from certification.models import Award, RequirementSet
from courses.models import CoursePage
from website.demo.seed import seed_demo
from website.models import FormField, JournalPage
from website.models import Testimonial as SiteTestimonial

pytestmark = pytest.mark.django_db

BRIEF_COURSES = {
    "Developing the Skills of a Coaching Ambassador",
    "Leading a Coaching School",
    "Coaching Towards Outstanding Teaching and Learning",
    "Aspiring to Leadership",
    "Coaching and Lesson Study",
    "Certificate in Coaching Competence",
    "Mentoring, Coaching and Leadership Recognition Framework",
    "Partnership Coaching Course",
}


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("pk", "latest_revision_id", "live")),
        "revisions": Revision.objects.count(),
        "images": get_image_model().objects.count(),
        "testimonials": SiteTestimonial.objects.count(),
        "form fields": FormField.objects.count(),
        "users": sorted(get_user_model().objects.values_list("email", "password")),
        "organisations": Organisation.objects.count(),
        "cohorts": Cohort.objects.count(),
        "bookings": sorted(Booking.objects.values_list("reference", "status")),
        "delegates": Delegate.objects.count(),
        "invoices": Invoice.objects.count(),
        "payments": Payment.objects.count(),
        "vouchers": sorted(Voucher.objects.values_list("code", "times_used")),
        "requirement sets": sorted(RequirementSet.objects.values_list("award__slug", "version")),
    }


def test_seed_is_idempotent():
    seed_demo(demo_users=True)
    before = snapshot()
    report = seed_demo(demo_users=True)
    assert report.created == []
    assert snapshot() == before


def test_command_says_nothing_changed_the_second_time(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "nothing changed" in out
    assert "coaching-demo" in out and "editor@coaching.example" in out


def test_no_demo_accounts_outside_development(settings):
    settings.DEBUG = False
    call_command("seed_demo")
    assert not get_user_model().objects.filter(email="editor@coaching.example").exists()


def test_seed_has_the_brief_s_courses_and_prices():
    titles = set(CoursePage.objects.live().values_list("title", flat=True))
    assert titles >= BRIEF_COURSES
    ccc = CoursePage.objects.get(title="Certificate in Coaching Competence")
    assert (ccc.price_amount, ccc.vat_rate, ccc.max_places) == (
        Decimal("5000.00"),
        Decimal("20.00"),
        6,
    )
    rf = CoursePage.objects.get(slug="recognition-framework")
    assert (rf.price_amount, rf.min_places) == (Decimal("265.00"), 3)
    assert CoursePage.objects.get(slug="partnership-coaching-course").price.is_free


def test_seed_has_tagged_illustrated_posts_and_testimonials():
    posts = JournalPage.objects.live()
    assert posts.count() >= 8
    for post in posts:
        assert post.tags.exists(), post.title
        assert post.listing_image_id, post.title
    assert SiteTestimonial.objects.count() >= 3


def test_seed_makes_one_user_per_role():
    seed_demo(demo_users=True)
    User = get_user_model()
    for role in roles.ALL_ROLES:
        assert User.objects.filter(groups__name=role).exists(), role


def test_seed_has_the_awards_with_their_requirements():
    seed_demo(demo_users=False)
    ccc = Award.objects.get(slug="certificate-in-coaching-competence").current_requirements()
    assert (ccc.coaching_sessions_total, ccc.coaching_sessions_per_term) == (30, 10)
    assert ccc.coaching_minimum_minutes == 30 and ccc.training_sessions == 3
    assert [t.kind for t in ccc.tasks.order_by("sort_order")][:2] == ["pre_course", "review"]
    phases = Award.objects.filter(kind="framework").order_by("pk")
    assert [a.name.split(": ")[1] for a in phases] == [
        "Effective Mentor",
        "Advanced Mentor and Coach",
        "Master Mentor and Coach",
    ]
    assert all(p.current_requirements().qa_visit_required for p in phases)
    assert all(p.current_requirements().criteria.exists() for p in phases)
