"""Behind the reverse proxy, each visitor keeps their own address: X-Forwarded-For is believed only from
TRUSTED_PROXIES, and only its right-most entries, which the proxy itself wrote."""

import ipaddress

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bdtx.ops.middleware import client_address
from bdtx.testing import PASSWORD

PROXY = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/24")]


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),  # nginx on the same machine
        ("10.0.0.5", "203.0.113.5, 10.0.0.7", "203.0.113.5"),  # two proxies in a row
        ("127.0.0.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the client wrote 1.2.3.4 itself: ignored
        ("198.51.100.1", "203.0.113.5", "198.51.100.1"),  # not through a trusted proxy: the header is ignored
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_visitor_address_is_taken_from_the_trusted_proxy_only(remote, forwarded, expected):
    meta = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(meta, PROXY) == expected


def test_typos_of_one_visitor_behind_the_proxy_do_not_lock_out_the_others(client, cast, settings):
    settings.LOGIN_FAILURE_LIMIT = 1  # one visitor's address is locked after 4 failures
    for _attempt in range(5):
        client.post(
            "/accounts/login/",
            {"username": f"nobody{_attempt}", "password": "sai"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "teacher_a", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db  # the checks ask the database what it supports
def test_a_wrong_trusted_proxy_setting_fails_the_checks(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "nginx.local"]
    with pytest.raises(CommandError, match="TRUSTED_PROXIES: “nginx.local” không phải địa chỉ IP hay dải mạng"):
        call_command("check")
