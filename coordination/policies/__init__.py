"""Policy instruments (DESIGN §10) as pure functions: a programme's parameters, whether a deal qualifies,
and the support it brings, each with its explanation in words. Nothing here reads or writes the database:
services and the matcher gather the facts (selectors/policy.py) and store the results."""
