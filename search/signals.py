"""Search subscribes to the one change feed (``cms.core.changes``): each change queues an index
task once it is committed (the feed sends after commit), so the worker sees what was committed.

Each task re-reads the database, so a burst of changes for the same pages converges whatever
the order; a failed task is recorded and the periodic check re-syncs the index (``tasks``)."""

from cms.core import changes

from . import tasks


def on_change(sender, change, **kwargs):
    event = change.event
    if event == changes.PAGE_DELETED:
        tasks.remove_subtree.enqueue(change.old_path)
    elif event in changes.PAGE_EVENTS and change.page_id:
        if change.old_path:
            tasks.sync_subtree.enqueue(change.page_id, change.old_path)
        else:
            tasks.sync_subtree.enqueue(change.page_id)
    elif event == changes.TAXONOMY_CHANGED and change.taxon:
        # A renamed problem, stage or theme: its own entry and every page that shows its name.
        tasks.sync_taxon.enqueue(*change.taxon)
    elif event in (changes.TOPIC_CHANGED, changes.CLAIM_CHANGED) and change.taxon:
        tasks.sync_topic.enqueue(change.taxon[1])


def connect():
    changes.changed.connect(on_change, dispatch_uid="gongyu_search_on_change")


register_signal_handlers = connect
