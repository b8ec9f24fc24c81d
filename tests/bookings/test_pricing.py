"""Booking prices: the pure arithmetic in bookings.pricing, tested without a database.

Figures follow the real catalogue: a £195 per-delegate day at 20% VAT, the Certificate in
Coaching Competence at £5,000 + VAT for a school team of up to six, and the Recognition
Framework at £265 for a team of at least three, zero-rated.
"""

import ast
import datetime
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bookings import pricing
from bookings.pricing import (
    Buyer,
    Line,
    Offer,
    PricingError,
    Quote,
    VoucherKind,
    VoucherTerms,
    check_voucher,
    quote,
)
from courses.pricing import Charging

D = Decimal
TODAY = datetime.date(2025, 3, 10)
SCHOOL = Buyer(organisation_id=7)
PARTNER = Buyer(organisation_id=8, is_partner=True)
NO_SCHOOL = Buyer(organisation_id=None)
TEN = D("10")

DAY_COURSE = Offer(
    course_id=1,
    course_title="Coaching Conversations",
    charging=Charging.PER_DELEGATE,
    amount=D("195.00"),
    vat_rate=D("20.00"),
)
CCC = Offer(
    course_id=2,
    course_title="Certificate in Coaching Competence",
    charging=Charging.PER_SCHOOL_TEAM,
    amount=D("5000.00"),
    vat_rate=D("20.00"),
    max_places=6,
)
RECOGNITION = Offer(
    course_id=3,
    course_title="Recognition Framework",
    charging=Charging.PER_SCHOOL_TEAM,
    amount=D("265.00"),
    vat_rate=D("0.00"),
    min_places=3,
)
PARTNER_DAY = Offer(
    course_id=4,
    course_title="Partner Network Day",
    charging=Charging.FREE_TO_PARTNERS,
    amount=D("0.00"),
    vat_rate=D("20.00"),
)
BESPOKE = Offer(
    course_id=5,
    course_title="Whole-School Coaching Partnership",
    charging=Charging.ON_REQUEST,
    amount=D("0.00"),
    vat_rate=D("20.00"),
)


def offer(base=DAY_COURSE, **changes):
    """A copy of a catalogue offer with some fields changed."""
    fields = {name: getattr(base, name) for name in base.__dataclass_fields__}
    return Offer(**{**fields, **changes})


def voucher(kind=VoucherKind.PERCENT, value=TEN, code="SPRING10", **terms):
    return VoucherTerms(code=code, kind=kind, value=value, **terms)


def refusal(field, *args, **kwargs):
    """The PricingError quote() raises, checked to belong to `field`."""
    with pytest.raises(PricingError) as caught:
        quote(*args, **kwargs)
    assert caught.value.field == field
    return caught.value.message


def voucher_refusal(terms, course=DAY_COURSE, buyer=SCHOOL, today=TODAY):
    """The message a voucher is refused with, by check_voucher and by quote alike."""
    with pytest.raises(PricingError) as direct:
        check_voucher(terms, course, buyer, today)
    assert direct.value.field == "voucher_code"
    assert refusal("voucher_code", course, 3, buyer, terms, today=today) == direct.value.message
    return direct.value.message


# --- Lines and quotes: VAT per line, half up --------------------------------------------


def test_line_works_out_net_vat_and_gross():
    line = Line("Coaching Conversations: delegate places", 3, D("195.00"), D("20.00"))
    assert (line.net, line.vat, line.gross) == (D("585.00"), D("117.00"), D("702.00"))


@pytest.mark.parametrize(
    ("unit_net", "vat"),
    [
        # 5% of these nets ends in exactly half a penny: half up, never to even or down.
        (D("12.50"), D("0.63")),
        (D("62.50"), D("3.13")),
        (D("0.10"), D("0.01")),
        # A discount line rounds its half penny away from zero, mirroring the charge.
        (D("-12.50"), D("-0.63")),
    ],
)
def test_line_vat_rounds_a_half_penny_up(unit_net, vat):
    assert Line("Coaching workbook", 1, unit_net, D("5.00")).vat == vat


def test_line_rounds_the_net_to_pence_half_up():
    line = Line("Odd unit price", 3, D("0.125"), D("0"))
    assert line.net == D("0.38")


def test_zero_rated_line_has_no_vat():
    line = Line("Recognition Framework: school team package", 1, D("265.00"), D("0"))
    assert line.vat == D("0.00")
    assert str(line.vat) == "0.00"
    assert line.gross == D("265.00")


def test_quote_vat_is_the_sum_of_rounded_line_vat_not_vat_on_the_total():
    # Each £149.99 line has VAT of 29.998, so 30.00 on the invoice; three of them print as
    # 90.00 in the VAT column. Rounding 20% of the £449.97 total would give 89.99 instead.
    lines = tuple(Line(f"Workshop {n}", 1, D("149.99"), D("20.00")) for n in (1, 2, 3))
    result = Quote(lines=lines, early_bird=False)
    assert result.net_total == D("449.97")
    assert result.vat_total == D("90.00")
    assert result.vat_total != pricing.money(result.net_total * D("0.20"))
    assert result.gross_total == D("539.97")


def test_quote_totals_add_lines_at_different_rates():
    lines = (
        Line("Coaching Conversations: delegate places", 2, D("195.00"), D("20.00")),
        Line("Recognition Framework: school team package", 1, D("265.00"), D("0")),
        Line("Coaching workbook", 1, D("12.50"), D("5.00")),
    )
    result = Quote(lines=lines, early_bird=False)
    assert result.net_total == D("667.50")
    assert result.vat_total == D("78.63")
    assert result.gross_total == D("746.13")


def test_empty_quote_totals_are_zero_pence():
    result = Quote(lines=(), early_bird=False)
    assert [str(t) for t in (result.net_total, result.vat_total, result.gross_total)] == [
        "0.00",
        "0.00",
        "0.00",
    ]


# --- Money is never a float ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["amount", "vat_rate", "early_bird_amount"])
def test_offer_refuses_float_money(field):
    with pytest.raises(TypeError):
        offer(**{field: 195.0})


@pytest.mark.parametrize("field", ["amount", "vat_rate", "early_bird_amount"])
def test_offer_refuses_money_given_as_text(field):
    with pytest.raises(TypeError):
        offer(**{field: "195.00"})


@pytest.mark.parametrize("field", ["amount", "vat_rate", "early_bird_amount"])
def test_offer_refuses_negative_money(field):
    with pytest.raises(ValueError):
        offer(**{field: D("-1.00")})


def test_offer_accepts_whole_pounds_as_int():
    assert quote(offer(amount=195, vat_rate=20), 1, SCHOOL, today=TODAY).gross_total == D("234.00")


def test_voucher_refuses_a_float_value():
    with pytest.raises(TypeError):
        voucher(value=10.0)


@pytest.mark.parametrize("field", ["unit_net", "vat_rate"])
def test_line_refuses_float_money(field):
    values = {"unit_net": D("195.00"), "vat_rate": D("20.00"), field: 0.1}
    with pytest.raises(TypeError):
        Line("Coaching Conversations", 1, **values)


@pytest.mark.parametrize("places", [2.0, "2", True])
def test_places_must_be_a_whole_number(places):
    with pytest.raises(TypeError):
        quote(DAY_COURSE, places, SCHOOL, today=TODAY)


# --- Places ------------------------------------------------------------------------------


@pytest.mark.parametrize("course", [DAY_COURSE, CCC, RECOGNITION, PARTNER_DAY])
@pytest.mark.parametrize("places", [0, -1])
def test_at_least_one_place_must_be_booked(course, places):
    message = refusal("places", course, places, PARTNER, today=TODAY)
    assert message == "Please book at least one place."


def test_pricing_error_carries_its_field_and_message():
    error = PricingError("places", "Please book at least one place.")
    assert error.field == "places"
    assert error.message == "Please book at least one place."
    assert str(error) == "Please book at least one place."


# --- Per delegate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("places", "net", "vat", "gross"),
    [
        (1, "195.00", "39.00", "234.00"),
        (3, "585.00", "117.00", "702.00"),
        (12, "2340.00", "468.00", "2808.00"),
    ],
)
def test_per_delegate_charges_each_place(places, net, vat, gross):
    result = quote(DAY_COURSE, places, SCHOOL, today=TODAY)
    (line,) = result.lines
    assert (line.quantity, line.unit_net, line.vat_rate) == (places, D("195.00"), D("20.00"))
    assert (result.net_total, result.vat_total, result.gross_total) == (D(net), D(vat), D(gross))
    assert result.early_bird is False
    assert result.voucher_code == ""


def test_per_delegate_line_names_the_course():
    (line,) = quote(DAY_COURSE, 1, SCHOOL, today=TODAY).lines
    assert line.description == "Coaching Conversations: delegate place"
    (line,) = quote(DAY_COURSE, 2, SCHOOL, today=TODAY).lines
    assert line.description == "Coaching Conversations: delegate places"


LIMITED_DAY = offer(min_places=3, max_places=6)


@pytest.mark.parametrize("places", [3, 4, 6])
def test_per_delegate_within_limits_is_priced(places):
    result = quote(LIMITED_DAY, places, SCHOOL, today=TODAY)
    assert result.net_total == D("195.00") * places


@pytest.mark.parametrize(
    ("places", "message"),
    [
        (2, "This course is booked for at least 3 places."),
        (7, "This course is booked for at most 6 places."),
    ],
)
def test_per_delegate_outside_limits_is_refused(places, message):
    assert refusal("places", LIMITED_DAY, places, SCHOOL, today=TODAY) == message


# --- Per school team (packages) ----------------------------------------------------------


@pytest.mark.parametrize("places", [1, 4, 6])
def test_package_is_one_price_for_the_team(places):
    result = quote(CCC, places, SCHOOL, today=TODAY)
    (line,) = result.lines
    assert (line.quantity, line.unit_net) == (1, D("5000.00"))
    assert (result.net_total, result.vat_total, result.gross_total) == (
        D("5000.00"),
        D("1000.00"),
        D("6000.00"),
    )


def test_package_line_says_the_team_size():
    (line,) = quote(CCC, 4, SCHOOL, today=TODAY).lines
    assert line.description == "Certificate in Coaching Competence: school team package (4 places)"
    (line,) = quote(CCC, 1, SCHOOL, today=TODAY).lines
    assert line.description == "Certificate in Coaching Competence: school team package (1 place)"


@pytest.mark.parametrize("places", [7, 12])
def test_package_above_its_maximum_is_refused(places):
    message = refusal("places", CCC, places, SCHOOL, today=TODAY)
    assert message == "This course is booked for at most 6 places."


@pytest.mark.parametrize("places", [3, 4, 20])
def test_zero_rated_package_at_or_above_its_minimum(places):
    result = quote(RECOGNITION, places, SCHOOL, today=TODAY)
    (line,) = result.lines
    assert (line.quantity, line.unit_net, line.vat_rate) == (1, D("265.00"), D("0.00"))
    assert result.net_total == D("265.00")
    assert str(result.vat_total) == "0.00"
    assert result.gross_total == D("265.00")


@pytest.mark.parametrize("places", [1, 2])
def test_package_below_its_minimum_is_refused(places):
    message = refusal("places", RECOGNITION, places, SCHOOL, today=TODAY)
    assert message == "This course is booked for at least 3 places."


# --- Free to partners --------------------------------------------------------------------


@pytest.mark.parametrize(("places", "word"), [(1, "place"), (2, "places"), (5, "places")])
def test_partner_places_are_free(places, word):
    result = quote(PARTNER_DAY, places, PARTNER, today=TODAY)
    (line,) = result.lines
    assert line.description == f"Partner Network Day: free partner {word}"
    assert (line.quantity, line.unit_net) == (places, D("0.00"))
    assert (result.net_total, result.vat_total, result.gross_total) == (D("0"),) * 3


def test_partner_places_stay_free_whatever_amount_is_stored():
    # A stray price or early-bird price on a free course must never turn into a charge.
    course = offer(
        PARTNER_DAY,
        amount=D("195.00"),
        early_bird_amount=D("150.00"),
        early_bird_until=TODAY,
    )
    result = quote(course, 3, PARTNER, today=TODAY)
    assert result.gross_total == D("0.00")
    assert result.early_bird is False
    assert "early-bird" not in result.lines[0].description


@pytest.mark.parametrize("buyer", [SCHOOL, NO_SCHOOL])
def test_non_partners_cannot_book_partner_places(buyer):
    message = refusal("organisation", PARTNER_DAY, 1, buyer, today=TODAY)
    assert "partner schools" in message


def test_partner_places_respect_a_maximum():
    course = offer(PARTNER_DAY, max_places=2)
    assert quote(course, 2, PARTNER, today=TODAY).lines[0].quantity == 2
    message = refusal("places", course, 3, PARTNER, today=TODAY)
    assert message == "This course is booked for at most 2 places."


@pytest.mark.parametrize(
    "terms",
    [
        voucher(VoucherKind.PERCENT, D("50")),
        voucher(VoucherKind.FIXED, D("100")),
        voucher(VoucherKind.FREE),
    ],
)
def test_voucher_on_a_free_place_adds_no_line(terms):
    result = quote(PARTNER_DAY, 2, PARTNER, terms, today=TODAY)
    assert len(result.lines) == 1
    assert result.net_total == D("0.00")
    # Nothing was taken off, so the voucher is not recorded as used.
    assert result.voucher_code == ""


def test_invalid_voucher_is_still_refused_on_a_free_place():
    expired = voucher(valid_until=TODAY - datetime.timedelta(days=1))
    refusal("voucher_code", PARTNER_DAY, 1, PARTNER, expired, today=TODAY)


# --- Priced on request -------------------------------------------------------------------


@pytest.mark.parametrize("places", [1, 0, 30])
def test_priced_on_request_asks_for_a_quote(places):
    message = refusal("places", BESPOKE, places, PARTNER, today=TODAY)
    assert message == (
        "Whole-School Coaching Partnership is priced on request. "
        "Please ask our office for a quote for your school."
    )


def test_priced_on_request_is_refused_even_with_a_free_voucher():
    refusal("places", BESPOKE, 1, SCHOOL, voucher(VoucherKind.FREE), today=TODAY)


def test_unknown_charging_is_a_programming_error():
    with pytest.raises(ValueError):
        quote(offer(charging="per_minute"), 1, SCHOOL, today=TODAY)


# --- Early bird --------------------------------------------------------------------------

EARLY_UNTIL = datetime.date(2025, 3, 31)
EARLY_DAY = offer(early_bird_amount=D("165.00"), early_bird_until=EARLY_UNTIL)


@pytest.mark.parametrize(
    ("today", "early", "unit"),
    [
        (datetime.date(2025, 3, 30), True, "165.00"),  # the day before the deadline
        (datetime.date(2025, 3, 31), True, "165.00"),  # the last day is included
        (datetime.date(2025, 4, 1), False, "195.00"),  # the day after
    ],
)
def test_early_bird_boundary(today, early, unit):
    result = quote(EARLY_DAY, 2, SCHOOL, today=today)
    (line,) = result.lines
    assert result.early_bird is early
    assert line.unit_net == D(unit)
    assert result.net_total == D(unit) * 2
    assert ("early-bird" in line.description) is early


def test_early_bird_line_description():
    (line,) = quote(EARLY_DAY, 2, SCHOOL, today=EARLY_UNTIL).lines
    assert line.description == "Coaching Conversations: delegate places, early-bird price"


@pytest.mark.parametrize(
    ("today", "unit"),
    [(datetime.date(2025, 3, 31), "4500.00"), (datetime.date(2025, 4, 1), "5000.00")],
)
def test_early_bird_package(today, unit):
    course = offer(CCC, early_bird_amount=D("4500.00"), early_bird_until=EARLY_UNTIL)
    result = quote(course, 5, SCHOOL, today=today)
    assert result.lines[0].quantity == 1
    assert result.net_total == D(unit)
    assert result.vat_total == D(unit) / 5


@pytest.mark.parametrize(
    "changes",
    [
        {"early_bird_amount": D("165.00")},  # no deadline
        {"early_bird_until": EARLY_UNTIL},  # no early-bird price
    ],
)
def test_early_bird_needs_both_a_price_and_a_deadline(changes):
    result = quote(offer(**changes), 1, SCHOOL, today=datetime.date(2025, 1, 1))
    assert result.early_bird is False
    assert result.net_total == D("195.00")


def test_early_bird_price_of_zero_still_applies():
    course = offer(early_bird_amount=D("0.00"), early_bird_until=EARLY_UNTIL)
    result = quote(course, 2, SCHOOL, today=EARLY_UNTIL)
    assert result.early_bird is True
    assert result.gross_total == D("0.00")


def test_voucher_discounts_the_early_bird_price():
    result = quote(EARLY_DAY, 2, SCHOOL, voucher(), today=EARLY_UNTIL)
    assert result.lines[1].unit_net == D("-33.00")
    assert result.net_total == D("297.00")


# --- Voucher effects ---------------------------------------------------------------------


def test_percent_voucher_adds_a_discount_line():
    result = quote(DAY_COURSE, 3, SCHOOL, voucher(), today=TODAY)
    course_line, discount = result.lines
    assert course_line.net == D("585.00")
    assert discount.description == "Voucher SPRING10: 10% off"
    assert (discount.quantity, discount.unit_net, discount.vat_rate) == (
        1,
        D("-58.50"),
        D("20.00"),
    )
    assert discount.vat == D("-11.70")
    assert (result.net_total, result.vat_total, result.gross_total) == (
        D("526.50"),
        D("105.30"),
        D("631.80"),
    )
    assert result.voucher_code == "SPRING10"


def test_percent_voucher_rounds_half_a_penny_up():
    # 12.5% of £585.00 is £73.125: £73.13 half up (banker's rounding or truncation: £73.12).
    result = quote(DAY_COURSE, 3, SCHOOL, voucher(value=D("12.5"), code="EIGHTH"), today=TODAY)
    discount = result.lines[1]
    assert discount.unit_net == D("-73.13")
    assert discount.description == "Voucher EIGHTH: 12.5% off"
    assert result.net_total == D("511.87")
    # VAT on the discount line is rounded on its own: -14.626 -> -14.63.
    assert discount.vat == D("-14.63")
    assert result.vat_total == D("102.37")


@pytest.mark.parametrize(("value", "label"), [(D("10.00"), "10%"), (D("100"), "100%")])
def test_percent_voucher_label_is_tidy(value, label):
    result = quote(DAY_COURSE, 1, SCHOOL, voucher(value=value), today=TODAY)
    assert result.lines[1].description == f"Voucher SPRING10: {label} off"


def test_hundred_percent_voucher_makes_the_course_free():
    result = quote(CCC, 6, SCHOOL, voucher(value=D("100")), today=TODAY)
    assert result.lines[1].unit_net == D("-5000.00")
    assert (result.net_total, result.vat_total, result.gross_total) == (D("0"),) * 3


@pytest.mark.parametrize("value", [D("0"), D("-5"), D("100.01"), D("150")])
def test_percent_voucher_outside_0_to_100_is_invalid(value):
    message = voucher_refusal(voucher(value=value))
    assert message == "Voucher SPRING10 is not valid. Please check the code with our office."


def test_fixed_voucher_takes_its_value_off_the_net():
    terms = voucher(VoucherKind.FIXED, D("50"), code="TAKE50")
    result = quote(DAY_COURSE, 3, SCHOOL, terms, today=TODAY)
    discount = result.lines[1]
    assert discount.description == "Voucher TAKE50: £50.00 off"
    assert (discount.quantity, discount.unit_net, discount.vat_rate) == (1, D("-50.00"), D("20"))
    assert (result.net_total, result.vat_total, result.gross_total) == (
        D("535.00"),
        D("107.00"),
        D("642.00"),
    )
    assert result.voucher_code == "TAKE50"


def test_fixed_voucher_on_a_package():
    terms = voucher(VoucherKind.FIXED, D("1000"), code="CCC1000")
    result = quote(CCC, 6, SCHOOL, terms, today=TODAY)
    assert result.lines[1].description == "Voucher CCC1000: £1,000.00 off"
    assert (result.net_total, result.gross_total) == (D("4000.00"), D("4800.00"))


@pytest.mark.parametrize("value", [D("195.00"), D("250"), D("5000")])
def test_fixed_voucher_larger_than_the_price_stops_at_zero(value):
    terms = voucher(VoucherKind.FIXED, value, code="BIGVOUCHER")
    result = quote(DAY_COURSE, 1, SCHOOL, terms, today=TODAY)
    assert result.lines[1].unit_net == D("-195.00")
    assert result.lines[1].description == "Voucher BIGVOUCHER: £195.00 off"
    assert (result.net_total, result.vat_total, result.gross_total) == (D("0"),) * 3


@pytest.mark.parametrize("value", [D("0"), D("-10")])
def test_fixed_voucher_must_take_something_off(value):
    voucher_refusal(voucher(VoucherKind.FIXED, value))


@pytest.mark.parametrize(
    ("course", "places", "discount"),
    [(DAY_COURSE, 4, "-780.00"), (CCC, 6, "-5000.00"), (RECOGNITION, 3, "-265.00")],
)
def test_free_voucher_removes_the_whole_course_price(course, places, discount):
    result = quote(course, places, SCHOOL, voucher(VoucherKind.FREE, code="ONUS"), today=TODAY)
    assert result.lines[1].unit_net == D(discount)
    assert result.lines[1].description == "Voucher ONUS: course free of charge"
    assert (result.net_total, result.vat_total, result.gross_total) == (D("0"),) * 3


def test_voucher_on_a_zero_rated_course_adds_no_vat():
    result = quote(RECOGNITION, 3, SCHOOL, voucher(), today=TODAY)
    discount = result.lines[1]
    assert discount.vat_rate == D("0.00")
    assert str(discount.vat) == "0.00"
    assert (result.net_total, result.gross_total) == (D("238.50"), D("238.50"))


@pytest.mark.parametrize(
    "terms",
    [
        voucher(VoucherKind.PERCENT, D("100")),
        voucher(VoucherKind.PERCENT, D("33.33")),
        voucher(VoucherKind.FIXED, D("0.01")),
        voucher(VoucherKind.FIXED, D("99999")),
        voucher(VoucherKind.FREE),
    ],
)
@pytest.mark.parametrize("course", [DAY_COURSE, CCC, RECOGNITION])
def test_totals_never_go_below_zero(terms, course):
    result = quote(course, 3, SCHOOL, terms, today=TODAY)
    assert result.net_total >= 0
    assert result.vat_total >= 0
    assert result.gross_total >= 0
    assert result.lines[1].unit_net < 0


def test_a_discount_too_small_to_reach_a_penny_adds_no_line():
    result = quote(DAY_COURSE, 1, SCHOOL, voucher(value=D("0.001")), today=TODAY)
    assert len(result.lines) == 1
    assert result.voucher_code == ""


def test_no_voucher_means_no_voucher_code():
    assert quote(DAY_COURSE, 1, SCHOOL, None, today=TODAY).voucher_code == ""


# --- Voucher checks ----------------------------------------------------------------------


def test_a_valid_voucher_passes_its_check():
    assert check_voucher(voucher(), DAY_COURSE, SCHOOL, TODAY) is None


VOUCHER_UNTIL = datetime.date(2025, 6, 30)


@pytest.mark.parametrize("today", [datetime.date(2025, 6, 29), VOUCHER_UNTIL])
def test_voucher_is_valid_up_to_and_including_its_last_day(today):
    terms = voucher(valid_until=VOUCHER_UNTIL)
    check_voucher(terms, DAY_COURSE, SCHOOL, today)
    assert quote(DAY_COURSE, 1, SCHOOL, terms, today=today).net_total == D("175.50")


def test_voucher_expires_the_day_after_its_last_day():
    message = voucher_refusal(voucher(valid_until=VOUCHER_UNTIL), today=datetime.date(2025, 7, 1))
    assert message == "Voucher SPRING10 expired on 30 June 2025."


def test_voucher_without_an_end_date_does_not_expire():
    check_voucher(voucher(valid_until=None), DAY_COURSE, SCHOOL, datetime.date(2099, 1, 1))


@pytest.mark.parametrize("uses_left", [0, -1])
def test_used_up_voucher_is_refused(uses_left):
    message = voucher_refusal(voucher(uses_left=uses_left))
    assert message == "Voucher SPRING10 has already been used as many times as it allows."


@pytest.mark.parametrize("uses_left", [1, 40, None])
def test_voucher_with_uses_left_is_accepted(uses_left):
    check_voucher(voucher(uses_left=uses_left), DAY_COURSE, SCHOOL, TODAY)


@pytest.mark.parametrize("course_ids", [frozenset(), frozenset({1}), frozenset({1, 2})])
def test_voucher_for_this_course_or_any_course_is_accepted(course_ids):
    check_voucher(voucher(course_ids=course_ids), DAY_COURSE, SCHOOL, TODAY)


def test_voucher_for_other_courses_is_refused():
    message = voucher_refusal(voucher(course_ids=frozenset({2, 3})))
    assert message == "Voucher SPRING10 cannot be used for Coaching Conversations."


@pytest.mark.parametrize(
    ("organisation_ids", "buyer"),
    [
        (frozenset(), SCHOOL),
        (frozenset(), NO_SCHOOL),
        (frozenset({7}), SCHOOL),
        (frozenset({7, 8}), SCHOOL),
    ],
)
def test_voucher_for_this_school_or_any_school_is_accepted(organisation_ids, buyer):
    check_voucher(voucher(organisation_ids=organisation_ids), DAY_COURSE, buyer, TODAY)


def test_voucher_for_another_school_is_refused():
    message = voucher_refusal(voucher(organisation_ids=frozenset({8})))
    assert message == "Voucher SPRING10 was issued to a different school."


def test_school_voucher_is_refused_without_a_school():
    message = voucher_refusal(voucher(organisation_ids=frozenset({7})), buyer=NO_SCHOOL)
    assert message == (
        "Voucher SPRING10 was issued to a particular school. "
        "Please book on behalf of your school to use it."
    )


def test_unknown_voucher_kind_is_invalid():
    message = voucher_refusal(voucher(kind="buy_one_get_one"))
    assert message == "Voucher SPRING10 is not valid. Please check the code with our office."


def test_every_voucher_refusal_reads_differently():
    past = datetime.date(2025, 1, 1)
    failures = [
        (voucher(value=D("0")), SCHOOL),
        (voucher(valid_until=past), SCHOOL),
        (voucher(uses_left=0), SCHOOL),
        (voucher(course_ids=frozenset({99})), SCHOOL),
        (voucher(organisation_ids=frozenset({99})), SCHOOL),
        (voucher(organisation_ids=frozenset({99})), NO_SCHOOL),
    ]
    messages = {voucher_refusal(terms, buyer=buyer) for terms, buyer in failures}
    assert len(messages) == len(failures)


def test_voucher_kind_choices_cover_every_kind():
    assert [value for value, _label in VoucherKind.CHOICES] == ["percent", "fixed", "free"]
    assert all(label for _value, label in VoucherKind.CHOICES)


# --- Shape of the module -----------------------------------------------------------------


def test_value_objects_cannot_be_changed_after_pricing():
    with pytest.raises(AttributeError):
        DAY_COURSE.amount = D("1.00")


def test_today_must_be_given_by_name():
    with pytest.raises(TypeError):
        quote(DAY_COURSE, 1, SCHOOL, None, TODAY)


def test_pricing_imports_only_the_standard_library_and_course_prices():
    tree = ast.parse(Path(pricing.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            imported.add(node.module)
    project = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert project == {"courses.pricing"}
