"""The cancellation policy, as pure functions of dates (no database), so that every
boundary day can be tested on its own."""

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CancellationPolicy:
    """Full credit for places cancelled at least `full_days` before the first session,
    `part_percent` % for those cancelled at least `part_days` before, none after."""

    full_days: int = 28
    part_days: int = 14
    part_percent: int = 50

    def __post_init__(self):
        if self.part_days > self.full_days:
            raise ValueError("part credit must not start before full credit ends")
        if not 0 <= self.part_percent <= 100:
            raise ValueError("part_percent is a percentage")

    def share(self, first_day: datetime.date, cancelled_on: datetime.date) -> Decimal:
        """The share of the price credited, from 0 to 1, for a cancellation on a day."""
        days_before = (first_day - cancelled_on).days
        if days_before >= self.full_days:
            return Decimal(1)
        if days_before >= self.part_days:
            return Decimal(self.part_percent) / 100
        return Decimal(0)

    def describe(self) -> str:
        part = (
            f"{self.part_percent}% up to {self.part_days} days before"
            if self.part_percent and self.part_days < self.full_days
            else ""
        )
        return ", ".join(
            filter(
                None,
                [
                    f"full credit up to {self.full_days} days before the first session",
                    part,
                    "no credit after that",
                ],
            )
        )
