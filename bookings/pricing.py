"""What a booking costs, worked out from value objects alone.

Nothing here touches the database or the request: callers resolve the course price, the
cohort's overrides and any voucher into the objects below, so the price a school is shown is
always derived from our own data and never from figures the browser sent back. Keeping the
arithmetic pure also lets it be tested exhaustively without a database.

Money is Decimal throughout. VAT is worked out line by line and rounded half up to the penny
before the lines are summed, because that is how the figures appear on an invoice and the
totals must agree with the lines printed above them.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from courses.pricing import Charging, money

ZERO = money(0)
HUNDRED = Decimal(100)


def _require_decimal(name, value):
    """Refuse floats (and anything else inexact) before they can leak into a price."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")


def _require_amount(name, value):
    """A price from our data must be a finite, non-negative Decimal."""
    _require_decimal(name, value)
    if not Decimal(value).is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite amount of at least zero, not {value}")


def _pence(value):
    """money(), but never "-0.00": a zero-rated discount line must not print negative VAT."""
    rounded = money(value)
    return rounded if rounded else ZERO


def _places_word(count):
    return "place" if count == 1 else "places"


@dataclass(frozen=True)
class Offer:
    """What a cohort sells, after the cohort's overrides have been applied to the course."""

    course_id: int
    course_title: str
    charging: str  # a Charging value
    amount: Decimal  # net: per delegate, or per package for PER_SCHOOL_TEAM
    vat_rate: Decimal  # percent; zero for zero-rated courses
    min_places: int | None = None
    max_places: int | None = None
    early_bird_amount: Decimal | None = None
    early_bird_until: datetime.date | None = None  # inclusive, a London date

    def __post_init__(self):
        _require_amount("amount", self.amount)
        _require_amount("vat_rate", self.vat_rate)
        if self.early_bird_amount is not None:
            _require_amount("early_bird_amount", self.early_bird_amount)


@dataclass(frozen=True)
class Buyer:
    organisation_id: int | None
    is_partner: bool = False


class VoucherKind:
    PERCENT = "percent"
    FIXED = "fixed"
    FREE = "free"

    CHOICES = [
        (PERCENT, "Percentage off the course price"),
        (FIXED, "Fixed amount off the course price (excluding VAT)"),
        (FREE, "Course free of charge"),
    ]


@dataclass(frozen=True)
class VoucherTerms:
    code: str
    kind: str  # a VoucherKind value
    value: Decimal = Decimal("0")  # percent, or a fixed net amount in pounds
    valid_until: datetime.date | None = None  # inclusive
    uses_left: int | None = None  # None means unlimited
    course_ids: frozenset = frozenset()  # empty means any course
    organisation_ids: frozenset = frozenset()  # empty means any organisation

    def __post_init__(self):
        _require_decimal("value", self.value)


@dataclass(frozen=True)
class Line:
    """One line of a quote or invoice; a discount is a line with a negative unit price."""

    description: str
    quantity: int
    unit_net: Decimal
    vat_rate: Decimal

    def __post_init__(self):
        _require_decimal("unit_net", self.unit_net)
        _require_decimal("vat_rate", self.vat_rate)

    @property
    def net(self):
        return _pence(self.unit_net * self.quantity)

    @property
    def vat(self):
        # Rounded here, per line, so the invoice's VAT column adds up to its VAT total.
        return _pence(self.net * self.vat_rate / HUNDRED)

    @property
    def gross(self):
        return self.net + self.vat


@dataclass(frozen=True)
class Quote:
    lines: tuple[Line, ...]
    early_bird: bool
    voucher_code: str = ""  # set only when a voucher actually took money off

    @property
    def net_total(self):
        return sum((line.net for line in self.lines), ZERO)

    @property
    def vat_total(self):
        # The sum of the rounded line VAT, never VAT recomputed on the net total.
        return sum((line.vat for line in self.lines), ZERO)

    @property
    def gross_total(self):
        return sum((line.gross for line in self.lines), ZERO)


class PricingError(Exception):
    """A booking that cannot be priced, explained for the booking form.

    `field` names the form field the message belongs next to ("places", "organisation" or
    "voucher_code"); `message` is written for a school business manager, not a developer.
    """

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def _voucher_error(message):
    return PricingError("voucher_code", message)


def _check_voucher_terms(voucher):
    """A voucher whose own terms make no sense is refused rather than guessed at."""
    invalid = _voucher_error(
        f"Voucher {voucher.code} is not valid. Please check the code with our office."
    )
    if voucher.kind == VoucherKind.PERCENT:
        if not 0 < voucher.value <= HUNDRED:
            raise invalid
    elif voucher.kind == VoucherKind.FIXED:
        # A zero or negative "discount" would be a surcharge in disguise.
        if not voucher.value > 0:
            raise invalid
    elif voucher.kind != VoucherKind.FREE:
        raise invalid


def check_voucher(voucher: VoucherTerms, offer: Offer, buyer: Buyer, today: datetime.date) -> None:
    """Raise PricingError (field "voucher_code") unless this voucher may be used here."""
    _check_voucher_terms(voucher)
    code = voucher.code
    if voucher.valid_until is not None and today > voucher.valid_until:
        until = voucher.valid_until
        raise _voucher_error(f"Voucher {code} expired on {until.day} {until:%B %Y}.")
    if voucher.uses_left is not None and voucher.uses_left <= 0:
        raise _voucher_error(f"Voucher {code} has already been used as many times as it allows.")
    if voucher.course_ids and offer.course_id not in voucher.course_ids:
        raise _voucher_error(f"Voucher {code} cannot be used for {offer.course_title}.")
    if voucher.organisation_ids:
        if buyer.organisation_id is None:
            raise _voucher_error(
                f"Voucher {code} was issued to a particular school. "
                "Please book on behalf of your school to use it."
            )
        if buyer.organisation_id not in voucher.organisation_ids:
            raise _voucher_error(f"Voucher {code} was issued to a different school.")


def _check_places(offer, places, buyer):
    if isinstance(places, bool) or not isinstance(places, int):
        raise TypeError(f"places must be an int, not {type(places).__name__}")
    if offer.charging == Charging.ON_REQUEST:
        raise PricingError(
            "places",
            f"{offer.course_title} is priced on request. "
            "Please ask our office for a quote for your school.",
        )
    if places < 1:
        raise PricingError("places", "Please book at least one place.")
    if offer.charging == Charging.FREE_TO_PARTNERS and not buyer.is_partner:
        raise PricingError(
            "organisation",
            f"{offer.course_title} is free to our partner schools and can only be booked by them.",
        )
    if offer.min_places is not None and places < offer.min_places:
        raise PricingError(
            "places", f"This course is booked for at least {offer.min_places} places."
        )
    if offer.max_places is not None and places > offer.max_places:
        raise PricingError(
            "places", f"This course is booked for at most {offer.max_places} places."
        )


def _early_bird_applies(offer, today):
    return (
        offer.early_bird_amount is not None
        and offer.early_bird_until is not None
        and today <= offer.early_bird_until
    )


def _course_line(offer, places, early_bird):
    """The line for the course itself, before any voucher."""
    title = offer.course_title
    if offer.charging == Charging.FREE_TO_PARTNERS:
        # Free means free: whatever amount is stored, a partner place is never charged.
        return Line(f"{title}: free partner {_places_word(places)}", places, ZERO, offer.vat_rate)
    unit = offer.early_bird_amount if early_bird else offer.amount
    suffix = ", early-bird price" if early_bird else ""
    if offer.charging == Charging.PER_DELEGATE:
        description = f"{title}: delegate {_places_word(places)}{suffix}"
        return Line(description, places, unit, offer.vat_rate)
    if offer.charging == Charging.PER_SCHOOL_TEAM:
        description = f"{title}: school team package ({places} {_places_word(places)}){suffix}"
        return Line(description, 1, unit, offer.vat_rate)
    raise ValueError(f"Unknown charging {offer.charging!r}")


def _format_percent(value):
    # normalize() drops trailing zeros ("10.00" -> "10"); format "f" avoids "1E+2".
    return format(value.normalize(), "f")


def _discount_before_cap(voucher, course_net):
    if voucher.kind == VoucherKind.PERCENT:
        return money(course_net * voucher.value / HUNDRED)
    if voucher.kind == VoucherKind.FIXED:
        return money(voucher.value)
    return course_net


def _discount_line(voucher, course_line):
    """The negative line a voucher adds, or None when it takes nothing off."""
    course_net = course_line.net
    # Never take off more than the course costs: the total must not go below zero.
    discount = min(_discount_before_cap(voucher, course_net), course_net)
    if discount <= 0:
        return None
    if voucher.kind == VoucherKind.PERCENT:
        label = f"{_format_percent(voucher.value)}% off"
    elif voucher.kind == VoucherKind.FIXED:
        # The amount actually taken off, so a large voucher on a cheap course reads true.
        label = f"£{discount:,} off"
    else:
        label = "course free of charge"
    return Line(f"Voucher {voucher.code}: {label}", 1, -discount, course_line.vat_rate)


def quote(
    offer: Offer,
    places: int,
    buyer: Buyer,
    voucher: VoucherTerms | None = None,
    *,
    today: datetime.date,
) -> Quote:
    """Price `places` on `offer` for `buyer` on the London date `today`.

    Raises PricingError when the booking cannot go ahead as asked; the error names the form
    field to show it against.
    """
    _check_places(offer, places, buyer)
    if voucher is not None:
        check_voucher(voucher, offer, buyer, today)
    early_bird = offer.charging != Charging.FREE_TO_PARTNERS and _early_bird_applies(offer, today)
    course_line = _course_line(offer, places, early_bird)
    discount = _discount_line(voucher, course_line) if voucher is not None else None
    if discount is None:
        return Quote(lines=(course_line,), early_bird=early_bird)
    return Quote(lines=(course_line, discount), early_bird=early_bird, voucher_code=voucher.code)
