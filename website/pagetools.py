"""Helpers every page type shares: SEO fields and listing queries.

This module imports no app of ours, so that any app's pages can use it without
importing another app's models (which would tie the apps into a circle).
"""

from django.db.models import Prefetch
from wagtail.images import get_image_model

# The sizes a card image is offered in (its srcset), all in the cards' 16:9 shape.
# templates/components/*_card.html name the same three.
LISTING_RENDITIONS = ("fill-320x180", "fill-480x270", "fill-640x360")


def with_listing_renditions(queryset, field="listing_image"):
    """Fetch the listing image and its card-sized renditions with the pages (no N+1)."""
    images = get_image_model().objects.prefetch_renditions(*LISTING_RENDITIONS)
    return queryset.prefetch_related(Prefetch(field, queryset=images))


class SeoMixin:
    """What the base template needs for titles, descriptions and Open Graph tags."""

    og_type = "website"

    def get_meta_description(self):
        return self.search_description or getattr(self, "listing_summary", "") or ""

    def get_og_image(self):
        return getattr(self, "listing_image", None)
