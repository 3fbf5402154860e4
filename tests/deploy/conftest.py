"""The end-to-end fixtures of tests/realtime (servers signing with the e2e keys, factories)."""

from tests.realtime.conftest import e2e_app, e2e_content, e2e_users  # noqa: F401
