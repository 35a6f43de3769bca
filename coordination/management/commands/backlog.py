from django.core.management.base import BaseCommand
from django.db.models import Count, Min
from django.utils import timezone

from coordination.choices import DeadlineState
from coordination.models import Deadline, Delivery, OutboxMessage


class Command(BaseCommand):
    help = "Print the outbox, delivery and deadline backlog."

    def handle(self, *args, **options):
        now = timezone.now()
        rows = [
            (
                "outbox messages",
                OutboxMessage.objects.values("state").annotate(n=Count("id"), oldest=Min("created_at")),
            ),
            (
                "deliveries",
                Delivery.objects.values("state").annotate(n=Count("id"), oldest=Min("created_at")),
            ),
        ]
        for label, groups in rows:
            self.stdout.write(label)
            for group in groups.order_by("state"):
                self.stdout.write(
                    f"  {group['state']:<10} {group['n']:>8}  oldest {group['oldest']:%Y-%m-%d %H:%M}"
                )
        pending = Deadline.objects.filter(state=DeadlineState.PENDING)
        self.stdout.write("deadlines")
        self.stdout.write(f"  pending    {pending.count():>8}")
        self.stdout.write(f"  due now    {pending.filter(due_at__lte=now).count():>8}")
        for group in pending.values("kind").annotate(n=Count("id")).order_by("kind"):
            self.stdout.write(f"  {group['kind']:<10} {group['n']:>8}")
