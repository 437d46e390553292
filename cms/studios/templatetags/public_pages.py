from django import template

from cms.studios.public import visible_to_public

register = template.Library()


@register.filter
def visible(pages):
    """``{% for p in page.lessons|visible %}``: only what the public may see (cms.studios.public)."""
    return visible_to_public(pages)
