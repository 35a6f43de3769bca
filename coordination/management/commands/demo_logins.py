from django.conf import settings
from django.core.management.base import BaseCommand

from config.serving import listen_address

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
    help = "Print where the web process serves (HOST/PORT/BIND), where links point, and the demo logins."

    def handle(self, *args, **options):
        base = listen_address().url
        self.stdout.write(self.style.SUCCESS(f"\nTechFin Coordination is starting at {base}/"))
        self.stdout.write(f"  admin (coordinator console): {base}/admin/")
        if base != settings.SITE_URL:
            self.stdout.write(f"  links in e-mails point to SITE_URL: {settings.SITE_URL}/")
        self.stdout.write(f"  password for every demo login: {settings.DEMO_PASSWORD}")
        for username, role in DEMO_ROLES:
            self.stdout.write(f"  {username:<18} {role}")
        self.stdout.write("")
