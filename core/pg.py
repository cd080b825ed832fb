"""PostgreSQL-only schema operations that the SQLite fallback (`make run` without PostgreSQL)
skips: trigram GIN indexes for names (issue 12). The model keeps the index in its Meta, so the
migration state is the same on both; only PostgreSQL builds it."""

from django.db.migrations.operations import AddIndex


class AddIndexOnPostgres(AddIndex):
    """AddIndex that runs only on PostgreSQL (GIN with gin_trgm_ops has no SQLite equivalent)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return super().describe() + " (PostgreSQL only)"
