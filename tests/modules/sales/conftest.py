"""The sales module is tested through the API, with the same signed-in personas."""

from tests.api.conftest import admin, client, demo_org, persona, rep_zhang  # noqa: F401
