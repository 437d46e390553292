from django import template

from cms.studios.login_limits import cooloff_text

register = template.Library()


@register.simple_tag
def lockout_minutes():
    """The login cool-off as people read it ("15 分钟"), not axes' ISO duration ("PT15M")."""
    return cooloff_text()
