"""The visitor's own address behind a reverse proxy.

Behind nginx every request comes from the proxy's address, so the sign-in lockout "from one address" would lock
out the whole province after a few typos. When the request comes from a trusted proxy (TRUSTED_PROXIES), the
address is taken from X-Forwarded-For instead: the right-most entry that is not itself a trusted proxy (the ones
to its left can be written by the client, so they are never believed).
"""

import ipaddress

from django.conf import settings


def _networks(entries) -> list:
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def client_address(meta, trusted) -> str | None:
    """REMOTE_ADDR, or the nearest address beyond the trusted proxies in X-Forwarded-For."""
    remote = meta.get("REMOTE_ADDR")

    def is_trusted(address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in trusted)

    try:
        if not remote or not is_trusted(remote):
            return remote
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not is_trusted(hop):
                return str(ipaddress.ip_address(hop))
    except ValueError:  # not an address: believe nothing more
        return remote
    return remote


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = _networks(getattr(settings, "TRUSTED_PROXIES", []))

    def __call__(self, request):
        if self.trusted and "HTTP_X_FORWARDED_FOR" in request.META:
            request.META["REMOTE_ADDR"] = client_address(request.META, self.trusted)
        return self.get_response(request)
