"""What is indexed: one ``Entry`` per live public page, problem and research topic.

``Entry`` is an ``elasticsearch.dsl`` document, defined once: the Elasticsearch backend saves it
as is, the embedded backend stores the same fields in the database. The builders here hold the
raw (unsegmented) text; each backend applies ``search.analysis`` when it writes.

Only pages a parent may see are indexed: live, not expired, every ancestor live, no view
restriction on the page or any ancestor, under the default site (``public_pages``).
"""

from __future__ import annotations

from elasticsearch.dsl import Document, Keyword, Object, Text
from wagtail.models import Page

from cms.core import vocabulary

# Field weights, shared by both backends: title > problem > summary > body.
WEIGHTS = {"title": 10.0, "problem": 5.0, "summary": 3.0, "shelf": 2.0, "body": 1.0}
TEXT_FIELDS = tuple(WEIGHTS)

KINDS = {
    "course": "家长课程",
    "lesson": "五步教学法课",
    "micro_lesson": "微课",
    "studio": "名师工作室",
    "problem": "家庭教育问题",
    "topic": "课题",
}
PAGE_KINDS = ("course", "lesson", "micro_lesson", "studio")
FACETS = {"stage": "stages", "theme": "themes", "problem": "problems", "kind": "kind"}


# Text fields hold jieba-segmented text (search.analysis.index_text) split on spaces by the
# built-in ``whitespace`` analyzer, which every node has (the minimal distribution has no
# analysis-common module). The Elasticsearch backend swaps in ``smartcn`` / ``ik_max_word`` for
# raw text when the operator installed those plugins (settings.ELASTICSEARCH_ANALYZER).
ZH = "whitespace"


class Entry(Document):
    """One search result: what is indexed for a page, problem or research topic."""

    eid = Keyword()  # the entry id again, as doc values: Elasticsearch reads candidates without stored fields
    kind = Keyword()
    url = Keyword()
    path = Keyword()  # Wagtail tree path, to drop a deleted subtree
    title = Text(analyzer=ZH)
    suggest = Text(analyzer="standard")  # raw title, one token per Han character: as-you-type phrases
    problem = Text(analyzer=ZH)
    summary = Text(analyzer=ZH)
    shelf = Text(analyzer=ZH)
    body = Text(analyzer=ZH)
    stages = Keyword(multi=True)
    themes = Keyword(multi=True)
    problems = Keyword(multi=True)
    display = Object(enabled=False)  # raw title/summary/body and taxonomy names for results

    class Index:
        name = "gongyu-entries"  # the alias; the backend creates dated indexes behind it

    @property
    def entry_id(self):
        return self.meta.id

    def raw(self, field):
        return (self.display or {}).get(field, "") if field in ("title", "summary", "body") else getattr(self, field, "") or ""


def make_entry(entry_id, *, kind, url, title, summary="", body="", problem="", shelf="", path="",
               stages=(), themes=(), problems=(), taxonomy=None):
    return Entry(
        meta={"id": entry_id}, kind=kind, url=url, path=path,
        title=title, summary=summary, body=body, problem=problem, shelf=shelf,
        stages=list(stages), themes=list(themes), problems=list(problems),
        display={"title": title, "summary": summary, "body": body, "taxonomy": taxonomy or {}},
    )


def page_entry_id(page_id):
    return f"page-{page_id}"


# --- pages -------------------------------------------------------------------------------------

def _site_prefix():
    root = vocabulary.site_root()
    return root.url_path if root else None


def page_url(page, prefix=None):
    return vocabulary.page_url(page)


def _indexable_types():
    kinds = [k for k in vocabulary.PAGE_KINDS if k.searchable]
    return {k.model_class: vocabulary.API_NAMES.get(k.name, k.name) for k in kinds}


def public_pages(within=None):
    """Indexable pages a parent may see (optionally only ``within``'s subtree, itself included);
    "public" is ``cms.core.vocabulary``'s one definition."""
    types = _indexable_types()
    pages = vocabulary.public_pages(Page.objects.type(*types), within=within)
    by_id = {p.pk: p for p in Page.objects.filter(pk__in=[p.pk for p in pages]).specific()}
    return [by_id[p.pk] for p in pages if p.pk in by_id]


def _taxonomy(stages, themes, problems):
    return {
        "stages": [{"code": s.code, "name": s.name} for s in stages],
        "themes": [{"code": t.code, "name": t.name} for t in themes],
        "problems": [{"code": p.code, "name": p.title} for p in problems],
    }


def _shelved(page):
    return list(page.stages.all()), list(page.themes.all()), list(page.problems.all())


def entry_for_page(page, prefix=None):
    """The entry for a public page (the caller checks it is public)."""
    kinds = _indexable_types()
    page = page.specific
    kind = kinds[type(page)]
    stages, themes, problems = [], [], []
    summary, body = "", ""
    if kind == "course":
        stages, themes, problems = _shelved(page)
        summary, body = page.summary, page.introduction
    elif kind == "micro_lesson":
        stages, themes, problems = _shelved(page)
        summary, body = page.summary, page.transcript
    elif kind == "lesson":
        course = page.get_parent().specific
        if hasattr(course, "stages"):
            stages, themes, problems = _shelved(course)
        summary = page.summary
        body = "\n".join(str(s) for s in page.body.stream_block.get_searchable_content(page.body) if s)
    elif kind == "studio":
        summary = page.introduction
        body = "\n".join(f"{m.name} {m.role} {m.bio}" for m in page.members.all())
    return make_entry(
        page_entry_id(page.pk), kind=kind, url=page_url(page, prefix), path=page.path,
        title=page.title, summary=summary, body=body,
        problem=" ".join(p.title for p in problems),
        shelf=" ".join([s.name for s in stages] + [t.name for t in themes]),
        stages=[s.code for s in stages], themes=[t.code for t in themes], problems=[p.code for p in problems],
        taxonomy=_taxonomy(stages, themes, problems),
    )


# --- problems and topics ----------------------------------------------------------------------

def problem_url(problem):
    """The parent site's shelf of one problem."""
    return vocabulary.parent_url(problem)


def entry_for_problem(problem):
    stages = list(problem.stages.all())
    return make_entry(
        f"problem-{problem.code}", kind="problem", url=problem_url(problem),
        title=problem.title, summary=problem.description, problem=problem.title,
        shelf=" ".join([s.name for s in stages] + [problem.theme.name]),
        stages=[s.code for s in stages], themes=[problem.theme.code], problems=[problem.code],
        taxonomy=_taxonomy(stages, [problem.theme], [problem]),
    )


def topic_url(topic, prefix=None):
    return vocabulary.parent_url(topic)


def entry_for_topic(topic, prefix=None):
    problems = list(topic.problems.select_related("theme").all())
    themes = list(dict.fromkeys(p.theme for p in problems))
    url = topic_url(topic, prefix)
    if url is None:
        return None
    return make_entry(
        f"topic-{topic.code}", kind="topic", url=url,
        title=topic.title, summary=topic.description, problem=" ".join(p.title for p in problems),
        themes=[t.code for t in themes], problems=[p.code for p in problems],
        taxonomy=_taxonomy([], themes, problems),
    )


def all_entries():
    """Every entry that belongs in the index, in a stable order (for rebuilds)."""
    from cms.taxonomy.models import Problem
    from cms.topics.models import ResearchTopic

    prefix = _site_prefix()
    for page in public_pages():
        yield entry_for_page(page, prefix)
    for problem in Problem.objects.select_related("theme").prefetch_related("stages"):
        yield entry_for_problem(problem)
    for topic in ResearchTopic.objects.prefetch_related("problems"):
        entry = entry_for_topic(topic, prefix)
        if entry is not None:
            yield entry


def count_entries():
    from cms.taxonomy.models import Problem
    from cms.topics.models import ResearchTopic

    return len(public_pages()) + Problem.objects.count() + ResearchTopic.objects.count()
