"""Deterministic demo data: `reference` holds the static tables, `seed.seed_demo` writes them (DESIGN.md §8)."""
