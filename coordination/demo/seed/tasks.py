"""Demo national and regional major S&T tasks, led by and joined by the demo enterprises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from projects.choices import Stage, TaskLevel
from projects.models import MajorTask

from .. import reference as ref
from .blocks import (
    APPLICANT_ENTERPRISES,
    NATIONAL_ANCHOR_TASK,
    TASKS_PER_BLOCK,
    bulk_create,
    link_pairs,
    rng_for,
)
from .enterprises import EnterpriseSpec


@dataclass
class TaskSpec:
    code: str
    title: str
    field: str
    level: str
    lead: int
    participants: tuple[int, ...]
    budget: int
    fiscal_funding: int
    financing_gap: int
    starts_on: date
    ends_on: date


def task_specs(block: int, enterprises: Sequence[EnterpriseSpec]) -> list[TaskSpec]:
    """The block's tasks; leads and participants come from the block's own enterprises."""
    candidates = [spec.index for spec in enterprises if spec.stage != Stage.STARTUP]
    everyone = [spec.index for spec in enterprises]
    by_index = {spec.index: spec for spec in enterprises}
    tasks = []
    for offset in range(TASKS_PER_BLOCK):
        index = block * TASKS_PER_BLOCK + offset
        rng = rng_for("task", index)
        if index == NATIONAL_ANCHOR_TASK:
            lead, level = APPLICANT_ENTERPRISES[0], TaskLevel.NATIONAL
        else:
            lead = rng.choice(candidates)
            level = TaskLevel.NATIONAL if rng.random() < 0.4 else TaskLevel.PROVINCIAL
        lead_spec = by_index[lead]
        others = [i for i in everyone if i != lead]
        participants = tuple(sorted(rng.sample(others, rng.randint(2, 4))))
        if index == NATIONAL_ANCHOR_TASK:
            participants = tuple(sorted({APPLICANT_ENTERPRISES[1], *participants}))
        title = rng.choice(ref.TASK_TITLES[lead_spec.root_field])
        year = rng.choice((2024, 2025, 2026))
        if level == TaskLevel.NATIONAL:
            budget = rng.randint(50, 800) * 1_000_000
        else:
            budget = rng.randint(100, 1500) * 100_000
        fiscal = budget * rng.randint(20, 60) // 100 // 10_000 * 10_000
        gap = (budget - fiscal) * rng.randint(30, 100) // 100 // 10_000 * 10_000
        if index == NATIONAL_ANCHOR_TASK:
            title, year = "面向工业场景的行业大模型研发与应用示范", 2025
            budget, fiscal, gap = 300_000_000, 120_000_000, 90_000_000
        if level == TaskLevel.NATIONAL:
            code = f"GJ{year}-{index + 1:06d}"
        else:
            code = f"SJ{year}-{lead_spec.region[:2]}-{index + 1:06d}"
        starts_on = date(year, rng.choice((1, 4, 7, 10)), 1)
        tasks.append(
            TaskSpec(
                code=code,
                title=title,
                field=lead_spec.fields[0],
                level=level,
                lead=lead,
                participants=participants,
                budget=budget,
                fiscal_funding=fiscal,
                financing_gap=gap,
                starts_on=starts_on,
                ends_on=date(year + rng.randint(3, 5), 12, 31),
            )
        )
    return tasks


def seed_tasks(tasks: Sequence[TaskSpec], enterprise_ids: dict[int, int], fields: dict[str, int]) -> None:
    existing = set(MajorTask.objects.values_list("code", flat=True))
    bulk_create(
        MajorTask,
        [
            MajorTask(
                code=task.code,
                title=task.title,
                field_id=fields[task.field],
                level=task.level,
                lead_enterprise_id=enterprise_ids[task.lead],
                budget=Decimal(task.budget),
                fiscal_funding=Decimal(task.fiscal_funding),
                financing_gap=Decimal(task.financing_gap),
                starts_on=task.starts_on,
                ends_on=task.ends_on,
            )
            for task in tasks
            if task.code not in existing
        ],
    )
    by_code = dict(MajorTask.objects.values_list("code", "id"))
    link_pairs(
        MajorTask,
        "participants",
        ((by_code[task.code], enterprise_ids[index]) for task in tasks for index in task.participants),
    )
