"""Whether a personal BDTX plan covers the year's periods. Pure: no database.

TT 17/2019 (and TT 18/2019): 120 periods a school year, 40 in content 01 (set by the Ministry), 40 in 02
(set by the Sở) and 40 in 03 (modules the person chooses); the province may move periods between 01 and
02 but not change 03."""

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping


@dataclasses.dataclass(frozen=True)
class Requirement:
    """What a plan must cover: periods per content (after the province's adjustment) and the total."""

    periods: Mapping[str, int]  # {"01": 40, "02": 40, "03": 40}
    total: int


@dataclasses.dataclass(frozen=True)
class Line:
    """One planned item: a topic of 01/02 or a module of 03, with its periods."""

    content: str
    periods: int
    module: str = ""  # the module's code, for content filled by modules


def balance(requirement: Requirement, lines: Iterable[Line]) -> dict[str, int]:
    """Periods planned per content and in total ("total")."""
    planned: Counter = Counter()
    for line in lines:
        planned[line.content] += line.periods
    result = {code: planned.get(code, 0) for code in requirement.periods}
    result["total"] = sum(planned.values())
    return result


def problems(requirement: Requirement, lines: Iterable[Line]) -> list[tuple[str, dict]]:
    """What keeps the plan from meeting the requirement, as (message key, values) pairs; empty when it does.

    Keys: "module_twice" {module}, "unknown_content" {content}, "content_short" {content, planned,
    required}, "total_short" {planned, required}."""
    lines = list(lines)
    found: list[tuple[str, dict]] = []
    modules = Counter(line.module for line in lines if line.module)
    found += [("module_twice", {"module": code}) for code, count in sorted(modules.items()) if count > 1]
    found += [
        ("unknown_content", {"content": content})
        for content in sorted({line.content for line in lines} - set(requirement.periods))
    ]
    planned = balance(requirement, lines)
    for code, required in sorted(requirement.periods.items()):
        if planned[code] < required:
            found.append(("content_short", {"content": code, "planned": planned[code], "required": required}))
    if planned["total"] < requirement.total:
        found.append(("total_short", {"planned": planned["total"], "required": requirement.total}))
    return found


def adjusted(base: Mapping[str, int], adjustable: set[str], wanted: Mapping[str, int]) -> dict[str, int]:
    """The province's split: `wanted` may change only adjustable contents, and their sum must stay the same.
    Raises ValueError (with a key and values for the message) otherwise."""
    result = dict(base)
    for code, periods in wanted.items():
        if code not in base:
            raise ValueError("unknown_content", {"content": code})
        if periods != base[code] and code not in adjustable:
            raise ValueError("not_adjustable", {"content": code, "periods": base[code]})
        if periods < 0:
            raise ValueError("negative", {"content": code})
        result[code] = periods
    before = sum(base[code] for code in adjustable)
    after = sum(result[code] for code in adjustable)
    if before != after:
        raise ValueError("sum_changed", {"before": before, "after": after, "contents": ", ".join(sorted(adjustable))})
    return result
