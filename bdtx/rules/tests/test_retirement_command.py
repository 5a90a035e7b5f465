"""manage.py retirement_date --birth DD/MM/YYYY --gender Nam|Nữ (CONTRACTS.md): the date as dd/mm/yyyy on one
line, exit 0; exit 2 with the reason in Vietnamese on stderr for bad input; no database needed."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[3]


def retirement(birth: str, gender: str) -> str:
    out = StringIO()
    call_command("retirement_date", birth=birth, gender=gender, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("birth", "gender", "printed"),
    [
        pytest.param("01/01/1961", "Nam", "30/04/2021\n", id="nam 01/1961: 60y3m in 04/2021"),
        pytest.param("10/04/1966", "Nam", "30/04/2028\n", id="nam 04/1966: 62 in 04/2028"),
        pytest.param("05/05/1975", "Nữ", "31/05/2035\n", id="nữ 05/1975: 60 in 05/2035"),
        pytest.param("20/05/1959", "nam", "31/05/2019\n", id="nam 05/1959: 60 in 05/2019"),
        pytest.param("1/9/1966", "nu", "31/05/2022\n", id="one-digit day and month"),
        pytest.param("01/09/1966", "NỮ", "31/05/2022\n", id="upper case"),
        pytest.param("01/09/1966", "Nu\u0303", "31/05/2022\n", id="decomposed Unicode"),
        pytest.param(" 01/09/1966 ", " nữ ", "31/05/2022\n", id="spaces around"),
    ],
)
def test_it_prints_the_retirement_date_on_one_line(birth, gender, printed):
    assert retirement(birth, gender) == printed


@pytest.mark.parametrize(
    ("birth", "gender", "message"),
    [
        ("31/02/1970", "Nam", "Ngày sinh (--birth): “31/02/1970” không phải là ngày có thật (ngày 31, tháng 2)."),
        ("1970-01-01", "Nam", "Ngày sinh (--birth): “1970-01-01” không phải là ngày. Hãy nhập theo dạng dd/mm/yyyy"),
        ("01/01/70", "Nam", "Ngày sinh (--birth): “01/01/70” không phải là ngày. Hãy nhập theo dạng dd/mm/yyyy"),
        ("", "Nam", "Ngày sinh (--birth): “” không phải là ngày."),
        ("01/01/2999", "Nữ", "Ngày sinh (--birth): 01/01/2999 là ngày trong tương lai. Hãy kiểm tra lại ngày, tháng"),
        ("01/01/1850", "Nữ", "Ngày sinh (--birth): 01/01/1850 là ngày quá sớm. Hãy kiểm tra lại năm."),
        ("01/01/1970", "Khác", "Giới tính (--gender): “Khác” không phải Nam hoặc Nữ. Hãy nhập Nam hoặc Nữ."),
        ("01/01/1970", "", "Giới tính (--gender): “” không phải Nam hoặc Nữ."),
    ],
)
def test_bad_input_exits_2_with_the_reason_in_vietnamese(birth, gender, message):
    with pytest.raises(CommandError) as error:
        retirement(birth, gender)
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_from_the_shell_it_answers_on_a_fresh_database_and_fails_on_stderr(tmp_path):
    """As an operator runs it: a database file that does not exist yet, the real exit status and streams."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}

    def run(*arguments: str):
        command = [sys.executable, "manage.py", "retirement_date", *arguments]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    done = run("--birth", "15/10/1961", "--gender", "Nam")
    assert (done.returncode, done.stdout, done.stderr) == (0, "30/04/2022\n", "")
    bad_date = run("--birth", "32/01/1961", "--gender", "Nữ")
    assert bad_date.returncode == 2 and bad_date.stdout == ""
    assert "Ngày sinh (--birth): “32/01/1961” không phải là ngày có thật" in bad_date.stderr
