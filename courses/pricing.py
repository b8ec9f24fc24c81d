"""A course's standard price, as data that bookings price from."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")


def money(value):
    """Round to pence the way UK invoices do (half up), always as Decimal."""
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


class Charging:
    PER_DELEGATE = "per_delegate"
    PER_SCHOOL_TEAM = "per_school_team"
    FREE_TO_PARTNERS = "free_to_partners"
    ON_REQUEST = "on_request"

    CHOICES = [
        (PER_DELEGATE, "Per delegate"),
        (PER_SCHOOL_TEAM, "Per school team (a package for a number of places)"),
        (FREE_TO_PARTNERS, "Free to partner schools"),
        (ON_REQUEST, "Quoted on request (bespoke)"),
    ]


@dataclass(frozen=True)
class StandardPrice:
    amount: Decimal  # excluding VAT
    vat_rate: Decimal  # percent, e.g. Decimal("20.00")
    charging: str
    min_places: int | None = None
    max_places: int | None = None

    @property
    def is_free(self):
        return self.charging == Charging.FREE_TO_PARTNERS

    @property
    def is_quoted(self):
        return self.charging == Charging.ON_REQUEST

    @property
    def vat_amount(self):
        return money(self.amount * self.vat_rate / Decimal(100))

    @property
    def amount_including_vat(self):
        return money(self.amount) + self.vat_amount

    @property
    def unit_label(self):
        if self.charging == Charging.PER_DELEGATE:
            return "per delegate"
        if self.charging == Charging.PER_SCHOOL_TEAM:
            return "per school team"
        return ""

    @property
    def places_label(self):
        if self.min_places and self.min_places > 1 and self.max_places:
            if self.min_places == self.max_places:
                return f"for {self.min_places} places"
            return f"for {self.min_places} to {self.max_places} places"
        if self.max_places:
            return f"for up to {self.max_places} places"
        if self.min_places:
            return f"for a minimum of {self.min_places} places"
        return ""
