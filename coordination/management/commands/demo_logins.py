from django.conf import settings
from django.core.management.base import BaseCommand

DEMO_ROLES = [
    ("admin", "superuser"),
    ("demo-coordinator", "regional coordinator, Shanghai"),
    ("demo-national", "national coordinator (maker)"),
    ("demo-national-2", "national coordinator (checker)"),
    ("demo-applicant", "applicant, two Shanghai enterprises"),
    ("demo-applicant-2", "applicant, one Beijing enterprise"),
    ("demo-bank", "bank reviewer"),
    ("demo-bank-2", "reviewer at a second bank"),
    ("demo-insurer", "insurer reviewer"),
    ("demo-vc", "venture-capital reviewer"),
    ("demo-guarantor", "guarantor reviewer"),
]


class Command(BaseCommand):
    help = "Print where to log in and the demo login of each role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url: str, **options):
        base = url.rstrip("/")
        self.stdout.write(self.style.SUCCESS(f"\nTechFin Coordination is starting at {base}/"))
        self.stdout.write(f"  admin (coordinator console): {base}/admin/")
        self.stdout.write(f"  password for every demo login: {settings.DEMO_PASSWORD}")
        for username, role in DEMO_ROLES:
            self.stdout.write(f"  {username:<18} {role}")
        self.stdout.write("")
