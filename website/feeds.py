"""RSS 2.0 and Atom feeds of the journal, served by JournalIndexPage's routes."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

FEED_LENGTH = 20


class JournalRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, journal_index):
        super().__init__()
        self.journal_index = journal_index

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return self.journal_index.title

    def link(self):
        return self.journal_index.get_url(self.request)

    def description(self):
        return self.journal_index.intro or self.journal_index.title

    def items(self):
        return self.journal_index.posts()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return item.published_datetime

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return item.author


class JournalAtomFeed(JournalRssFeed):
    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()
