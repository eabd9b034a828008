"""Topic hints: comment words that say which kind of fact answers them.

Why a table: "续航多久" is answered by the battery-life spec whatever the catalog calls it, and
"1000W right?" by the fact stating a power. The table is catalog-independent and bilingual;
retrieval (:mod:`.retrieval`) adds one point to every fact a fired hint's pattern finds. Pure
module: patterns only.
"""

from __future__ import annotations

import re

from ..catalog_units import UNIT_ALIASES, UNITS

# comment words -> words that must appear in the fact (bilingual, catalog-independent)
_HINTS: list[tuple[str, str]] = [
    (r"续航|电池|battery|多久.{0,2}电|用多久", "续航|battery"),
    (r"降噪|noise", "降噪|noise"),
    (r"防水|游泳|waterproof|swim|sweat|出汗", "防水|游泳|water|swim"),
    (r"蓝牙|bluetooth|几点几", "蓝牙|bluetooth"),
    (r"延迟|latency|游戏|gaming", "延迟|latency"),
    (r"重不重|多重|重量|weigh|heavy|耳朵疼|戴久", "重量|weight|克|半入耳|comfortable"),
    (r"容量|多大|capacity|\bml\b|how big|几升", "容量|capacity"),
    (r"材质|material|steel|304|316|内胆", "材质|material|steel"),
    (r"保温|keep.{0,10}(hot|warm)|热多久", "保温|heat"),
    (r"保冷|cold|冰", "保冷|cold"),
    (r"成分|ingredient|what.{0,4}in it", "成分|ingredient"),
    (r"香味|香精|fragrance|scent|smell", "香精|fragrance"),
    (r"保质期|shelf|expire", "保质期|shelf"),
    (r"含绒|down percentage|白鸭绒|鹅绒|goose|duck|填充", "填充|filling"),
    (r"充绒", "充绒|down weight"),
    (r"蓬松|fill power", "蓬松|fill power"),
    (r"功率|费电|wattage|watt|power", "功率|power"),
    (r"温度|多少度|temperature", "温度|temperature"),
    (r"厚|thick", "厚度|thick"),
    (r"磁吸|magsafe|magnetic|无线充", "磁吸|magsafe"),
    (r"防摔|摔|drop", "防摔|drop"),
    (r"定时|timer", "定时|timer"),
    (r"窗口|window", "窗口|window"),
    (r"好洗|清洗|拆下|clean", "洗|wash"),
    (r"机洗|machine wash|washable", "机洗|machine wash"),
    (r"帽子|hood", "连帽|hood"),
    (r"毛衣|sweater|宽松|版型", "毛衣|sweater"),
    (r"冷不冷|会冷|warm enough|暖", "暖|warm"),
    (r"赠品|送.{0,3}(吗|东西|什么)|freebie|gift|samples?\b|included|耳帽", "送|赠|gift|tips|travel"),
    (r"防水吗|water.?(proof|repellent)|下雨|雨", "防泼水|repellent|防水"),
    (r"痘|acne|pimple", "痘|acne"),
    (r"孕|pregnan", "孕|pregnan"),
    (r"油皮|oily|干皮|dry skin", "油皮|oily"),
    (r"敏感肌|sensitive", "肤质|skin types|敏感|sensitive"),
    (r"安卓|android|samsung|华为|小米", "安卓|android"),
    (r"可乐|碳酸|汽水|soda|fizzy|coke|sparkling", "碳酸|fizzy"),
    (r"咖啡|茶|coffee|\btea\b", "咖啡|茶|coffee|tea"),
    (r"洗碗机|dishwasher", "洗碗机|dishwasher"),
    (r"鸡翅|wings?\b", "鸡翅|wings"),
    (r"预热|preheat", "预热|preheat"),
    (r"发黄|yellow", "发黄|yellow"),
    (r"两个手机|两台|two devices|连两|双设备|multipoint", "两台|two devices"),
    (r"毫安|mah|电池容量|battery (capacity|size)", "毫安|mah"),  # hours of battery life are another fact
    (r"充满|充电.{0,4}(多久|时间)|charg(e|ing) time|how long.{0,12}charge", "充满|充电|charg"),
    (r"过敏|allerg|坚果|花生|nuts?\b|peanut|乳糖|gluten|麸质", "过敏|allergen|坚果|花生|nut|peanut|乳|milk|gluten|麸"),
    (r"开封|开了|拆封|once opened|after opening", "开封|opened|opening"),
    (r"保质期|能放多久|过期|shelf|expir|how long.{0,10}(keep|last)", "保质期|shelf|开封|opened|keep"),
    (r"飞机|登机|高铁|plane|flight|carry.?on|airline", "飞机|登机|flight|plane|carry|airline|民航"),
    (r"几岁|年龄|多大的孩子|宝宝|儿童|小孩|kids?|child|toddler|age|how old", "岁|age|years|儿童|child|kids"),
    (r"尺寸|多大|多高|多宽|多长|多深|dimension|how (big|tall|wide|long|deep)|fit in|放得下|塞得进", "尺寸|宽|高|深|长|cm|width|height|depth|size|dimension"),
    (r"配料|原料|ingredient|what.{0,6}made of", "配料|成分|原料|ingredient"),
    (r"spf|防晒|sunscreen|uv", r"spf|防晒|uv|pa\+"),
    (r"怎么用|用法|使用|how (do|to) (i )?use|apply", "用法|使用|use|apply|步骤"),
    (r"怎么洗|清洗|洗|wash|clean", "洗|clean|wash"),
    (r"保存|储存|存放|冷藏|store|fridge|refrigerat", "保存|储存|存放|冷藏|阴凉|store|fridge|cool"),
    (r"真丝|丝绸|\bsilk\b|cotton|纯棉|全棉|棉的|真皮|皮的|leather|羊毛|wool|cashmere|羊绒|涤纶|polyester|亚麻|linen|"
     r"viscose|粘纤|面料|料子|材质|fabric|material|鞋面|\bupper\b|什么做的|made of", r"面料|材质|成分|鞋面|fabric|material|upper|%"),
    (r"\bhz\b|赫兹|\d\s*hz", r"hz|赫兹"),
    (r"哪里产|哪产的|产地|哪个?厂|厂家|生产商|made in|where.{0,12}(made|from|produced|grown)|\borigin|manufactur",
     r"产地|产自|原产|厂|origin|made in|grown in|from the|manufactur"),
]


def _unit_hints() -> list[tuple[str, str]]:
    """"1000W right?", "110V 能用吗": a number with a unit asks for the fact stating that quantity.

    Only units that name one kind of fact; time, length, mass and count units also appear in
    body sizes, delivery days and pack sizes, so they would point at the wrong fact."""
    hints = []
    for dimension in ("voltage", "power", "charge", "energy", "volume", "level"):
        units = {u for u, spec in UNITS.items() if spec[0] == dimension}
        spellings = sorted(units | {a for a, u in UNIT_ALIASES.items() if u in units}, key=len, reverse=True)
        unit_rx = "|".join(re.escape(x) for x in spellings)
        number_unit = rf"\d\s*(?:{unit_rx})(?![a-z])"
        hints.append((number_unit, number_unit))
    return hints


def _word_start(pattern: str) -> str:
    """English alternatives in a fact pattern match at a word's start ("age" not in "page")."""
    return "|".join(rf"(?<![a-z]){alt}" if re.match(r"[a-z]", alt) else alt for alt in pattern.split("|"))


HINTS_RX = [(re.compile(q, re.I | re.A), re.compile(_word_start(f), re.I | re.A))
            for q, f in (*_HINTS, *_unit_hints())]
