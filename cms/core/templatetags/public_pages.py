from django import template

from cms.core.vocabulary import visible_to_public

register = template.Library()


@register.filter
def visible(pages):
    """``{% for p in page.lessons|visible %}``: only what the public may see (cms.core.vocabulary)."""
    return visible_to_public(pages)
