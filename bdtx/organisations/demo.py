"""A deterministic demo province: Sở GDĐT Lai Châu with its real communes and wards, their schools, and
realistic people and accounts. The same seed always gives the same data: every choice comes from one
random.Random(seed) and ages are counted to a fixed date, never to today.

Built with bulk writes (tens of thousands of people in seconds); each person still gets what the
services would give them: derived name fields, a first Assignment and a "created" StaffChange."""

import datetime as dt
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from bdtx.accounts.models import Role, RoleAssignment, User
from bdtx.lib.text import fold
from bdtx.staff.models import (
    Assignment,
    ChangeSource,
    Gender,
    Qualification,
    StaffChange,
    StaffGroup,
    StaffMember,
    Status,
)

from .models import Level, Unit, UnitKind
from .services import create_unit

REFERENCE_DATE = dt.date(2026, 9, 5)  # start of the 2026–2027 school year: ages are counted to this day
DEMO_PASSWORD = "bdtx2026!"
PROVINCE_CODE = "SGD-LC"
BATCH = 2000
STAFF_PER_SCHOOL = 30

# Trường THPT of Lai Châu, directly under the Sở.
UPPER_SECONDARY = [
    "THPT Chuyên Lê Quý Đôn", "THPT Thành phố Lai Châu", "THPT Quyết Thắng", "THPT Tam Đường", "THPT Bình Lư",
    "THPT Phong Thổ", "THPT Dào San", "THPT Mường So", "THPT Sìn Hồ", "THPT Nậm Tăm", "THPT Than Uyên",
    "THPT Mường Kim", "THPT Tân Uyên", "THPT Trung Đồng", "THPT Mường Tè", "THPT Nậm Nhùn",
]  # fmt: skip

# Ethnic groups of teachers in Lai Châu (more Kinh than in the population: many teachers came from the plains).
ETHNICITIES = [
    ("Kinh", 40),
    ("Thái", 24),
    ("Mông", 13),
    ("Dao", 8),
    ("Giáy", 5),
    ("Hà Nhì", 4),
    ("Lự", 3),
    ("Khơ Mú", 3),
]
FAMILY_NAMES = {
    "Kinh": [("Nguyễn", 30), ("Trần", 10), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 5), ("Đặng", 3), ("Bùi", 3),
             ("Đỗ", 3), ("Hồ", 2), ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Phan", 2), ("Đinh", 2), ("Trịnh", 1),
             ("Đào", 1), ("Lương", 1)],
    "Thái": [("Lò", 8), ("Tòng", 5), ("Lường", 5), ("Quàng", 3), ("Cầm", 3), ("Điêu", 2), ("Vì", 2), ("Hoàng", 2),
             ("Đèo", 1)],
    "Mông": [("Giàng", 6), ("Vàng", 5), ("Sùng", 4), ("Lý", 3), ("Thào", 3), ("Hờ", 2), ("Mùa", 2), ("Lầu", 1)],
    "Dao": [("Tẩn", 5), ("Chảo", 4), ("Phàn", 3), ("Lý", 2), ("Triệu", 2)],
    "Giáy": [("Hoàng", 4), ("Vương", 2), ("Lò", 2), ("Sần", 1)],
    "Hà Nhì": [("Lỳ", 4), ("Chu", 2), ("Pờ", 2), ("Phùng", 1)],
    "Lự": [("Lò", 4), ("Tao", 2), ("Chin", 1)],
    "Khơ Mú": [("Vì", 3), ("Lò", 2), ("Quàng", 1)],
}  # fmt: skip
MIDDLE_NAMES = {
    ("Kinh", "nu"): ["Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Thùy", "Thị Thu", "Thị Hồng", "Kim"],
    ("Kinh", "nam"): ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công", "Tiến", "Mạnh", "Trọng"],
    ("Mông", "nam"): ["A", "A", "Seo", "Văn"],
    ("Dao", "nam"): ["Văn", "Láo", "San"],
    ("Hà Nhì", "nam"): ["A", "Văn"],
}
GIVEN_NAMES = {
    "nu": ["Hoa", "Hoà", "Lan", "Mai", "Hương", "Thảo", "Hằng", "Nga", "Linh", "Trang", "Huyền", "Phương", "Thủy",
           "Yến", "Nhung", "Hạnh", "Loan", "Dung", "Vân", "Ánh", "Ngọc", "Tuyết", "Hiền", "Thoa", "Liên", "Xuân",
           "Duyên", "Quyên", "Oanh", "Thơm", "Lụa", "Hà", "Giang", "Chi", "Nhàn", "Ơn", "Ước"],
    "nam": ["Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Sơn", "Long", "Cường", "Hải", "Thắng", "Đức", "Quang", "Hiếu",
            "Trung", "Kiên", "Tùng", "Phong", "Bình", "Khánh", "Thành", "Việt", "Hoàng", "Ánh", "Đông", "Ước"],
    ("Mông", "nam"): ["Páo", "Sình", "Chứ", "Dơ", "Lử", "Pó", "Chá", "Sử", "Súa", "Dế"],
    ("Mông", "nu"): ["Mai", "Dua", "Súa", "Chở", "Mỷ", "Dợ", "Pà", "Ly"],
    ("Dao", "nam"): ["Lở", "Phẩy", "Chiêu", "Ván", "Quẩy", "Sinh", "Tả"],
    ("Dao", "nu"): ["Mẩy", "Chiều", "Phin", "Xuân", "Lai"],
}  # fmt: skip
SUBJECTS = {
    Level.PRESCHOOL: [("Giáo dục mầm non", 1)],
    Level.PRIMARY: [("Dạy các môn lớp 1–5", 12), ("Tiếng Anh", 2), ("Tin học và Công nghệ", 1), ("Âm nhạc", 1),
                    ("Mĩ thuật", 1), ("Giáo dục thể chất", 1)],
    Level.LOWER_SECONDARY: [("Toán", 4), ("Ngữ văn", 4), ("Tiếng Anh", 3), ("Khoa học tự nhiên", 4),
                            ("Lịch sử và Địa lí", 3), ("Giáo dục công dân", 1), ("Tin học", 1), ("Công nghệ", 1),
                            ("Giáo dục thể chất", 1), ("Âm nhạc", 1), ("Mĩ thuật", 1)],
    Level.UPPER_SECONDARY: [("Toán", 4), ("Ngữ văn", 4), ("Tiếng Anh", 3), ("Vật lí", 2), ("Hoá học", 2),
                            ("Sinh học", 2), ("Lịch sử", 2), ("Địa lí", 2), ("Giáo dục kinh tế và pháp luật", 1),
                            ("Tin học", 1), ("Công nghệ", 1), ("Giáo dục thể chất", 1),
                            ("Giáo dục quốc phòng và an ninh", 1)],
    Level.CONTINUING: [("Toán", 2), ("Ngữ văn", 2), ("Tiếng Anh", 1), ("Tin học", 1), ("Lịch sử", 1)],
}  # fmt: skip
QUALIFICATIONS = {
    # Preschool: the Luật Nhà giáo target of 90% with a college degree or more is visibly not met yet.
    Level.PRESCHOOL: [(Qualification.INTERMEDIATE, 16), (Qualification.COLLEGE, 34), (Qualification.BACHELOR, 48),
                      (Qualification.MASTER, 2)],
    Level.PRIMARY: [(Qualification.INTERMEDIATE, 2), (Qualification.COLLEGE, 9), (Qualification.BACHELOR, 86),
                    (Qualification.MASTER, 3)],
    Level.LOWER_SECONDARY: [(Qualification.COLLEGE, 4), (Qualification.BACHELOR, 90), (Qualification.MASTER, 6)],
    Level.UPPER_SECONDARY: [(Qualification.BACHELOR, 78), (Qualification.MASTER, 21), (Qualification.DOCTOR, 1)],
    Level.CONTINUING: [(Qualification.BACHELOR, 85), (Qualification.MASTER, 15)],
    "manager": [(Qualification.BACHELOR, 72), (Qualification.MASTER, 28)],
    "employee": [(Qualification.BELOW, 5), (Qualification.INTERMEDIATE, 40), (Qualification.COLLEGE, 25),
                 (Qualification.BACHELOR, 30)],
}  # fmt: skip
FEMALE_SHARE = {Level.PRESCHOOL: 0.98, Level.PRIMARY: 0.8, Level.LOWER_SECONDARY: 0.66, Level.UPPER_SECONDARY: 0.55,
                Level.CONTINUING: 0.55}  # fmt: skip
EMPLOYEE_POSITIONS = ["Kế toán", "Văn thư", "Nhân viên thư viện", "Nhân viên y tế học đường", "Nhân viên thiết bị",
                      "Bảo vệ", "Cấp dưỡng"]  # fmt: skip
# Where people registered their birth (the CCCD's first three digits): mostly Lai Châu, some from elsewhere.
BIRTH_PROVINCES = [("012", 72), ("011", 4), ("010", 3), ("014", 3), ("015", 2), ("036", 3), ("034", 3), ("038", 3),
                   ("040", 2), ("001", 2), ("030", 2), ("025", 1)]  # fmt: skip
# Few born before 1969 (women of those years have retired), most between 1975 and 1998.
BIRTH_YEARS = [(year, 0.3 if year < 1969 else 1.6 if 1975 <= year <= 1998 else 1.0) for year in range(1966, 2004)]
MOBILE_PREFIXES = ["091", "094", "088", "098", "097", "096", "086", "035", "036", "037", "038", "039", "033", "034",
                   "081", "082", "083", "084", "085", "070", "076", "077", "078", "079", "056", "058"]  # fmt: skip
LEVEL_PREFIX = {Level.PRESCHOOL: "MN", Level.PRIMARY: "TH", Level.LOWER_SECONDARY: "THCS"}
LEVEL_NAME = {Level.PRESCHOOL: "Mầm non", Level.PRIMARY: "Tiểu học", Level.LOWER_SECONDARY: "THCS"}
# Schools whose every member gets a teacher account (kept small: the preschool and primary school of the first ward).
ACCOUNT_SCHOOL_PREFIXES = ("MN", "TH")


@dataclass
class School:
    unit: Unit
    levels: list[str]
    domain: str
    size: int = 0


@dataclass
class Summary:
    units: int = 0
    schools: int = 0
    staff: int = 0
    accounts: int = 0
    by_group: Counter = field(default_factory=Counter)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


_CUMULATIVE: dict[int, tuple[tuple, list[float]]] = {}


def weighted(rng: random.Random, pairs) -> object:
    """One of the values, by weight ([(value, weight), …]); the cumulative weights are worked out once per list."""
    table = _CUMULATIVE.get(id(pairs))
    if table is None:
        values, weights = zip(*pairs, strict=True)
        table = _CUMULATIVE[id(pairs)] = (values, list(itertools.accumulate(weights)))
    return rng.choices(table[0], cum_weights=table[1])[0]


def lai_chau_wards() -> list:
    from vietnam_provinces import Province, Ward

    province = next(p for p in Province.iter_all() if p.codename == "lai_chau")
    return sorted(Ward.iter_by_province(province.code), key=lambda ward: int(ward.code))


def place_name(ward) -> str:
    for prefix in ("Phường ", "Xã ", "Thị trấn "):
        if ward.name.startswith(prefix):
            return ward.name[len(prefix) :]
    return ward.name


def slug(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def bulk_units(units: list[Unit], parent: Unit) -> list[Unit]:
    """Create siblings in one go, then give them their tree paths (create_unit does the same one by one)."""
    Unit.objects.bulk_create(units, batch_size=BATCH)
    if any(unit.pk is None for unit in units):  # a backend without RETURNING: read the keys back
        by_code = dict(Unit.objects.filter(code__in=[u.code for u in units]).values_list("code", "pk"))
        for unit in units:
            unit.pk = by_code[unit.code]
    for unit in units:
        unit.path, unit.depth = f"{parent.path}{unit.pk}/", parent.depth + 1
    Unit.objects.bulk_update(units, ["path", "depth"], batch_size=BATCH)
    return units


def build_units(rng: random.Random, staff_count: int) -> tuple[Unit, list[Unit], list[School]]:
    province = create_unit(
        code=PROVINCE_CODE, name="Sở Giáo dục và Đào tạo Lai Châu", kind=UnitKind.DEPARTMENT, parent=None,
        admin_code="12",
    )  # fmt: skip
    wards = lai_chau_wards()
    communes = bulk_units(
        [
            Unit(code=f"UB{int(w.code):05d}", name=f"UBND {w.name[0].lower()}{w.name[1:]}", kind=UnitKind.COMMUNE,
                 admin_code=f"{int(w.code):05d}", parent=province)
            for w in wards
        ],
        province,
    )  # fmt: skip
    # Schools of today: each commune runs a preschool and primary and lower-secondary schooling; in a third of
    # them primary and lower secondary share one boarding school (PTDTBT TH&THCS).
    wanted = max(len(wards) * 2, round(staff_count / STAFF_PER_SCHOOL))
    plans: list[tuple[int, list[str], str]] = []  # (commune index, levels, name)
    for index, ward in enumerate(wards):
        place = place_name(ward)
        plans.append((index, [Level.PRESCHOOL], f"Trường Mầm non {place}"))
        if index % 3 == 2:
            plans.append((index, [Level.PRIMARY, Level.LOWER_SECONDARY], f"Trường PTDTBT TH&THCS {place}"))
        else:
            plans.append((index, [Level.PRIMARY], f"Trường Tiểu học {place}"))
            plans.append((index, [Level.LOWER_SECONDARY], f"Trường THCS {place}"))
    extra = wanted - len(plans) - len(UPPER_SECONDARY) - 1
    number = 2
    while extra > 0:  # a larger demo: more schools of the same kinds, numbered, round the communes
        for index, ward in enumerate(wards):
            level = [Level.PRESCHOOL, Level.PRIMARY, Level.LOWER_SECONDARY][(index + number) % 3]
            plans.append((index, [level], f"Trường {LEVEL_NAME[level]} {place_name(ward)} số {number}"))
            extra -= 1
            if extra <= 0:
                break
        number += 1
    local: dict[int, list[tuple[Unit, list[str]]]] = {}
    counts: Counter = Counter()
    for index, levels, name in plans:
        ward = wards[index]
        prefix = (
            "THCS"
            if levels == [Level.LOWER_SECONDARY]
            else ("TH-THCS" if len(levels) == 2 else LEVEL_PREFIX[levels[0]])
        )
        counts[(index, prefix)] += 1
        suffix = "" if counts[(index, prefix)] == 1 else f"-{counts[(index, prefix)]}"
        unit = Unit(code=f"{prefix}{int(ward.code):05d}{suffix}", name=name, kind=UnitKind.SCHOOL,
                    levels=",".join(levels), parent=communes[index])  # fmt: skip
        local.setdefault(index, []).append((unit, levels))
    schools: list[School] = []
    for index, entries in local.items():
        bulk_units([unit for unit, _ in entries], communes[index])
        schools += [School(unit, levels, f"{slug(unit.code)}.laichau.edu.vn") for unit, levels in entries]
    upper = [
        Unit(code=f"THPT{number:02d}", name=f"Trường {name}", kind=UnitKind.SCHOOL, levels=Level.UPPER_SECONDARY,
             parent=province)
        for number, name in enumerate(UPPER_SECONDARY, start=1)
    ]  # fmt: skip
    centre = Unit(
        code="GDTX-LC", name="Trung tâm Giáo dục thường xuyên tỉnh Lai Châu", kind=UnitKind.CONTINUING_CENTRE,
        levels=f"{Level.UPPER_SECONDARY.value},{Level.CONTINUING.value}", parent=province,
    )  # fmt: skip
    bulk_units([*upper, centre], province)
    schools += [School(unit, [Level.UPPER_SECONDARY], f"{slug(unit.code)}.laichau.edu.vn") for unit in upper]
    schools.append(School(centre, [Level.CONTINUING], "gdtx.laichau.edu.vn"))
    # People: bigger upper-secondary schools, a smaller centre; counts add up exactly (largest remainder).
    weights = [
        1.6 if s.levels == [Level.UPPER_SECONDARY] else 0.8 if s.levels == [Level.PRESCHOOL] else 1.0 for s in schools
    ]
    total = sum(weights)
    shares = [staff_count * w / total for w in weights]
    sizes = [int(share) for share in shares]
    for i in sorted(range(len(schools)), key=lambda i: (sizes[i] - shares[i], i))[: staff_count - sum(sizes)]:
        sizes[i] += 1
    for school, size in zip(schools, sizes, strict=True):
        school.size = size
    return province, communes, schools


class People:
    """Makes one person at a time from the shared generator, keeping codes, CCCDs and e-mails unique."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.codes: set[str] = set()
        self.citizen_ids: set[str] = set()
        self.emails: set[str] = set()

    def unique_number(self, seen: set[str], make) -> str:
        while (value := make()) in seen:
            pass
        seen.add(value)
        return value

    def birth_date(self) -> dt.date:
        rng = self.rng
        year = weighted(rng, BIRTH_YEARS)
        return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))

    def name(self, ethnicity: str, gender: str) -> str:
        rng = self.rng
        family = weighted(rng, FAMILY_NAMES[ethnicity])
        middles = MIDDLE_NAMES.get((ethnicity, gender)) or (["Thị"] if gender == Gender.FEMALE else ["Văn"])
        given = rng.choice(GIVEN_NAMES.get((ethnicity, gender)) or GIVEN_NAMES[gender])
        return f"{family} {rng.choice(middles)} {given}"

    def citizen_id(self, birth: dt.date, gender: str) -> str:
        rng = self.rng
        province = weighted(rng, BIRTH_PROVINCES)
        digit = (0 if birth.year < 2000 else 2) + (1 if gender == Gender.FEMALE else 0)
        head = f"{province}{digit}{birth.year % 100:02d}"
        return self.unique_number(self.citizen_ids, lambda: f"{head}{rng.randrange(10**6):06d}")

    def email(self, full_name: str, domain: str) -> str:
        words = fold(full_name).split()
        local = words[-1] + "".join(word[0] for word in words[:-1])
        return self.unique_number(self.emails, lambda: f"{local}{self.rng.randrange(10, 100)}@{domain}")

    def make(self, school: School, position_index: int) -> StaffMember:
        rng = self.rng
        size = school.size
        vice = 2 if size >= 25 else 1
        employees = max(1, round(size * 0.08)) if size >= 10 else 0
        level = rng.choice(school.levels)
        head = "Giám đốc" if school.unit.kind == UnitKind.CONTINUING_CENTRE else "Hiệu trưởng"
        if position_index == 0:
            group, position = StaffGroup.MANAGER, head
        elif position_index <= vice:
            group, position = StaffGroup.MANAGER, f"Phó {head[0].lower()}{head[1:]}"
        elif position_index > size - 1 - employees:
            group, position = StaffGroup.EMPLOYEE, rng.choice(EMPLOYEE_POSITIONS)
        else:
            group, position = StaffGroup.TEACHER, "Tổ trưởng chuyên môn" if position_index % 10 == 3 else "Giáo viên"
        female = FEMALE_SHARE[level] if group == StaffGroup.TEACHER else 0.5 if group == StaffGroup.MANAGER else 0.7
        gender = Gender.FEMALE if rng.random() < female else Gender.MALE
        ethnicity = weighted(rng, ETHNICITIES)
        full_name = self.name(ethnicity, gender)
        birth = self.birth_date()
        if group == StaffGroup.MANAGER and birth.year > 1992:  # principals are not 25
            birth = add_years(birth, -12)
        joined_from = add_years(birth, 20) + dt.timedelta(days=rng.randrange(0, 5 * 365))
        joined_on = min(joined_from, REFERENCE_DATE - dt.timedelta(days=rng.randrange(0, 60)))
        joined_on = max(joined_on, add_years(birth, 20) + dt.timedelta(days=1))
        status = Status.WORKING
        if gender == Gender.FEMALE and birth.year < 1969:  # past the retirement age of women by 2026
            status = Status.RETIRED
        elif (roll := rng.random()) < 0.01:
            status = Status.LEFT
        elif roll < 0.015:
            status = Status.TRANSFERRED_OUT
        teaching = group != StaffGroup.EMPLOYEE
        qualification = weighted(rng, QUALIFICATIONS[level if group == StaffGroup.TEACHER else group])
        title = ""
        if teaching:
            title = weighted(rng, [("Hạng I", 3), ("Hạng II", 40), ("Hạng III", 57)])
            if group == StaffGroup.MANAGER:
                title = weighted(rng, [("Hạng I", 15), ("Hạng II", 70), ("Hạng III", 15)])
        code = self.unique_number(self.codes, lambda: f"12{rng.randrange(10**8):08d}")
        member = StaffMember(
            code=code,
            full_name=full_name,
            birth_date=birth,
            gender=gender,
            citizen_id=self.citizen_id(birth, gender),
            ethnicity=ethnicity,
            unit=school.unit,
            position=position,
            group=group,
            levels=(",".join(school.levels) if group == StaffGroup.MANAGER else level) if teaching else "",
            subjects=weighted(rng, SUBJECTS[level]) if group == StaffGroup.TEACHER else "",
            qualification=qualification,
            professional_title=title,
            is_core=teaching and rng.random() < 0.05,
            phone=f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}" if rng.random() < 0.93 else "",
            email=self.email(full_name, school.domain) if rng.random() < 0.9 else "",
            joined_on=joined_on,
            status=status,
        )
        member.derive()
        return member


def next_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


_NEXT_IDS: dict = {}
_PLAIN_FIELDS = (models.CharField, models.IntegerField, models.BooleanField, models.ForeignKey)


def insert_rows(model, objects: list) -> None:
    """INSERT many rows with one executemany and ids given here (the writing transaction holds the table).
    The ORM's bulk_create spends most of its time building SQL, which made 100,000 people take minutes.
    `objects` are model instances or Row()s with every column's attname."""
    if not objects:
        return
    fields = model._meta.concrete_fields
    first = _NEXT_IDS.setdefault(model, next_id(model))
    _NEXT_IDS[model] = first + len(objects)
    pk_name = model._meta.pk.attname
    for offset, obj in enumerate(objects):
        setattr(obj, pk_name, first + offset)
    # Timestamps are the same for the whole batch: converted once.
    now = timezone.now()
    fixed = {
        f.attname: f.get_db_prep_save(now, connection)
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    plain = [isinstance(f, _PLAIN_FIELDS) or type(f) is models.DateField for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    getters = []
    for f, is_plain in zip(fields, plain, strict=True):
        if f.attname in fixed:
            getters.append(lambda obj, value=fixed[f.attname]: value)
        elif is_plain:
            getters.append(lambda obj, name=f.attname: getattr(obj, name))
        else:
            getters.append(lambda obj, f=f: f.get_db_prep_save(getattr(obj, f.attname), connection))
    rows = [tuple(get(obj) for get in getters) for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


class Row:
    """A row to insert without the cost of a model instance: the model's defaults, then the values given."""

    _defaults: dict = {}

    def __init__(self, model, **values):
        defaults = Row._defaults.get(model)
        if defaults is None:
            defaults = Row._defaults[model] = {
                f.attname: f.get_default()
                for f in model._meta.concrete_fields
                if not (f.has_default() and callable(f.default))
            }
        self.__dict__.update(defaults)
        self.__dict__.update(values)


@dataclass
class Batch:
    """People (and the accounts linked to them) written together, so memory stays flat for any size."""

    members: list[StaffMember] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    roles: list[tuple[User, str, Unit]] = field(default_factory=list)
    links: list[tuple[StaffMember, User]] = field(default_factory=list)

    def write(self) -> int:
        User.objects.bulk_create(self.users)
        if any(user.pk is None for user in self.users):  # a backend without RETURNING: read the keys back
            names = [u.username for u in self.users]
            by_name = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
            for user in self.users:
                user.pk = by_name[user.username]
        RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=r, unit=unit) for u, r, unit in self.roles])
        for member, user in self.links:
            member.user = user
        insert_rows(StaffMember, self.members)
        insert_rows(
            Assignment,
            [
                Row(Assignment, staff_id=m.pk, unit_id=m.unit_id, position=m.position, start_date=m.joined_on)
                for m in self.members
            ],
        )
        insert_rows(StaffChange, [created_change(m) for m in self.members])
        accounts = len(self.users)
        self.members, self.users, self.roles, self.links = [], [], [], []
        return accounts


def created_change(member: StaffMember) -> Row:
    # The identifying fields only: the full first version is the record itself, and 100,000 people must seed fast.
    changes = {"code": ["", member.code], "full_name": ["", member.full_name], "unit": ["", member.unit.name]}
    return Row(
        StaffChange, staff_id=member.pk, by_id=None, action=StaffChange.Action.CREATED, source=ChangeSource.COMMAND,
        changes=changes, reference="seed_demo",
    )  # fmt: skip


@transaction.atomic
def seed(*, staff: int = 3000, seed: int = 2026, log=None) -> Summary:
    """Build the demo province into an empty database; returns what was made."""
    rng = random.Random(seed)
    _NEXT_IDS.clear()
    summary = Summary()
    province, communes, schools = build_units(rng, staff)
    summary.units = 1 + len(communes) + len(schools)
    summary.schools = len(schools)
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
    first_ward = communes[0]
    account_codes = {f"{prefix}{first_ward.admin_code}" for prefix in ACCOUNT_SCHOOL_PREFIXES}
    account_schools = {school.unit.pk for school in schools if school.unit.code in account_codes}
    users = [
        User(username="so.admin", full_name="Quản trị hệ thống Sở GDĐT", password=password),
        User(username="so.chuyenvien", full_name="Chuyên viên Sở GDĐT", password=password),
        User(username=f"xa.{slug(first_ward.name.split(' ', 2)[2])}", full_name=f"Cán bộ {first_ward.name}",
             password=password),
    ]  # fmt: skip
    roles = [(users[0], Role.SYSTEM_ADMIN, province), (users[1], Role.PROVINCE_OFFICER, province),
             (users[2], Role.LOCAL_OFFICER, first_ward)]  # fmt: skip
    people = People(rng)
    batch = Batch()
    batch.users, batch.roles = users, roles
    for school in schools:
        for index in range(school.size):
            member = people.make(school, index)
            batch.members.append(member)
            summary.by_group[member.group] += 1
            summary.staff += 1
            wants_account = index == 0 or (school.unit.pk in account_schools and member.status == Status.WORKING)
            if wants_account:
                prefix = "ht" if index == 0 else "gv"
                name = school.unit.code.lower() if index == 0 else member.code
                user = User(username=f"{prefix}.{name}", full_name=member.full_name, email=member.email,
                            password=password)  # fmt: skip
                batch.users.append(user)
                batch.links.append((member, user))
                batch.roles.append((user, Role.SCHOOL_ADMIN if index == 0 else Role.TEACHER, school.unit))
            if len(batch.members) >= BATCH:
                summary.accounts += batch.write()
                if log:
                    log(summary.staff)
    summary.accounts += batch.write()
    # PostgreSQL sequences do not follow ids given by hand (SQLite's AUTOINCREMENT does).
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [StaffMember, Assignment, StaffChange]):
            cursor.execute(statement)
    _NEXT_IDS.clear()
    return summary
