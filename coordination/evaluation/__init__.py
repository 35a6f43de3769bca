"""Summary evaluation (DESIGN §11): the indicators for a period and a scope, the funnel, decline reasons,
institutions' responses and the regions' ranking. It only reads: live queries for small scopes, the
monthly per-region snapshots that beat keeps (snapshots.py) for large ones, both through the same
additive parts (parts.py), so that a figure is the same whichever way it was computed."""
