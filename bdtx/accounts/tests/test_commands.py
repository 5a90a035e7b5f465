from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from bdtx.accounts.models import Role, RoleAssignment, User


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_grant_role_creates_a_user_without_a_usable_password(tree):
    run("grant_role", "ht.ta", "school_admin", "TA")
    user = User.objects.get(username="ht.ta")
    assert not user.has_usable_password()
    assert RoleAssignment.objects.get(user=user).unit == tree.school_a


def test_grant_role_adds_a_role_to_an_existing_user_once(cast):
    run("grant_role", "teacher_a", "trainer", "SO")
    run("grant_role", "teacher_a", "trainer", "SO")
    roles = set(cast.teacher_a.roles.values_list("role", "unit__code"))
    assert roles == {(Role.TEACHER, "TA"), (Role.TRAINER, "SO")}
    assert cast.teacher_a.has_usable_password()


def test_grant_role_exits_2_for_an_unknown_role(tree):
    with pytest.raises(CommandError) as error:
        run("grant_role", "someone", "king", "TA")
    assert error.value.returncode == 2
    assert "king" in str(error.value)
    assert not User.objects.filter(username="someone").exists()


def test_grant_role_exits_2_for_an_unknown_unit(tree):
    with pytest.raises(CommandError) as error:
        run("grant_role", "someone", "teacher", "NOWHERE")
    assert error.value.returncode == 2
    assert "NOWHERE" in str(error.value)


def test_create_api_token_prints_a_new_key_that_replaces_the_old_one(cast):
    first = run("create_api_token", "officer").strip()
    second = run("create_api_token", "officer").strip()
    assert len(second) == 40 and "\n" not in second
    assert first != second
    assert list(Token.objects.filter(user=cast.officer).values_list("key", flat=True)) == [second]


def test_create_api_token_exits_2_for_an_unknown_user(db):
    with pytest.raises(CommandError) as error:
        run("create_api_token", "ghost")
    assert error.value.returncode == 2
