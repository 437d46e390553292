"""Kept for existing imports: what is public is defined once, in ``cms.core.vocabulary``."""

from cms.core.vocabulary import is_public, visible_to_public

__all__ = ["is_public", "visible_to_public"]
