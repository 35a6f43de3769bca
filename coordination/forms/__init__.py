"""The pages' forms, one module per area.

Shape only (types, lengths, choices): the rules are the services'."""
