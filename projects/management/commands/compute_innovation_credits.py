"""`manage.py compute_innovation_credits [--model 2.0] [--year 2025] [--batch-size 500]
[--enterprise ID ...] [--enqueue]`: yearly innovation credit scores and cohort percentiles, under every
published model version unless `--model` names one."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.credits import services
from projects.models import CreditModel


class Command(BaseCommand):
    help = (
        "Compute yearly innovation credit scores and cohort percentiles under a published model version "
        "(default: every published one), in batches of enterprises."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", dest="version", help="Model version (default: every published one).")
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
            if not model.is_published:
                raise CommandError(f"Model {model.version} is a draft; publish it first.")
            models = [model]
        else:
            # Every published version: a product's or a programme's minimum may name any of them (DESIGN §5).
            models = list(CreditModel.objects.published().order_by("published_at", "pk"))
            if not models:
                raise CommandError("No published innovation credit model; run the migrations.")
        year = year or services.latest_year()
        if year is None:
            raise CommandError("No enterprise has reported financials yet.")
        if enqueue:
            if enterprise_ids:
                raise CommandError("--enqueue runs over every enterprise; drop --enterprise.")
            from projects.tasks import compute_innovation_credits

            for model in models:
                compute_innovation_credits.delay(model.pk, year, 0, batch_size)
                self.stdout.write(f"Queued innovation credits {model.version} for {year}.")
            return
        for model in models:
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
