import pytest
from rest_framework.authtoken.models import Token


class TokenClient:
    """Django's test client sending `Authorization: Token …` and JSON bodies."""

    def __init__(self, client, user=None, language="vi"):
        self.client = client
        self.headers = {"Accept-Language": language}
        if user is not None:
            self.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"

    def get(self, url, params=None):
        return self.client.get(url, params or {}, headers=self.headers)

    def post(self, url, data):
        return self.client.post(url, data, content_type="application/json", headers=self.headers)

    def patch(self, url, data):
        return self.client.patch(url, data, content_type="application/json", headers=self.headers)

    def put(self, url, data):
        return self.client.put(url, data, content_type="application/json", headers=self.headers)


@pytest.fixture
def api(client):
    """api(user) → a client signed in with that user's API token; api() → anonymous; api(user, "en") in English."""
    return lambda user=None, language="vi": TokenClient(client, user, language)
