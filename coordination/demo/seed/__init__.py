"""Deterministic, idempotent demo data (DESIGN.md §8).

`seed_demo(scale=N, password=...)` writes N "blocks" of data: each block is 200 enterprises (with
their 2023–2025 financials), 40 institutions with 2–4 products each and 10 major tasks. Every row is
generated from its own index with its own `random.Random`, so block k is the same whatever the scale
and a second run finds every natural key (username, credit code, task code, institution + product
name) already there and creates nothing. The regions, fields and re-lending rows it builds on are
production reference data that arrives with `migrate` (projects/reference/, lenders/reference/).

The first block holds the anchors the demo logins need (the "journey" of DESIGN.md §8):

* enterprises 0 and 1 — Shanghai (浦东新区, 徐汇区), members `demo-applicant`, registered tech-SMEs;
  enterprise 0 leads the national major task 0;
* enterprise 2 — Beijing (海淀区), member `demo-applicant-2`;
* institution 0 — nationwide bank of `demo-bank`, whose products take a 3 000 000-yuan and a
  60 000 000-yuan 24-month credit loan from any stage and field; institution 3 — the Shanghai bank of
  `demo-bank-2`; institutions 1, 2, 4 — the VC, insurer and guarantor of `demo-vc`, `demo-insurer`,
  `demo-guarantor`.

Writes are bulk inserts in batches inside one transaction; reads are one query per table.
"""

from .run import demo_counts, seed_demo
from .users import DEMO_USERNAMES, DEMO_USERS

__all__ = ["DEMO_USERNAMES", "DEMO_USERS", "demo_counts", "seed_demo"]
