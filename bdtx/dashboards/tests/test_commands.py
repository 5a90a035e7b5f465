"""refresh_dashboards: count a school year's figures now, all of them, some, or those whose data changed."""

import io

import pytest
from django.core.management import CommandError, call_command

from bdtx.dashboards.models import Metric, TallyState
from bdtx.staff.services import update_staff


def run(*args) -> str:
    out = io.StringIO()
    call_command("refresh_dashboards", *args, stdout=out)
    return out.getvalue()


def test_it_counts_every_figure_of_the_year(cast):
    output = run("--year", "2026")
    assert set(TallyState.objects.filter(year=2026).values_list("metric", flat=True)) == set(Metric.values)
    assert "completion: " in output and "seconds: " in output


def test_with_if_old_it_counts_only_what_changed(cast):
    run("--year", "2026")
    update_staff(cast.member_b, qualification="dai_hoc", by=cast.officer)
    output = run("--year", "2026", "--if-old")
    assert "qualifications: " in output and "budget: " not in output
    assert run("--year", "2026", "--if-old").splitlines()[0].startswith("seconds: ")


@pytest.mark.parametrize(
    ("args", "message"), [(["--year", "20xx"], "không phải là năm học"), (["--metric", "luong"], "luong")]
)
def test_bad_arguments_exit_with_status_2(db, args, message):
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert raised.value.returncode == 2 and message in str(raised.value)
