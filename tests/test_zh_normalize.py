"""Chinese normalisation: each reading that a live-commerce script needs, case by case."""

import pytest

from twincast.text.zh_normalize import cardinal, normalize_zh

CASES = [
    # prices
    ("¥199.9", "一百九十九点九元"),
    ("￥199.9", "一百九十九点九元"),
    ("199元", "一百九十九元"),
    ("99.00元", "九十九元"),
    ("88.80元", "八十八点八元"),
    ("¥1,299", "一千二百九十九元"),
    ("$20", "二十美元"),
    ("12块5", "十二块五"),
    ("1000000元", "一百万元"),
    ("¥12.5万", "十二点五万元"),
    # plain numbers and decimals
    ("100010", "十万零一十"),
    ("0.5", "零点五"),
    ("1.5万", "一点五万"),
    ("１２３", "一百二十三"),
    ("买2送1", "买二送一"),
    ("2件", "两件"),
    ("第2件", "第二件"),
    ("10万+", "十万"),
    ("007", "零零七"),
    # percentages and fractions
    ("30%", "百分之三十"),
    ("12.5%", "百分之十二点五"),
    ("30%-50%", "百分之三十到百分之五十"),
    ("1/2", "二分之一"),
    # model codes: Latin stays, the number is read
    ("蓝牙5.3", "蓝牙五点三"),
    ("iPhone 15", "iPhone 十五"),
    ("Dyson V12", "Dyson V十二"),
    ("RTX4090", "RTX四零九零"),
    ("5.0.1版本", "五点零点一版本"),
    # units
    ("500ml", "五百毫升"),
    ("5000mAh", "五千毫安时"),
    ("256GB", "二百五十六G"),
    ("65寸", "六十五寸"),
    ("2kg", "两公斤"),
    ("1.5kg", "一点五公斤"),
    ("300g", "三百克"),
    ("30cm", "三十厘米"),
    ("5mm", "五毫米"),
    ("2m", "两米"),
    ("65W快充", "六十五瓦快充"),
    ("30x40cm", "三十乘四十厘米"),
    ("-5℃", "零下五摄氏度"),
    ("续航30h", "续航三十小时"),
    # dates and times
    ("2024年5月1日", "二零二四年五月一日"),
    ("5月1号", "五月一号"),
    ("2024-05-01", "二零二四年五月一日"),
    ("90后", "九零后"),
    ("15:30", "十五点三十分"),
    ("9:05", "九点零五分"),
    ("15:00", "十五点"),
    ("2:00", "两点"),
    ("10:00-22:00", "十点到二十二点"),
    # phone numbers and codes: digit by digit
    ("13812345678", "幺三八幺二三四五六七八"),
    ("400-820-8820", "四零零八二零八八二零"),
    ("010-12345678", "零幺零幺二三四五六七八"),
    # ranges
    ("3-5天", "三到五天"),
    ("100~200元", "一百到二百元"),
    # full width, traditional, punctuation
    ("這款藍牙耳機", "这款蓝牙耳机"),
    ("發貨，後天到！", "发货,后天到!"),
    ("蓝牙5.3，续航30h，仅需¥199.9！", "蓝牙五点三,续航三十小时,仅需一百九十九点九元!"),
    # nothing to change
    ("欢迎来到直播间", "欢迎来到直播间"),
    ("Dyson吹风机", "Dyson吹风机"),
]


@pytest.mark.parametrize("raw,expected", CASES, ids=[c[0] for c in CASES])
def test_normalize_zh(raw, expected):
    assert normalize_zh(raw) == expected


@pytest.mark.parametrize("n,expected", [
    (0, "零"), (2, "二"), (10, "十"), (11, "十一"), (20, "二十"), (101, "一百零一"),
    (110, "一百一十"), (1001, "一千零一"), (10000, "一万"), (10010, "一万零一十"),
    (120000, "十二万"), (100000000, "一亿"), (100010000, "一亿零一万"),
])
def test_cardinal(n, expected):
    assert cardinal(n) == expected


def test_no_digits_survive_in_a_shop_script():
    script = ("今晚8:30开播，原价¥299，今天只要199元，立减33%！"
              "满2件再送500ml旅行装，电池5000mAh，支持65W快充，3-5天发货，客服电话400-820-8820。")
    out = normalize_zh(script)
    assert not any(c.isdigit() for c in out), out
    assert "八点三十分" in out and "百分之三十三" in out and "四零零八二零八八二零" in out
