"""Who sees which school's figures: editors (and superusers) every school, a school admin
only their own school(s), anyone else nothing."""

from cms.studios.api import EDITORS, schools_of


def is_editor(user):
    return user.is_active and (user.is_superuser or user.groups.filter(name=EDITORS).exists())


def visible_schools(user):
    """A School queryset: the schools whose figures ``user`` may read."""
    from cms.topics.models import School

    if not user.is_authenticated:
        return School.objects.none()
    if is_editor(user):
        return School.objects.all()
    return School.objects.filter(pk__in=schools_of(user).values("school_id"))
