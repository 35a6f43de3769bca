"""`manage.py seed_demo [--scale N] [--history-months M] [--history-scale H] [--force]` — deterministic,
idempotent demo data (DESIGN.md §8).

Demo parties, products and logins (the catalogue, `--scale` blocks of it), then the history: the
`--history-months` before today driven through the services (coordination/demo/history/), its size set
by `--history-scale` alone, so that a large catalogue for a benchmark does not mean a large history.
The regions, fields, re-lending rows and the coordinators' group arrive with `migrate`. With DEBUG off
(`--force` required) the `admin` superuser gets a random password, printed once, instead of the shared
DEMO_PASSWORD.
"""

import secrets
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coordination.demo.history import HistoryReport, seed_history
from coordination.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo logins and deterministic demo data (200 enterprises, 40 institutions and 10 major "
        "tasks per unit of --scale), and the months before today through the services. Safe to run again: "
        "only missing rows are created, and a history already there is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="Multiply the data volume (≥ 1; default 1).")
        parser.add_argument(
            "--history-months",
            type=int,
            default=12,
            help="Months of history before today, driven through the services (0: none; default 12).",
        )
        parser.add_argument(
            "--history-scale",
            type=int,
            default=1,
            help="Multiply the history's requests (about 22 a month at 1; default 1), whatever --scale is.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (the demo logins share a known password; the superuser "
            "gets a random one, printed once).",
        )

    def handle(
        self, *args, scale: int, history_months: int, history_scale: int, force: bool, **options
    ) -> None:
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        if history_months < 0 or history_scale < 1:
            raise CommandError("--history-months must be at least 0 and --history-scale at least 1.")
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
        if history_months:
            self._report(seed_history(months=history_months, scale=history_scale), options["verbosity"])

    def _report(self, report: HistoryReport, verbosity: int) -> None:
        total = sum(report.requests.values())
        if report.already_there:
            self.stdout.write(f"History already there ({total} requests): left as it is.")
            return
        for title, counts in (("Requests", report.requests), ("Referrals", report.referrals)):
            line = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
            self.stdout.write(f"{title}: {line}")
        if verbosity > 1:
            self.stdout.write(
                "Steps: " + ", ".join(f"{step} {count}" for step, count in report.steps.items())
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the history from {report.first_day} to {report.last_day} ({total} requests) "
                f"in {report.seconds:.1f} s."
            )
        )
