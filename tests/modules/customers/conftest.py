"""The API fixtures (a migrated database on each engine, the app, signed-in personas) for
the customers module's service tests."""

from tests.api.conftest import admin, client, demo_org, persona  # noqa: F401
