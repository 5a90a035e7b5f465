"""Two officers on the same module's page: the periods set from a page loaded before the other's save are refused
(409, the typed value kept, the first value stays) and a save after reloading works; "stop offering it" asks for a
state, so a second click from an old page changes nothing instead of switching the module back on."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.catalog.models import TrainingModule
from bdtx.testing import make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


@pytest.fixture
def second_officer(cast):
    return make_user("officer_2", role=Role.PROVINCE_OFFICER, unit=cast.tree.province)


def test_a_second_setting_of_the_periods_from_an_old_page_is_refused_and_the_first_stays(
    cast, programmes, second_officer
):
    module = TrainingModule.objects.get(code="GVPT 05")
    url = reverse("catalog:detail", args=[module.pk])
    periods = reverse("catalog:periods", args=[module.pk])
    first, second = signed_in(cast.officer), signed_in(second_officer)
    mine, theirs = first.get(url).content.decode(), second.get(url).content.decode()
    assert first.post(periods, {"periods": "15", "stamp": hidden(mine, "stamp")}).status_code == 302
    response = second.post(periods, {"periods": "20", "stamp": hidden(theirs, "stamp")})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Người khác đã sửa mô đun này sau khi bạn mở. Hãy tải lại trang rồi sửa lại." in page
    assert 'name="periods" value="20"' in page
    module.refresh_from_db()
    assert module.periods == 15
    again = second.get(url).content.decode()
    assert second.post(periods, {"periods": "20", "stamp": hidden(again, "stamp")}).status_code == 302
    module.refresh_from_db()
    assert module.periods == 20


def test_a_second_click_to_stop_offering_a_module_from_an_old_page_changes_nothing(cast, programmes, second_officer):
    module = TrainingModule.objects.get(code="GVPT 05")
    url = reverse("catalog:detail", args=[module.pk])
    active = reverse("catalog:active", args=[module.pk])
    first, second = signed_in(cast.officer), signed_in(second_officer)
    mine, theirs = first.get(url).content.decode(), second.get(url).content.decode()
    assert hidden(mine, "active") == hidden(theirs, "active") == "0"
    assert first.post(active, {"active": "0"}).status_code == 302
    response = second.post(active, {"active": hidden(theirs, "active")}, follow=True)
    assert (
        "Mô đun GVPT 05 đã không còn được chọn trong kế hoạch (có thể người khác vừa đổi): không cần làm gì."
        in response.content.decode()
    )
    module.refresh_from_db()
    assert not module.active
    again = second.get(url).content.decode()
    assert hidden(again, "active") == "1"
    response = second.post(active, {"active": "1"}, follow=True)
    assert "Mô đun GVPT 05 được chọn lại trong kế hoạch." in response.content.decode()
    module.refresh_from_db()
    assert module.active


def test_a_click_that_does_not_say_the_state_wanted_changes_nothing(client, cast, programmes):
    module = TrainingModule.objects.get(code="GVPT 05")
    client.force_login(cast.officer)
    response = client.post(reverse("catalog:active", args=[module.pk]), {"active": "toggle"}, follow=True)
    assert (
        "Hãy cho biết mô đun có được chọn trong kế hoạch (active=1) hay không (active=0)." in response.content.decode()
    )
    module.refresh_from_db()
    assert module.active
