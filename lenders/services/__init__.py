"""Use cases on lenders' records: capacity is taken and released here and nowhere else."""
