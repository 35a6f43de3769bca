"""Reference data every installation needs, shipped by data migrations (DESIGN.md §2, §7).

The modules here are plain data; `load` writes them. To change a row, edit the data and add a data
migration that calls the same loader again: it updates by natural key, so a fresh database (which
already gets the edited rows from the first migration) sees no change.
"""
