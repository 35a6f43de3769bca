"""`manage.py seed_demo [--scale N] [--force]` — deterministic, idempotent demo data (DESIGN.md §8).

Only demo parties, products and logins: the regions, fields, re-lending rows and the coordinators'
group arrive with `migrate`. With DEBUG off (`--force` required) the `admin` superuser gets a random
password, printed once, instead of the shared DEMO_PASSWORD.
"""

import secrets
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coordination.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo logins and deterministic demo data (200 enterprises, 40 institutions and 10 major "
        "tasks per unit of --scale). Safe to run again: only missing rows are created."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="Multiply the data volume (≥ 1; default 1).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (the demo logins share a known password; the superuser "
            "gets a random one, printed once).",
        )

    def handle(self, *args, scale: int, force: bool, **options) -> None:
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to seed demo data with DEBUG off: its logins share the known DEMO_PASSWORD. "
                "Pass --force if this really is a demo or test environment (the superuser then gets a "
                "random password, printed once)."
            )
        password = getattr(settings, "DEMO_PASSWORD", "")
        if not password:
            raise CommandError("settings.DEMO_PASSWORD is empty; set DEMO_PASSWORD in the environment.")
        # Outside DEBUG a superuser with a published password would be a way in for anyone.
        superuser_password = None if settings.DEBUG else secrets.token_urlsafe(18)
        started = time.perf_counter()
        counts = seed_demo(scale=scale, password=password, superuser_password=superuser_password)
        elapsed = time.perf_counter() - started
        width = max(len(name) for name in counts)
        for name, count in counts.items():
            self.stdout.write(f"{name:<{width}}  {count:>8}")
        if superuser_password:
            self.stdout.write(
                self.style.WARNING(f"Superuser `admin` password (shown only now): {superuser_password}")
            )
        self.stdout.write(self.style.SUCCESS(f"Seeded demo data at scale {scale} in {elapsed:.1f} s."))
