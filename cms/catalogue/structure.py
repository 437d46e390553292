"""The fixed top of the page tree: the supermarket home, 名师工作室 and 课题库 under it."""

from django.db import transaction
from wagtail.models import Page, Site

from cms.topics.models import TopicBankPage

from .models import StudioIndexPage, SupermarketPage

DEFAULT_TITLE = "家长课程超市"


@transaction.atomic
def ensure_site(title=None, introduction=None):
    """Create (once) and return the supermarket home page, making it the default site's root.

    Wagtail's placeholder welcome page is replaced if nothing has been built under it.
    """
    home = SupermarketPage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        for placeholder in root.get_children().exact_type(Page):
            if placeholder.numchild == 0 and not Site.objects.filter(root_page=placeholder).exclude(
                is_default_site=True
            ).exists():
                placeholder.delete()
        root.refresh_from_db()
        home = SupermarketPage(title=title or DEFAULT_TITLE, slug="home", introduction=introduction or "")
        root.add_child(instance=home)
        home.save_revision().publish()
    elif (title and home.title != title) or (introduction is not None and home.introduction != introduction):
        home.title = title or home.title
        home.introduction = introduction if introduction is not None else home.introduction
        home.save_revision().publish()

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=DEFAULT_TITLE)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()

    for model, slug, page_title in ((StudioIndexPage, "studios", "名师工作室"), (TopicBankPage, "topics", "课题库")):
        if not model.objects.child_of(home).exists():
            index = model(title=page_title, slug=slug)
            home.add_child(instance=index)
            index.save_revision().publish()
    return home


def studio_index():
    return StudioIndexPage.objects.get()
