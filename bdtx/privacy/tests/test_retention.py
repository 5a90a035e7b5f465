import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from bdtx.appraisals.models import Appraisal, AppraisalCycle, Evidence
from bdtx.lib.schoolyear import current_school_year
from bdtx.privacy.services import prune_evaluations
from bdtx.testing import make_cycle


def cycle_of(cast, year: int, *, evaluation_until: dt.date | None = None):
    """A finished cycle of that school year at the commune, with member_a's appraisal and a file of evidence."""
    end = evaluation_until or dt.date(year + 1, 5, 31)
    cycle = make_cycle(
        cast.tree.commune,
        year=year,
        by=cast.local,
        self_assessment_from=end - dt.timedelta(days=60),
        self_assessment_until=end - dt.timedelta(days=30),
        opinions_until=end - dt.timedelta(days=20),
        evaluation_until=end,
    )
    appraisal = Appraisal.objects.create(
        cycle=cycle, staff=cast.member_a, standard_id=cast.standard.pk, unit=cast.tree.school_a, final_rating="kha"
    )
    Evidence.objects.create(
        appraisal=appraisal, title="Giáo án", file=ContentFile(b"%PDF-1.4", name=f"giao-an-{year}.pdf")
    )
    return cycle


@pytest.fixture
def years(cast, standards):
    cast.standard = standards["tt20-2018"]
    now = current_school_year()
    return {
        "old": cycle_of(cast, now - 12),
        "kept": cycle_of(cast, now - 10),
        "current": cycle_of(cast, now, evaluation_until=dt.date.today() + dt.timedelta(days=30)),
    }


def test_prune_deletes_appraisals_older_than_the_retention_with_their_evidence_files(cast, years):
    old_file = Evidence.objects.get(appraisal__cycle=years["old"]).file.name
    assert default_storage.exists(old_file)

    report = prune_evaluations(years=10)

    assert (report.cycles, report.appraisals, report.evidence, report.files) == (1, 1, 1, 1)
    assert set(Appraisal.objects.values_list("cycle__year", flat=True)) == {years["kept"].year, years["current"].year}
    assert not default_storage.exists(old_file)
    assert Evidence.objects.count() == 2
    assert AppraisalCycle.objects.filter(pk=years["old"].pk).exists()  # the cycle stays, empty


def test_a_dry_run_counts_and_deletes_nothing(cast, years):
    report = prune_evaluations(years=10, dry_run=True)
    assert (report.appraisals, report.files) == (1, 1)
    assert Appraisal.objects.count() == 3 and all(default_storage.exists(e.file.name) for e in Evidence.objects.all())


def test_the_current_cycle_is_never_deleted_even_with_the_shortest_retention(cast, years):
    prune_evaluations(years=1)
    assert list(Appraisal.objects.values_list("cycle", flat=True)) == [years["current"].pk]


def test_an_old_cycle_still_being_evaluated_is_kept(cast, standards):
    cast.standard = standards["tt20-2018"]
    late = cycle_of(cast, current_school_year() - 12, evaluation_until=dt.date.today())
    assert prune_evaluations(years=10).appraisals == 0
    assert Appraisal.objects.filter(cycle=late).exists()


def test_the_command_reports_its_counts_from_the_setting(cast, years, settings, capsys):
    settings.EVALUATION_RETENTION_YEARS = 10
    call_command("prune_evaluations", "--dry-run")
    assert "Chạy thử, chưa xoá gì. Trước năm học" in capsys.readouterr().out
    assert Appraisal.objects.count() == 3
    call_command("prune_evaluations")
    assert "Đã xoá. Trước năm học" in capsys.readouterr().out
    assert Appraisal.objects.count() == 2


def test_the_command_refuses_a_retention_below_one_year(db, settings):
    settings.EVALUATION_RETENTION_YEARS = 0
    with pytest.raises(CommandError) as error:
        call_command("prune_evaluations")
    assert error.value.returncode == 2
