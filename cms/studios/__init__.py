"""名师工作室 roles, review workflow and access rules (issue 4). Public surface: ``cms.studios.api``."""
