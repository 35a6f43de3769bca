"""Print docs/workflow.md, the Mermaid state diagrams generated from the transition tables."""

from django.core.management.base import BaseCommand

from ...api.docs import workflow_markdown


class Command(BaseCommand):
    help = "Print the workflow's state diagrams (Mermaid): manage.py workflow_diagram > docs/workflow.md"

    def handle(self, *args, **options) -> None:
        self.stdout.write(workflow_markdown(), ending="")
