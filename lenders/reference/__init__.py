"""Dated configuration every installation needs, shipped by data migrations (DESIGN.md §6)."""
