"""Chinese full-text search (issue 3). Public surface: ``search.api``."""
