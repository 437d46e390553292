"""Background work that keeps the index current (django-tasks; ``manage.py db_worker`` runs it).

Each task looks at the database as it is when it runs, so a burst of signals for the same pages
converges on the right state whatever the order."""

from django_tasks import task

from . import documents
from .backends import get_backend


@task()
def sync_subtree(page_id: int, old_path: str = "") -> int:
    """Re-index a page and everything below it: public pages are written, the rest removed."""
    from wagtail.models import Page

    backend = get_backend()
    page = Page.objects.filter(pk=page_id).first()
    stale = set()
    if old_path:
        stale |= backend.ids_under(old_path)
    if page is None:
        backend.delete(stale)
        return 0
    stale |= backend.ids_under(page.path)
    public = documents.public_pages(within=page)
    entries = [documents.entry_for_page(p) for p in public]
    backend.upsert(entries)
    backend.delete(stale - {e.meta.id for e in entries})
    if page.specific_class.__name__ == "TopicBankPage" or page.depth <= 2:
        _sync_topics(backend)
    return len(entries)


@task()
def remove_subtree(path: str) -> None:
    """A deleted page: drop it and its descendants."""
    get_backend().delete_subtree(path)


@task()
def sync_problem(code: str) -> None:
    from cms.taxonomy.models import Problem

    backend = get_backend()
    problem = Problem.objects.filter(code=code).select_related("theme").first()
    if problem is None:
        backend.delete([f"problem-{code}"])
    else:
        backend.upsert([documents.entry_for_problem(problem)])


@task()
def sync_topic(code: str) -> None:
    from cms.topics.models import ResearchTopic

    backend = get_backend()
    topic = ResearchTopic.objects.filter(code=code).first()
    entry = documents.entry_for_topic(topic) if topic else None
    if entry is None:
        backend.delete([f"topic-{code}"])
    else:
        backend.upsert([entry])


def _sync_topics(backend):
    from cms.topics.models import ResearchTopic

    entries, gone = [], []
    for topic in ResearchTopic.objects.prefetch_related("problems"):
        entry = documents.entry_for_topic(topic)
        (entries.append(entry) if entry else gone.append(f"topic-{topic.code}"))
    backend.upsert(entries)
    backend.delete(gone)
