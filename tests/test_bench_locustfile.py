"""bench/locustfile.py (the mixed load of bench/load.py, never run by the suite) imports, and its users'
and tasks' weights are the proportions bench/README.md states."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# In a process of its own: importing locust monkey-patches the standard library for gevent.
INSPECT = """
import collections, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("locustfile", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
users = {
    cls.role: {"weight": cls.weight, "tasks": collections.Counter(t.__name__ for t in cls.tasks)}
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, module.Actor) and not cls.__dict__.get("abstract")
}
print(json.dumps({"mix": module.MIX, "users": users, "bare": module.Bare.fixed_count}))
"""


def inspect_locustfile() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", INSPECT, str(ROOT / "bench" / "locustfile.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def readme_row(role: str, share: dict) -> str:
    tasks = ", ".join(f"{name} {weight}" for name, weight in share["tasks"].items())
    return f"| {role} | {share['weight']} % | {tasks} |"


def test_the_users_and_tasks_carry_the_mix_and_the_readme_states_it():
    """Given the locustfile, when imported, then every role's user class has the MIX's weight and its tasks
    the MIX's weights, the weights add up to 100 %, one user calls the bare endpoint, and bench/README.md
    has the MIX's table row for row."""
    found = inspect_locustfile()
    mix = found["mix"]
    assert found["users"] == {role: {"weight": s["weight"], "tasks": s["tasks"]} for role, s in mix.items()}
    assert sum(share["weight"] for share in mix.values()) == 100
    assert found["bare"] == 1
    readme = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    for role, share in mix.items():
        assert readme_row(role, share) in readme
