"""GB 11643-1999 ID numbers against answers from outside the code.

Every expected check character below is worked out by hand in a comment (weights
7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainder of the weighted sum mod 11, then
"10X98765432"[remainder]) or taken from a published source; none is computed with the
project's `check_digit`, so a wrong weight table cannot agree with itself here.
"""

from __future__ import annotations

import datetime

import pytest

from tests.factories import gb11643_check
from xianfeng.people.idcard import (
    PHONE_RE,
    birth_date_of,
    check_digit,
    gender_of,
    id_problem,
    mask_id,
    mask_phone,
)

# The standard's own example (GB 11643-1999, appendix A): 北京市朝阳区, 1949-12-31, order 002.
#   digits  1 1  0 1 0  5 1 9  4  9 1  2  3 1 0 0 2
#   weights 7 9 10 5 8  4 2 1  6  3 7  9 10 5 8 4 2
#   sum = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → "X"
STANDARD = "11010519491231002X"
# The standard's second example: 广东省汕头市潮阳县, 1880-01-01, order 001.
#   digits  4 4  0  5  2  4 1 8  8 0 0 1 0 1 0 0 1
#   sum = 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195; 195 mod 11 = 8 → "4"
STANDARD_1880 = "440524188001010014"
# A widely published example (云南省昆明市五华区, 1920-05-08, order 011).
#   digits  5 3  0 1 0 2 1 9  2 0 0  5 0  8 0 1 1
#   sum = 35+27+0+5+0+8+2+9+12+0+0+45+0+40+0+4+2 = 189; 189 mod 11 = 2 → "X"
KUNMING = "53010219200508011X"
# Hand-computed, a leap day in a leap century year (2000), order 001 (a man):
#   digits  1 1  0 1 0  5 2 0 0 0 0  2  2  9 0 0 1
#   sum = 7+9+0+5+0+20+4+0+0+0+0+18+20+45+0+0+2 = 130; 130 mod 11 = 9 → "3"
LEAP_DAY_2000 = "110105200002290013"
# A published worked example of the check character alone (not a real date):
#   1×7+2×9+3×10+4×5+5×8+6×4+7×2+8×1+9×6+0×3+1×7+2×9+3×10+4×5+5×8+6×4+7×2 = 368;
#   368 mod 11 = 5 → "7"
WORKED_BODY, WORKED_CHECK = "12345678901234567", "7"


@pytest.mark.parametrize("number", [STANDARD, KUNMING, LEAP_DAY_2000])
def test_id_problem_published_and_hand_computed_numbers_are_valid(number):
    assert id_problem(number) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (STANDARD[:17], "X"),
        (STANDARD_1880[:17], "4"),
        (KUNMING[:17], "X"),
        (LEAP_DAY_2000[:17], "3"),
        (WORKED_BODY, WORKED_CHECK),
        ("44052418800101536", "8"),  # published beside the standard's: sum 257, mod 11 = 4
    ],
)
def test_check_digit_known_answers(body, expected):
    assert check_digit(body) == expected
    # The tests' own helper (tests/factories.py) agrees with the same known answers.
    assert gb11643_check(body) == expected


# One digit set at each of the 17 positions, all others 0: the weighted sum is the weight
# itself, so this pins every weight of the table (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2):
# weight 7 → "5", 9 → "3", 10 → "2", 5 → "7", 8 → "4", 4 → "8", 2 → "X", 1 → "0",
# 6 → "6", 3 → "9".
UNIT_CHECKS = "532748X069532748X"


@pytest.mark.parametrize("position", range(17))
def test_check_digit_each_weight_of_the_table(position):
    body = "0" * position + "1" + "0" * (16 - position)
    assert check_digit(body) == UNIT_CHECKS[position]


def test_check_digit_of_all_zeros_is_one():
    assert check_digit("0" * 17) == "1"  # sum 0 → "10X98765432"[0]


def test_id_problem_one_digit_changed_is_refused():
    # The standard's example with its last digit of the order changed 2 → 3: sum 167 + 2
    # = 169, 169 mod 11 = 4 → "8", not "X".
    wrong = "11010519491231003X"
    assert id_problem(wrong) == "身份证号校验位不正确，请核对是否抄错"
    # … and with the check character itself changed (X → 1).
    assert id_problem("110105194912310021") == "身份证号校验位不正确，请核对是否抄错"


def test_id_problem_the_digit_a_table_with_two_weights_swapped_would_give_is_refused():
    # Weights 3 and 4 (10 and 5) swapped: the sum of the standard's example changes by
    # (0 − 1)·(5 − 10) = +5, 172 mod 11 = 7 → "5". A table with that mistake would accept
    # 110105194912310025 and refuse the standard's own number.
    swapped = "110105194912310025"
    assert id_problem(swapped) == "身份证号校验位不正确，请核对是否抄错"
    assert id_problem(STANDARD) is None


def test_id_problem_a_valid_check_with_a_birth_before_1900_is_refused():
    # The standard's 1880 example is arithmetically right but nobody on a roster was born
    # before 1900.
    assert id_problem(STANDARD_1880) == "身份证号中的出生日期不合理"


def test_id_problem_birth_year_boundary_1900():
    # 11010519000101001: sum 7+9+5+20+2+9+9+5+2 = 68, mod 11 = 2 → "X"
    assert id_problem("11010519000101001X") is None
    # 11010518991231001: sum 194, mod 11 = 7 → "5"
    assert id_problem("110105189912310015") == "身份证号中的出生日期不合理"


def test_id_problem_birth_date_today_is_accepted_tomorrow_is_not():
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    born_today = f"110105{today:%Y%m%d}001"
    born_tomorrow = f"110105{tomorrow:%Y%m%d}001"
    assert id_problem(born_today + gb11643_check(born_today)) is None
    assert id_problem(born_tomorrow + gb11643_check(born_tomorrow)) == "身份证号中的出生日期不合理"


def test_id_problem_dates_that_do_not_exist():
    # 1900 is not a leap year (a century not divisible by 400): sum 137, mod 11 = 5 → "7"
    assert id_problem("110105190002290017") == "身份证号中的出生日期不存在"
    # 2000 is: see LEAP_DAY_2000 above.
    assert id_problem(LEAP_DAY_2000) is None
    for body in ("11010519490231002", "11010519491331002", "11010519491200002"):
        assert id_problem(body + gb11643_check(body)) == "身份证号中的出生日期不存在"


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19
        "110105491231002",  # the old 15-digit numbers are not accepted
        "11010519491231002x",  # lower-case x: the normalisers upper-case before checking
        "1101051949123100X2",  # X only as the last character
        "１１０１０５１９４９１２３１００２Ｘ",  # full width: normalised before, not here
    ],
)
def test_id_problem_format(number):
    assert id_problem(number) == "身份证号应为 18 位：17 位数字加 1 位数字或 X"


def test_birth_date_and_gender_of_the_published_numbers():
    assert birth_date_of(STANDARD) == datetime.date(1949, 12, 31)
    assert gender_of(STANDARD) == "F"  # order 002: even
    assert birth_date_of(KUNMING) == datetime.date(1920, 5, 8)
    assert gender_of(KUNMING) == "M"  # order 011: odd
    assert gender_of(LEAP_DAY_2000) == "M"


def test_mask_id_keeps_four_each_side_from_eight_characters():
    assert mask_id(STANDARD) == "1101**********002X"
    assert mask_id("12345678") == "12345678"  # 8: nothing left to hide
    assert mask_id("1234567") == "*******"  # shorter: all hidden
    assert mask_id("") == ""


def test_mask_phone_keeps_three_and_four_from_seven_characters():
    assert mask_phone("13900000006") == "139****0006"
    assert mask_phone("1234567") == "123****4567"
    assert mask_phone("123456") == "******"
    assert mask_phone("") == ""


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13900000006", True),
        ("19912345678", True),
        ("12912345678", False),  # no 12x mobile numbers
        ("1390000000", False),  # 10 digits
        ("139000000061", False),  # 12 digits
    ],
)
def test_phone_re_boundaries(phone, ok):
    assert bool(PHONE_RE.match(phone)) is ok
