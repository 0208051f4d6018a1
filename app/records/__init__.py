"""Records management (S20): the retention schedule, legal holds, disposal batches."""
