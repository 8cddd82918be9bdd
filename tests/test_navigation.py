"""The main navigation shows each role the sections it may open."""

import re

import pytest

NAV = re.compile(r'<ul class="main-nav" id="main-nav">(.*?)</ul>', re.S)


def _menu(client, url: str = "/") -> str:
    return NAV.search(client.get(url).get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("coordinator", True),
        ("lead", False),
        ("municipality", False),
        ("viewer", False),
    ],
)
def test_users_page_is_in_the_menu_of_who_may_manage_users(login_as, role, shown):
    client = login_as(role)
    menu = _menu(client)
    assert 'href="/tasks"' in menu  # the menu itself is there for every role
    assert ('href="/admin/users"' in menu) is shown
    if shown:
        assert client.get("/admin/users").status_code == 200
        users_menu = _menu(client, "/admin/users")
        assert '<a href="/admin/users" aria-current="page">' in users_menu
    else:
        assert client.get("/admin/users").status_code == 403
