"""The loopback rule and the URL mask, shared by the mailbox, the outbox and the configuration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ground.net import is_loopback, mask_url


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "127.0.0.1", "127.8.9.1", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["mail.localhost", "localhost.example.se", "192.0.2.2", "::2", "smtp.example.se", ""])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@given(st.text(alphabet=st.characters(blacklist_characters="@/", blacklist_categories=["Cs"]), min_size=1))
def test_a_password_in_a_url_never_shows(password: str) -> None:
    masked = mask_url(f"imaps://user:{password}@imap.example.se:993/INBOX")
    assert masked == "imaps://user:***@imap.example.se:993/INBOX"
