from django.conf import settings
from django.core.management.base import BaseCommand

from website.demo.content import DEMO_PASSWORD
from website.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Build the demo site: pages, courses, journal posts, images, testimonials and, in "
        "development, one user per role. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-users", action="store_true", help="Do not create the demo user accounts."
        )

    def handle(self, *args, **options):
        # Demo accounts share a published password, so never outside development.
        demo_users = settings.DEBUG and not options["no_users"]
        report = seed_demo(demo_users=demo_users)
        if report.created:
            self.stdout.write(f"Created {len(report.created)} items:")
            for item in report.created:
                self.stdout.write(f"  - {item}")
        else:
            self.stdout.write("Demo content already in place; nothing changed.")
        if report.users:
            self.stdout.write(
                self.style.WARNING(
                    f"\nDemo accounts (development only), password '{DEMO_PASSWORD}':"
                )
            )
            for role, email in report.users:
                self.stdout.write(f"  {role:<16} {email}")
            self.stdout.write("Front-end sign-in: /accounts/sign-in/   Wagtail admin: /admin/")
