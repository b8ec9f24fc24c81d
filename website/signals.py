from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from .cache import purge_page_cache
from .models import FooterSettings, NavigationSettings, Testimonial


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(page_slug_changed)
def purge_on_page_change(sender, **kwargs):
    purge_page_cache()


@receiver(post_delete, sender=Page)
def purge_on_page_delete(sender, **kwargs):
    # Deleting any page type deletes its wagtailcore Page row, so this one sender suffices.
    purge_page_cache()


@receiver(post_save, sender=NavigationSettings)
@receiver(post_save, sender=FooterSettings)
@receiver(post_save, sender=Testimonial)
@receiver(post_delete, sender=Testimonial)
def purge_on_site_content_change(sender, **kwargs):
    purge_page_cache()
