"""Sequential document numbers per prefix and year: INV-2026-00001, CN-2026-00001.

The counter row is locked for the rest of the transaction that issues the document, so
two issues at once take turns; a rollback gives the number back, so there are no gaps.
The unique constraint on Invoice.number is the last line of defence.
"""

from django.db import transaction

from ..models import DocumentCounter


def take_next(counter_model, prefix, year):
    """The next number of `counter_model`'s row for the prefix and year (a model with
    prefix, year and last_number), locked until the issuing transaction ends.
    Certificates number themselves with it too."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Document numbers must be taken inside the issuing transaction.")
    counter_model.objects.get_or_create(prefix=prefix, year=year)
    counter = counter_model.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def next_document_number(prefix, year):
    return f"{prefix}-{year}-{take_next(DocumentCounter, prefix, year):05d}"
