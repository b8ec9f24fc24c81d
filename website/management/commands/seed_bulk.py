from django.core.management.base import BaseCommand

from website.demo.bulk import add_bulk_content


class Command(BaseCommand):
    help = "Add many generated courses and journal posts (for benchmarks; run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--courses", type=int, default=50)
        parser.add_argument("--posts", type=int, default=200)

    def handle(self, *args, **options):
        add_bulk_content(courses=options["courses"], posts=options["posts"])
        self.stdout.write(f"Added {options['courses']} courses and {options['posts']} posts.")
