"""The static parent site: export, build, publish, deploy (issue 6). Public surface: ``cms.publishing.api``."""
