"""`manage.py compute_innovation_credits [--model 2.0] [--year 2025] [--batch-size 500]
[--enterprise ID ...] [--enqueue]`: yearly innovation credit scores and cohort percentiles."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.credits import services
from projects.models import CreditModel


class Command(BaseCommand):
    help = (
        "Compute yearly innovation credit scores and cohort percentiles under a published model version "
        "(default: the current one), in batches of enterprises."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", dest="version", help="Model version (default: the latest published).")
        parser.add_argument("--year", type=int, help="Fiscal year (default: the latest year reported).")
        parser.add_argument("--batch-size", type=int, default=services.DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--enterprise",
            type=int,
            action="append",
            dest="enterprise_ids",
            help="Only this enterprise (repeatable).",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Hand the batches to Celery instead of running them here."
        )

    def handle(self, *args, version, year, batch_size, enterprise_ids, enqueue, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if version:
            model = CreditModel.objects.filter(version=version).first()
            if model is None:
                raise CommandError(f"No innovation credit model {version!r}.")
        else:
            model = CreditModel.objects.current()
            if model is None:
                raise CommandError("No published innovation credit model; run the migrations.")
        if not model.is_published:
            raise CommandError(f"Model {model.version} is a draft; publish it first.")
        year = year or services.latest_year()
        if year is None:
            raise CommandError("No enterprise has reported financials yet.")
        if enqueue:
            if enterprise_ids:
                raise CommandError("--enqueue runs over every enterprise; drop --enterprise.")
            from projects.tasks import compute_innovation_credits

            compute_innovation_credits.delay(model.pk, year, 0, batch_size)
            self.stdout.write(f"Queued innovation credits {model.version} for {year}.")
            return
        started = time.perf_counter()
        scored = services.compute_scores(
            model_id=model.pk, year=year, batch_size=batch_size, enterprise_ids=enterprise_ids
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Scored {scored} enterprises for {year} under model {model.version} "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
