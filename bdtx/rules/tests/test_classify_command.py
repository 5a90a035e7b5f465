"""manage.py classify_standard --standard CODE --levels LEVELS (CONTRACTS.md): one code on stdout, exit 0;
exit 2 with the reason on stderr for bad input; works before the rule data is loaded."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[3]


def all_at(count: int, level: str, **others: str) -> str:
    levels = dict.fromkeys(range(1, count + 1), level) | {int(k[1:]): v for k, v in others.items()}
    return ",".join(f"{number}={code}" for number, code in levels.items())


def classify(code: str, levels: str) -> str:
    out = StringIO()
    call_command("classify_standard", standard=code, levels=levels, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("code", "levels", "expected"),
    [
        ("tt20-2018", all_at(15, "tot"), "tot\n"),
        ("tt20-2018", all_at(15, "tot", c3="kha"), "kha\n"),
        ("tt26-2018", all_at(15, "dat"), "dat\n"),
        ("tt14-2018", all_at(18, "tot", c18="chua_dat"), "dat\n"),
        ("tt25-2018", all_at(15, "kha", c2="chua_dat"), "chua_dat\n"),
    ],
)
def test_it_prints_the_overall_rating_code_on_one_line(standards, code, levels, expected):
    assert classify(code, levels) == expected


def test_it_reads_the_bundled_rule_file_when_the_standard_is_not_loaded(db):
    assert classify("TT20-2018", all_at(15, "kha")) == "kha\n"


@pytest.mark.parametrize(
    ("code", "levels", "message"),
    [
        (
            "tt21-2018",
            all_at(15, "tot"),
            "Không có chuẩn nào mã “tt21-2018”. Dùng một trong các mã: tt14-2018, tt20-2018",
        ),
        ("tt20-2018", all_at(14, "tot"), "Tiêu chí chưa có mức: 15 (chuẩn có 15 tiêu chí, cần nhập mức cho tất cả)."),
        ("tt20-2018", all_at(16, "tot"), "Chuẩn không có tiêu chí 16 (chuẩn chỉ có 15 tiêu chí)."),
        ("tt20-2018", all_at(15, "tot", c4="gioi"), "Mức không hợp lệ: gioi. Dùng chua_dat, dat, kha hoặc tot."),
        ("tt20-2018", "1=tot;2=kha", "“1=tot;2=kha” không có dạng số=mức, ví dụ 3=kha."),
        ("tt20-2018", "", "Tiêu chí chưa có mức: 1, 2, 3"),
    ],
)
def test_bad_input_exits_2_with_the_reason(standards, code, levels, message):
    with pytest.raises(CommandError) as error:
        classify(code, levels)
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_from_the_shell_it_answers_on_a_fresh_database_and_fails_on_stderr(tmp_path):
    """As an operator runs it: a database without tables, the real exit status and streams."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}

    def run(levels: str):
        command = [sys.executable, "manage.py", "classify_standard", "--standard", "tt14-2018", "--levels", levels]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    done = run(all_at(18, "tot"))
    assert (done.returncode, done.stdout, done.stderr) == (0, "tot\n", "")
    failed = run("1=tot")
    assert failed.returncode == 2 and failed.stdout == ""
    assert "Tiêu chí chưa có mức: 2, 3" in failed.stderr
