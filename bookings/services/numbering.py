"""Sequential document numbers per prefix and year: INV-2026-00001, CN-2026-00001.

The counter row is locked for the rest of the transaction that issues the document, so
two issues at once take turns; a rollback gives the number back, so there are no gaps.
The unique constraint on Invoice.number is the last line of defence.
"""

from django.db import transaction

from ..models import DocumentCounter


def next_document_number(prefix, year):
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Document numbers must be taken inside the issuing transaction.")
    DocumentCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = DocumentCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:05d}"
