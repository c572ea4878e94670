from django.db import models
from django.utils import timezone


class SearchDocument(models.Model):
    """One row per searchable record: its tokens, space-separated (see tokenizers.py).

    PostgreSQL indexes `array_to_tsvector(string_to_array(tokens, ' '))` with GIN; SQLite keeps
    an FTS5 table in step through triggers (both made in migration 0002). Neither database's
    own tokenizer segments Chinese, so we hand them ready-made tokens.
    """
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    owner_id = models.BigIntegerField(null=True)
    tokens = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["object_type", "object_id"], name="searchdoc_unique")]
        indexes = [models.Index(fields=["object_type", "owner_id"], name="searchdoc_owner_idx")]
