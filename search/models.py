"""The embedded backend's store: one row per entry, its facet values, and (created by migration
0002, per database) the full-text table: SQLite FTS5 ``gongyu_search_fts`` or, on PostgreSQL, a
weighted ``tsvector`` table of the same name. Written only by ``search.backends.embedded``."""

from django.db import models


class IndexEntry(models.Model):
    entry_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=20, db_index=True)
    url = models.CharField(max_length=1000)
    path = models.CharField(max_length=255, blank=True, db_index=True)
    title = models.CharField(max_length=500)
    display = models.JSONField(default=dict)

    class Meta:
        verbose_name = "搜索索引条目"
        verbose_name_plural = "搜索索引条目"

    def __str__(self):
        return self.title


class IndexFacet(models.Model):
    entry = models.ForeignKey(IndexEntry, on_delete=models.CASCADE, related_name="facets")
    facet = models.CharField(max_length=16)
    value = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["facet", "value"])]
