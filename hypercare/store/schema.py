"""The names of the schema steps, readable without importing sqlite-utils.

Opening a database compares these names with the ``_sqlite_migrations`` table
using plain ``sqlite3``; only when one is pending does the store import
``migrations.py`` (and with it sqlite-utils). A test keeps this list equal to
the steps registered in ``migrations.py``.
"""

MIGRATION_SET = "hypercare"
MIGRATIONS_TABLE = "_sqlite_migrations"
MIGRATION_NAMES = ("m001_initial",)
