"""Background work that keeps the index current (django-tasks; ``manage.py db_worker`` runs it).

Each task looks at the database as it is when it runs, so a burst of signals for the same pages
converges on the right state whatever the order."""

import functools
import logging

from django_tasks import task

from . import documents
from .backends import get_backend

log = logging.getLogger("gongyu.search")


def reported(func):
    """Record the outcome for the publish status (``cms.publishing.api.publish_status``); a failure
    is kept with its Chinese reason and the worker's periodic check re-syncs the index."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from cms.publishing.api import record_index_failure, record_index_success

        try:
            result = func(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - recorded, retried by the periodic re-sync
            log.exception("搜索索引更新失败")
            record_index_failure(error)
            return None
        record_index_success()
        return result

    return wrapper


@task()
@reported
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
@reported
def remove_subtree(path: str) -> None:
    """A deleted page: drop it and its descendants."""
    get_backend().delete_subtree(path)


@task()
@reported
def sync_problem(code: str) -> None:
    from cms.taxonomy.models import Problem

    backend = get_backend()
    problem = Problem.objects.filter(code=code).select_related("theme").first()
    if problem is None:
        backend.delete([f"problem-{code}"])
    else:
        backend.upsert([documents.entry_for_problem(problem)])


@task()
@reported
def sync_topic(code: str) -> None:
    from cms.topics.models import ResearchTopic

    backend = get_backend()
    topic = ResearchTopic.objects.filter(code=code).first()
    entry = documents.entry_for_topic(topic) if topic else None
    if entry is None:
        backend.delete([f"topic-{code}"])
    else:
        backend.upsert([entry])


@task()
@reported
def sync_taxon(shelf: str, code: str) -> int:
    """A problem, stage or theme changed: its own entry (problems) and every public page that
    shows its name (shelved pages carrying it, and their lessons)."""
    from cms.catalogue.models import CoursePage, MicroLessonPage
    from cms.taxonomy.models import Problem

    backend = get_backend()
    if shelf == "problem":
        problem = Problem.objects.filter(code=code).select_related("theme").first()
        if problem is None:
            backend.delete([f"problem-{code}"])
        else:
            backend.upsert([documents.entry_for_problem(problem)])
    relation = {"problem": "problems__code", "stage": "stages__code", "theme": "themes__code"}[shelf]
    roots = list(CoursePage.objects.filter(**{relation: code})) + list(MicroLessonPage.objects.filter(**{relation: code}))
    written = 0
    for root in roots:
        public = documents.public_pages(within=root)
        entries = [documents.entry_for_page(p) for p in public]
        backend.upsert(entries)
        written += len(entries)
    return written


def _sync_topics(backend):
    from cms.topics.models import ResearchTopic

    entries, gone = [], []
    for topic in ResearchTopic.objects.prefetch_related("problems"):
        entry = documents.entry_for_topic(topic)
        (entries.append(entry) if entry else gone.append(f"topic-{topic.code}"))
    backend.upsert(entries)
    backend.delete(gone)
