"""The school-A records of this area that the outsider test tries (see bdtx/tests/test_scope_everywhere.py), and the
recognised "Hoàn thành" result that certificates start from, shared with this area's tests."""

import datetime as dt

from bdtx.results import certificates
from bdtx.results.models import YearResult

YEAR = 2026  # not the year of the other areas' records: member_a has one result a year
LINES = [
    {"content": "01", "module": "", "title": "", "planned": 40, "earned": 40, "done": True, "classes": ["L01"]},
    {"content": "02", "module": "", "title": "", "planned": 40, "earned": 40, "done": True, "classes": ["L02"]},
    *(
        {"content": "03", "module": code, "title": title, "planned": 10, "earned": 10, "done": True, "classes": ["L03"]}
        for code, title in [
            ("GVPT 04", "Xây dựng kế hoạch dạy học và giáo dục theo hướng phát triển phẩm chất, năng lực học sinh"),
            ("GVPT 05", "Sử dụng phương pháp dạy học và giáo dục phát triển phẩm chất, năng lực học sinh"),
            ("GVPT 06", "Kiểm tra, đánh giá học sinh theo hướng phát triển phẩm chất, năng lực"),
            ("GVPT 07", "Tư vấn và hỗ trợ học sinh trong hoạt động dạy học và giáo dục"),
        ]
    ),
]
SIGNING = {"place": "Tân Phong", "issued_on": dt.date(2027, 6, 1), "signer_title": "Hiệu trưởng"}


def completed_result(staff, *, year: int = YEAR, unit=None, recognised: bool = True, outcome: str = "hoan_thanh"):
    """A yearly result as derivation and recognition leave it: "Hoàn thành", 120 periods, recognised."""
    result, _created = YearResult.objects.update_or_create(
        staff=staff,
        year=year,
        defaults={
            "unit": unit or staff.unit,
            "outcome": outcome,
            "recognised": recognised,
            "lines": LINES,
            "periods_planned": 120,
            "periods_earned": 120 if outcome == "hoan_thanh" else 80,
        },
    )
    return result


def records(cast) -> dict:
    result = completed_result(cast.member_a)
    certificate = certificates.issue(result, issuer=cast.tree.school_a, by=cast.principal_a, **SIGNING)
    batch = certificates.start_batch(
        issuer=cast.tree.school_a, unit=cast.tree.school_a, year=YEAR, by=cast.principal_a, **SIGNING
    )
    return {
        "results:certificates": cast.tree.school_a.pk,
        "results:certificate-batch-new": cast.tree.school_a.pk,
        "results:certificate": certificate.pk,
        "results:certificate-pdf": certificate.pk,
        "results:certificate-revoke": certificate.pk,
        "results:certificate-reissue": certificate.pk,
        "results:certificate-issue": result.pk,
        "results:certificate-batch": batch.pk,
        "results:certificate-batch-rerun": batch.pk,
        "results:certificate-batch-download": batch.pk,
        "api:certificate-detail": certificate.pk,
        "api:certificate-pdf": certificate.pk,
    }
