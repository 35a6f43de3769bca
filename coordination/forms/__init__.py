"""The pages' forms, one module per area: shape only (types, lengths, choices); the rules are the services'."""
