"""Numbers in page addresses and forms are ASCII digits: "²", "٥", "５" or thousands of
digits are "not a number" (a 4xx page or the form's error), never a server error."""

from __future__ import annotations

import pytest

from pagekit import Web
from workflowkit import draft

ODD = ["²", "٥", "５", "1" * 5000]


@pytest.mark.parametrize("raw", ODD, ids=["superscript", "arabic", "full-width", "huge"])
def test_suggestion_page_addresses_read_only_ascii_numbers(web: Web, raw: str) -> None:
    case = draft(web.db, web.people, levels=None)
    client = web.client(web.people.lead)
    page = client.get(f"/cases/{case.case.id}/suggestions?document={raw}")
    assert 400 <= page.status_code < 500, page.status_code
    page = client.get(f"/cases/{case.case.id}/suggestions?done=accepted-{raw}")
    assert page.status_code == 200, page.status_code


@pytest.mark.parametrize("raw", ODD, ids=["superscript", "arabic", "full-width", "huge"])
def test_a_declared_body_length_in_other_digits_is_not_a_number_and_a_huge_one_is_too_big(
    raw: str,
) -> None:
    from bandwise.web.limits import _declared_length

    header = raw.encode("utf-8")
    scope = {"type": "http", "headers": [(b"content-length", header)]}
    assert _declared_length(scope) == (None if raw != "1" * 5000 else 10**18)
