"""`manage.py sandbox_token --institution ID [--force]` — an integration token bound to a demo
institution, for an integrator's first afternoon (docs/integrators.md). Demo databases only: with DEBUG
off it refuses unless told `--force`, as seed_demo does."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coordination.errors import NotFound
from coordination.services.tokens import issue_sandbox_token


class Command(BaseCommand):
    help = "Issue an integration API token for a sandbox user of a demo institution."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", type=int, required=True, help="The institution's id.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (only on a demo or test database).",
        )

    def handle(self, *args, institution: int, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to issue a sandbox token with DEBUG off: sandbox tokens are for demo data. "
                "Pass --force if this really is a demo or test database."
            )
        try:
            token, key = issue_sandbox_token(institution_id=institution)
        except NotFound as missing:
            raise CommandError(f"--institution {institution}: {missing.message}") from missing
        self.stdout.write(f"Institution: {token.user.institutions.get(pk=institution).name}")
        self.stdout.write(f"User: {token.user.get_username()}")
        self.stdout.write(f"Token (shown once; expires {token.expires_at:%Y-%m-%d}): {key}")
        self.stdout.write("Use it as the header  Authorization: Bearer <token>  (docs/integrators.md).")
