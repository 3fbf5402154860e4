"""Webhook URL safety (SPEC §16): the table of refused URLs. DNS is faked; nothing leaves the machine."""

from __future__ import annotations

import pytest

from plataforma.services import ssrf
from tests.webhook_support import install_dns


@pytest.fixture
def dns(monkeypatch):
    dns = install_dns(monkeypatch)
    dns["hooks.example.com"] = ["93.184.215.14"]
    dns["v6.example.com"] = ["2606:4700::6810:85e5"]
    return dns


REFUSED = [
    # (url, DNS answer for the host or None for an IP literal, the reason's words)
    ("http://127.0.0.1/x", None, "loopback"),
    ("http://127.8.9.10/", None, "loopback"),
    ("http://localhost/", ["127.0.0.1", "::1"], "loopback"),
    ("http://[::1]/", None, "loopback"),
    ("http://10.0.0.5/", None, "private"),
    ("http://172.16.3.4/", None, "private"),
    ("http://192.168.1.1/", None, "private"),
    ("http://169.254.169.254/latest/meta-data/", None, "metadata"),
    ("http://metadata.google.internal/", ["169.254.169.254"], "metadata"),
    ("http://[fd00:ec2::254]/", None, "metadata"),
    ("http://100.100.100.200/", None, "metadata"),
    ("http://169.254.10.10/", None, "link-local"),
    ("http://[fe80::1]/", None, "link-local"),
    ("http://0.0.0.0/", None, "unspecified"),
    ("http://[::]/", None, "unspecified"),
    ("http://224.0.0.1/", None, "multicast"),
    ("http://[ff02::1]/", None, "multicast"),
    ("http://240.0.0.1/", None, "private"),  # reserved (class E) is also in Python's private table
    ("http://100.64.0.1/", None, "non-public"),  # carrier-grade NAT
    ("http://[fc00::1]/", None, "private"),
    ("http://[::ffff:127.0.0.1]/", None, "loopback"),  # IPv4-mapped
    ("http://[::ffff:10.0.0.1]/", None, "private"),
    ("http://[64:ff9b::a9fe:a9fe]/", None, "metadata"),  # NAT64 of 169.254.169.254
    ("http://[2002:7f00:1::]/", None, "loopback"),  # 6to4 of 127.0.0.1
    ("http://[::7f00:1]/", None, "reserved"),  # IPv4-compatible (deprecated)
    # A name with one public and one private address is refused (either could be used).
    ("https://mixed.example.com/", ["93.184.215.14", "10.1.2.3"], "private"),
    # Numeric forms resolve like any name (here as the C resolver would answer).
    ("http://2130706433/", ["127.0.0.1"], "loopback"),
    ("http://0x7f.1/", ["127.0.0.1"], "loopback"),
]


@pytest.mark.parametrize(("url", "answer", "reason"), REFUSED)
def test_refused_urls(dns, url, answer, reason):
    host = ssrf.parse_url(url).host
    dns[host] = answer if answer is not None else [host]
    with pytest.raises(ssrf.UnsafeTarget, match=reason):
        ssrf.check_url(url, allow_private=False)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://hooks.example.com/", "http"),
        ("javascript:alert(1)", "http"),
        ("file:///etc/passwd", "http"),
        ("hooks.example.com/x", "http"),
        ("http:///nohost", "host"),
        ("http://user:pw@hooks.example.com/", "Credentials"),
        ("http://hooks.example.com:99999/", "valid"),
        ("https://unknown.example.com/", "resolve"),
    ],
)
def test_malformed_or_unresolvable_urls_are_refused(dns, url, problem):
    with pytest.raises(ssrf.UnsafeTarget, match=problem):
        ssrf.check_url(url, allow_private=False)


def test_public_hosts_pass_and_keep_their_name_for_host_and_tls(dns):
    target = ssrf.check_url("https://Hooks.Example.com:8443/in?a=1", allow_private=False)
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 8443, "/in?a=1")
    assert target.host_header == "Hooks.Example.com:8443"
    assert ssrf.resolve(ssrf.parse_url("http://v6.example.com"), allow_private=False) == ["2606:4700::6810:85e5"]


def test_allow_private_lifts_the_address_rules_but_not_the_scheme(dns):
    dns["localhost"] = ["127.0.0.1"]
    assert ssrf.resolve(ssrf.parse_url("http://localhost:5000/"), allow_private=True) == ["127.0.0.1"]
    with pytest.raises(ssrf.UnsafeTarget):
        ssrf.check_url("gopher://localhost/", allow_private=True)
