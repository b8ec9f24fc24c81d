"""Where portfolio uploads are kept: outside the public media folder, with no URL at all,
so that nothing can link to a file except through the portfolio's own views (which ask
certification.policy first)."""

from django.core.files.storage import FileSystemStorage, InMemoryStorage


class NoPublicURL:
    def url(self, name):
        raise ValueError(
            "Portfolio files have no public address: serve them through the portfolio's views."
        )


class PrivateFileSystemStorage(NoPublicURL, FileSystemStorage):
    """Files on disk under settings.PRIVATE_ROOT, which no web server serves."""


class PrivateInMemoryStorage(NoPublicURL, InMemoryStorage):
    """The same for tests, in memory."""
