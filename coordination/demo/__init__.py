"""Deterministic demo data (DESIGN.md §8).

`reference` holds the static tables; `seed.seed_demo` writes them.
"""
