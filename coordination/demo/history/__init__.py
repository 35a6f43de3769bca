"""The demo's history (DESIGN.md §8): the months before today, produced by driving the real services.

Nothing here writes a status, a timestamp or an audit row itself. The applicants' logins file requests
with their documents (`filing`), the coordinators triage, route to the matcher's proposal, ask, reject,
approve (maker-checker for escalated requests) and close, the institutions open, ask, offer, decline
with a reason code, take offers back and record funding, and the deadline sweep expires what nobody
answered — all on a controlled clock (time-machine) that steps through the window business day by
business day, so every event carries the time it happened at.

* `plans` — who asks for what and when (seeded by the day: the same day gives the same history), and
  the few anchored requests that leave one of each resting state at the window's end;
* `profiles` — institutions fast or slow, generous or choosy; the coordinators' pace;
* `parties` — the logins that act; `world` — the clock, the plans and who noticed what when;
* `applicants`, `institutions`, `coordinators` — each party's round; `run` — the day's rounds and the
  report.

`screening` never rests: submitting screens at once (triage or information requested). The history is
written once (a database that has it is left alone), and its outbox messages are marked sent as they
stand (see `run.settle_outbox`). Its size is its own (`months`, `scale`), apart from the catalogue's.
"""

from .run import HistoryReport, history_counts, history_requests, seed_history

__all__ = ["HistoryReport", "history_counts", "history_requests", "seed_history"]
