"""The cost rules of Thông tư 36/2018/TT-BTC as versioned data (data/costs/tt36_2018.yaml): the spending
categories of a refresher course and the one national cap the sources confirm (rewards: 200.000 đồng per
learner). The actual rates are each province's (its HĐND resolution): they live in plans.CostRate. No database."""

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

COST_FILE = Path(__file__).resolve().parent / "data" / "costs" / "tt36_2018.yaml"


@dataclass(frozen=True)
class CostCategoryRule:
    code: str
    name_vi: str
    basis: str
    typical_per: str
    national_cap: int | None  # đồng per unit of `typical_per`; None: the province decides alone


@dataclass(frozen=True)
class CostRules:
    code: str
    document: str
    effective_from: str
    categories: dict[str, CostCategoryRule]
    unconfirmed: list[str] = field(default_factory=list)
    example: dict = field(default_factory=dict)

    def cap(self, category: str) -> int | None:
        rule = self.categories.get(category)
        return rule.national_cap if rule else None


@functools.cache
def cost_rules() -> CostRules:
    """The bundled TT 36/2018 rule data, read once per process."""
    with COST_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    categories = {
        item["code"]: CostCategoryRule(
            code=item["code"],
            name_vi=item["name_vi"],
            basis=item.get("basis", ""),
            typical_per=item.get("typical_per", ""),
            national_cap=int(item["national_cap"]) if item.get("national_cap") is not None else None,
        )
        for item in data["categories"]
    }
    return CostRules(
        code=data["code"],
        document=data["document"],
        effective_from=data.get("effective_from", ""),
        categories=categories,
        unconfirmed=list(data.get("unconfirmed", [])),
        example=data.get("provincial_example", {}),
    )


def format_money(amount: int | float) -> str:
    """Đồng with dot thousands separators, as Vietnamese documents write them: 1200000 → "1.200.000 đ"."""
    return f"{round(amount):,} đ".replace(",", ".")


def parse_money(text: str) -> int | None:
    """A sum typed by a person: "1.200.000", "1 200 000", "1200000 đ", "1,200,000" → 1200000; None if it is
    not a whole number of đồng (đồng have no decimals, so "1,5" is refused rather than read as 15)."""
    cleaned = str(text).strip().lower().removesuffix("đồng").removesuffix("đ").removesuffix("vnd").strip()
    parts = _GROUPS.split(cleaned)
    if not all(part.isdigit() for part in parts):
        return None
    if len(parts) > 1 and (len(parts[0]) > 3 or any(len(part) != 3 for part in parts[1:])):
        return None
    return int("".join(parts))


_GROUPS = re.compile(r"[.,\s\u00a0]")
