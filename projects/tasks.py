"""Celery tasks of the projects app: ids and batch bounds in, one service call (DESIGN.md §4)."""

from celery import shared_task

from .credits import services


@shared_task(acks_late=True, ignore_result=True)
def compute_innovation_credits(model_id: int, year: int, after_id: int = 0, batch_size: int = 500) -> None:
    """Score the next batch of enterprises after `after_id`; chain the following batch, or finish with
    the cohort percentiles. Running a batch twice rewrites the same rows, so a redelivery is harmless."""
    next_after = services.run_batch(model_id=model_id, year=year, after_id=after_id, batch_size=batch_size)
    if next_after is not None:
        compute_innovation_credits.delay(model_id, year, next_after, batch_size)
