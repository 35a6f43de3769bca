from datetime import date

from django.core.management.base import BaseCommand, CommandError

from coordination.evaluation.snapshots import first_of_month, months_back, recompute_month


class Command(BaseCommand):
    help = (
        "Recompute the evaluation's monthly snapshots per region (what beat keeps for recent months): "
        "one month (--month YYYY-MM), or the MONTHS months up to the current one (--months, default 13)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM: recompute this month only")
        parser.add_argument("--months", type=int, default=13, help="how many months up to the current one")

    def handle(self, *args, **options):
        if options["month"]:
            try:
                months = [date.fromisoformat(options["month"] + "-01")]
            except ValueError as error:
                raise CommandError(f"--month must be YYYY-MM: {error}") from error
        else:
            months = months_back(first_of_month(date.today()), options["months"])
        for month in months:
            regions = recompute_month(month)
            self.stdout.write(f"{month:%Y-%m}: {regions} regions")
