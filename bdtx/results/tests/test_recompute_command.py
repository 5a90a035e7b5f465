"""manage.py recompute_results --year YYYY [--unit CODE]."""

import io

import pytest
from django.core.management import CommandError, call_command

from bdtx.results import services
from bdtx.results.models import YearResult

pytestmark = pytest.mark.django_db


def run(*args) -> dict[str, str]:
    out = io.StringIO()
    call_command("recompute_results", *args, stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines())


def test_it_prints_the_counts_and_the_seconds(cast, approved_plan):
    printed = run("--year", "2027")
    assert {key: printed[key] for key in ("people", "created", "updated", "unchanged", "locked")} == {
        "people": "2",
        "created": "2",
        "updated": "0",
        "unchanged": "0",
        "locked": "0",
    }
    assert float(printed["seconds"]) >= 0
    result = YearResult.objects.get(staff=cast.member_a, year=2027)
    services.recognise([result], by=cast.principal_a)
    printed = run("--year", "2027", "--unit", "TA")
    assert (printed["people"], printed["unchanged"], printed["locked"]) == ("1", "0", "1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "năm nay"], "“năm nay” không phải là năm học"),
        (["--year", "1850"], "“1850” không phải là năm học"),
        (["--year", "2027", "--unit", "KHONG-CO"], "Không có đơn vị nào có mã “KHONG-CO”"),
    ],
)
def test_bad_input_exits_2_with_the_reason(db, args, message):
    with pytest.raises(CommandError) as raised:
        call_command("recompute_results", *args, stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert message in str(raised.value)
