"""The pages' forms, one module per area (DESIGN §9): shapes only; the rules are the services'."""
