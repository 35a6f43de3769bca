import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import after_setup_logger, after_setup_task_logger
from django_guid.log_filters import CorrelationId

from coordination import worker_resilience

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Before any connection: Redis brokers use kombu's transport with the broker-loss fix.
worker_resilience.install()

app = Celery("techfin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_ignore_result=True,
    task_acks_late=True,
    # A task whose worker process died goes back to the queue; the outbox's lease and attempt
    # count bound how often one delivery is retried.
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # Prefork, with the result handler that survives the event loop's reset on a broker loss.
    worker_pool="coordination.worker_resilience:PreforkPool",
    task_time_limit=300,
    task_soft_time_limit=240,
    timezone="Asia/Shanghai",
    broker_connection_retry_on_startup=True,
    # Reconnect for as long as the broker is away (the default gives up after 100 tries, ~40 min).
    broker_connection_max_retries=None,
    broker_connection_timeout=2,
    # A submission must not hang on a broker outage: give up quickly, the outbox sweep catches up.
    task_publish_retry_policy={
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    },
    # Webhooks wait on other people's servers: their own queue and workers (`-Q webhooks`), so that
    # inbox and e-mail deliveries on the default queue never wait behind a slow receiver.
    task_routes={"coordination.deliver_webhook": {"queue": "webhooks"}},
    # The request id (django-guid takes it from the task header) on every worker and beat log line.
    worker_log_format="[%(asctime)s: %(levelname)s/%(processName)s] [%(correlation_id)s] %(message)s",
    worker_task_log_format=(
        "[%(asctime)s: %(levelname)s/%(processName)s] [%(correlation_id)s] %(task_name)s[%(task_id)s]: "
        "%(message)s"
    ),
    # Under redbeat (selected in settings when the broker is Redis) this schedule is written to Redis at
    # start-up and only the beat holding the lock sends it.
    beat_schedule={
        "sweep-deadlines": {"task": "coordination.sweep_deadlines", "schedule": 60.0},
        "sweep-outbox": {"task": "coordination.sweep_outbox", "schedule": 30.0},
        "send-digests": {"task": "coordination.send_digests", "schedule": crontab(hour=8, minute=0)},
        # The evaluation's monthly snapshots per region (DESIGN §11): recent months, recomputed whole.
        "refresh-evaluation-snapshots": {
            "task": "coordination.refresh_evaluation_snapshots",
            "schedule": crontab(minute=17),
        },
    },
)
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def log_request_id(logger, **kwargs) -> None:
    for handler in logger.handlers:
        handler.addFilter(CorrelationId())
