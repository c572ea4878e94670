from django.db import models
from django.utils import timezone


class SearchDocument(models.Model):
    """One row per searchable record: its tokens, space-separated (see tokenizers.py).

    PostgreSQL indexes `array_to_tsvector(string_to_array(tokens, ' '))` with GIN, one partial
    index per large object type (account, contact) and one for all other types, and keeps
    planner statistics on that expression (migration 0003); SQLite keeps an FTS5 table in step
    through triggers (migration 0002). Neither database's own tokenizer segments Chinese, so
    we hand them ready-made tokens.
    """

    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    owner_id = models.BigIntegerField(null=True)
    tokens = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # object_id first: a search that walks a list looks up one record's document per row,
        # and comparing integers first is much cheaper than comparing the type's text.
        constraints = [models.UniqueConstraint(fields=["object_id", "object_type"], name="searchdoc_unique")]
        indexes = [models.Index(fields=["object_type", "owner_id"], name="searchdoc_owner_idx")]
