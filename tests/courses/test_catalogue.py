from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from courses.models import CoursePage
from courses.pricing import Charging, StandardPrice, money

pytestmark = pytest.mark.django_db


def slugs(response):
    return {course.slug for course in response.context["courses"]}


def test_catalogue_lists_every_live_course(client):
    response = client.get("/courses/")
    assert slugs(response) == set(CoursePage.objects.live().values_list("slug", flat=True))
    assert len(slugs(response)) >= 8


def test_filter_by_audience(client):
    response = client.get("/courses/", {"audience": "whole-staff"})
    assert slugs(response) == {"coaching-towards-outstanding-teaching"}
    senior = slugs(client.get("/courses/", {"audience": "senior-leaders"}))
    assert "leading-a-coaching-school" in senior
    assert "coaching-ambassador" not in senior


def test_filter_by_format_and_length_together(client):
    response = client.get("/courses/", {"format": "certification", "length": "academic_year"})
    assert slugs(response) == {"certificate-in-coaching-competence"}
    partnership = slugs(client.get("/courses/", {"format": "partnership"}))
    assert partnership == {"partnership-coaching-course"}


def test_empty_filters_mean_everything(client):
    response = client.get("/courses/", {"audience": "", "format": "", "length": ""})
    assert len(slugs(response)) == CoursePage.objects.live().count()
    assert not response.context["is_filtered"]


def test_unknown_filter_value_is_explained_at_the_field(client):
    response = client.get("/courses/", {"format": "correspondence"})
    assert response.status_code == 200
    assert "format" in response.context["filter_form"].errors
    assert b'class="invalid-feedback d-block"' in response.content


def test_filter_form_is_a_plain_get_form(client):
    html = client.get("/courses/").content.decode()
    assert '<form class="course-filters' in html and 'method="get"' in html
    assert '<button type="submit" class="btn btn-primary">Show courses</button>' in html


def test_course_pages_hold_their_price_as_data(ccc):
    price = ccc.price
    assert price.amount == Decimal("5000.00")
    assert price.vat_rate == Decimal("20.00")
    assert price.charging == Charging.PER_SCHOOL_TEAM
    assert price.max_places == 6
    assert price.vat_amount == Decimal("1000.00")
    assert price.amount_including_vat == Decimal("6000.00")
    rf = CoursePage.objects.get(slug="recognition-framework").price
    assert (rf.amount, rf.vat_rate, rf.min_places) == (Decimal("265.00"), Decimal("0.00"), 3)
    assert rf.amount_including_vat == Decimal("265.00")
    partnership = CoursePage.objects.get(slug="partnership-coaching-course").price
    assert partnership.is_free and partnership.amount == Decimal("0.00")


def test_course_page_shows_the_price(client, ccc):
    html = client.get(ccc.url).content.decode()
    assert "£5,000" in html and "+ VAT at 20%" in html and "£6,000 in all" in html
    assert "per school team, for up to 6 places" in html
    rf = client.get("/courses/recognition-framework/").content.decode()
    assert "£265" in rf and "(no VAT)" in rf and "for a minimum of 3 places" in rf
    free = client.get("/courses/partnership-coaching-course/").content.decode()
    assert "Free to partner schools" in free


def test_course_page_shows_programme_testimonials_and_related_posts(client, ccc):
    response = client.get(ccc.url)
    html = response.content.decode()
    for text in (
        "Session 1: Fundamentals",
        "Session 3: Taking it further",
        "Autumn term",
        "Between sessions",
        "Before the first training day",
    ):
        assert text in html
    assert response.context["testimonials"]
    assert [p.slug for p in response.context["related_posts"]] == [
        "choosing-a-shared-goal",
        "preparing-your-portfolio",
    ]


def test_vat_is_rounded_half_up_in_pence():
    assert money(Decimal("0.125")) == Decimal("0.13")
    price = StandardPrice(Decimal("10.05"), Decimal("17.5"), Charging.PER_DELEGATE)
    assert price.vat_amount == Decimal("1.76")  # 1.75875 rounds up
    assert isinstance(price.amount_including_vat, Decimal)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"charging": Charging.PER_DELEGATE, "price_amount": None}, "price_amount"),
        ({"charging": Charging.FREE_TO_PARTNERS, "price_amount": Decimal("10")}, "price_amount"),
        ({"min_places": 7, "max_places": 6}, "max_places"),
    ],
)
def test_price_rules_are_enforced_at_the_field(ccc, changes, field):
    for name, value in changes.items():
        setattr(ccc, name, value)
    with pytest.raises(ValidationError) as error:
        ccc.full_clean()
    assert field in error.value.message_dict


def test_vat_rate_must_be_a_percentage(ccc):
    ccc.vat_rate = Decimal("120")
    with pytest.raises(ValidationError) as error:
        ccc.full_clean()
    assert "vat_rate" in error.value.message_dict


def test_card_images_offer_a_srcset_in_their_own_shape(client, course_index):
    """Lighthouse flagged the cards: one fixed-size image, squashed by the grid."""
    import re

    html = client.get(course_index.url).content.decode()
    card_images = re.findall(r'<img[^>]*class="card-img-top"[^>]*>', html)
    assert card_images
    for tag in card_images:
        assert re.search(r'srcset="[^"]*320w[^"]*480w[^"]*640w"', tag), tag
        assert 'sizes="' in tag
        width = int(re.search(r'width="(\d+)"', tag).group(1))
        height = int(re.search(r'height="(\d+)"', tag).group(1))
        assert width * 9 == height * 16, tag
