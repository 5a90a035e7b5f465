import pytest

from bdtx.accounts.models import Role
from bdtx.testing import make_user


@pytest.fixture
def admin(cast):
    """The Department's system administrator, who reads the access log."""
    return make_user("admin", role=Role.SYSTEM_ADMIN, unit=cast.tree.province)


@pytest.fixture
def api(client):
    """api(user) → a client signed in with that user's API token (as in bdtx/api/tests)."""
    from bdtx.api.tests.conftest import TokenClient

    return lambda user=None, language="vi": TokenClient(client, user, language)
