"""The HTTP layer's rules that need no server."""
import pytest

from lianxin.web import actor_of


@pytest.mark.parametrize("header, actor", [
    ("console:17", "console:17"), ("console%3A17", "console:17"), ("", None), ("  ", None),
    ("a\x00b", None), ("%0Aadmin", "admin"), ("x" * 100, "x" * 64)])
def test_the_acting_user_is_a_short_printable_reference_or_none(header, actor):
    assert actor_of(header) == actor
