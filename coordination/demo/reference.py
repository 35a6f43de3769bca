"""What the demo seeder draws its parties, products and tasks from (DESIGN.md §8).

The regions and fields themselves are production reference data (projects/reference/, shipped by
migrations); this module only weights and names demo rows on top of them. Institution and product
names are invented stems for demo data, not real institutions.
"""

from __future__ import annotations

from dataclasses import dataclass

from lenders.choices import InstitutionKind, Instrument
from projects.reference.fields import TECH_FIELDS
from projects.reference.regions import REGIONS

_REGIONS_BY_CODE = {region.code: region for region in REGIONS}


def region_stem(code: str) -> str:
    """The city a division lies in (above cities, its province) without the suffix: the word demo
    names start with ("上海…科技有限公司")."""
    region = _REGIONS_BY_CODE[code]
    while not region.name.endswith("市") and region.parent is not None:
        region = _REGIONS_BY_CODE[region.parent]
    return region.name[:-1]


# Where demo enterprises are registered (leaf divisions only), with relative weights.
ENTERPRISE_REGION_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("310115", 9),
    ("310104", 5),
    ("310112", 5),
    ("310110", 3),
    ("310114", 3),
    ("310117", 2),
    ("110108", 9),
    ("110105", 4),
    ("110114", 3),
    ("110115", 2),
    ("440305", 7),
    ("440100", 5),
    ("440400", 1),
    ("440600", 2),
    ("441900", 3),
    ("120116", 2),
    ("320100", 3),
    ("320200", 2),
    ("320500", 4),
    ("330100", 5),
    ("330200", 2),
    ("340100", 4),
    ("420100", 4),
    ("430100", 2),
    ("500112", 2),
    ("510100", 4),
    ("510700", 1),
    ("610100", 3),
)

# Regional institutions pick their home from these (province-level or city-level divisions).
INSTITUTION_HOME_REGIONS: tuple[str, ...] = (
    "310000",
    "110000",
    "440300",
    "440100",
    "120000",
    "320000",
    "330100",
    "340100",
    "420100",
    "430100",
    "500000",
    "510100",
    "610100",
)


ROOT_FIELDS: tuple[str, ...] = tuple(field.code for field in TECH_FIELDS if field.parent is None)
CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    root: tuple(field.code for field in TECH_FIELDS if field.parent == root) for root in ROOT_FIELDS
}
ROOT_OF_FIELD: dict[str, str] = {field.code: field.parent or field.code for field in TECH_FIELDS}
# The word enterprise names use for their root field.
FIELD_NAME_WORD: dict[str, str] = {
    "ai": "智能科技",
    "integrated-circuits": "半导体",
    "quantum": "量子科技",
    "biomedicine": "生物医药",
    "new-materials": "新材料科技",
    "new-energy": "新能源科技",
    "aerospace": "航天科技",
    "advanced-manufacturing": "智能装备",
    "digital-economy": "信息技术",
}
# Relative weight of each root field among demo enterprises, and its usual MIIT industry group
# (industry, software_it, other) as weights.
ROOT_FIELD_WEIGHTS: dict[str, int] = {
    "ai": 16,
    "integrated-circuits": 12,
    "quantum": 3,
    "biomedicine": 12,
    "new-materials": 10,
    "new-energy": 10,
    "aerospace": 6,
    "advanced-manufacturing": 14,
    "digital-economy": 9,
}
INDUSTRY_WEIGHTS_BY_ROOT: dict[str, tuple[int, int, int]] = {
    "ai": (2, 7, 1),
    "integrated-circuits": (8, 2, 0),
    "quantum": (6, 3, 1),
    "biomedicine": (6, 1, 3),
    "new-materials": (9, 0, 1),
    "new-energy": (9, 0, 1),
    "aerospace": (9, 1, 0),
    "advanced-manufacturing": (7, 3, 0),
    "digital-economy": (0, 6, 4),
}

# Enterprise brand syllables; a brand is one from each list (1 600 pairs), then a third for more.
BRAND_FIRST: str = "启星智芯云蓝华创博恒瑞天海光量微图灵深远极聚思联源维精卓睿弘嘉鸿拓越宇航凌曦澜镜"
BRAND_SECOND: str = "元象际鲸驰途峰锐驱矩数界擎诺衡迈芯科辉宸澄跃沿桥翼舟岳星泽霖川屹邦原朗驿骏盾璟芒"

# Institution name stems, per kind (invented names).
INSTITUTION_STEMS: dict[str, tuple[str, ...]] = {
    InstitutionKind.BANK: (
        "华信",
        "汇通",
        "嘉禾",
        "恒源",
        "鼎盛",
        "泰和",
        "明德",
        "同舟",
        "致远",
        "海川",
        "瑞和",
        "正元",
        "博远",
        "长河",
        "金鼎",
        "丰泽",
        "广润",
        "德厚",
        "信诚",
        "澄明",
    ),
    InstitutionKind.INSURER: ("安澜", "康宁", "恒安", "安顺", "福瑞", "永泰", "宏安", "鼎安", "盛安", "和信"),
    InstitutionKind.VC: (
        "星河",
        "远望",
        "磐石",
        "青松",
        "北辰",
        "扬帆",
        "晨曦",
        "拓界",
        "深空",
        "砺行",
        "原点",
        "硬核",
    ),
    InstitutionKind.GUARANTOR: ("科信", "金桥", "安信", "创保", "融信", "汇鑫", "鑫源", "同创"),
}

# Institutions are generated in blocks of 40 with this mix of kinds (16 banks, 8 insurers, 10 VCs,
# 6 guarantors), interleaved so that any prefix has every kind.
INSTITUTION_KIND_CYCLE: tuple[str, ...] = tuple(
    [
        InstitutionKind.BANK,
        InstitutionKind.VC,
        InstitutionKind.INSURER,
        InstitutionKind.BANK,
        InstitutionKind.GUARANTOR,
        InstitutionKind.BANK,
        InstitutionKind.VC,
        InstitutionKind.INSURER,
        InstitutionKind.BANK,
        InstitutionKind.VC,
    ]
    * 2
    + [
        InstitutionKind.BANK,
        InstitutionKind.VC,
        InstitutionKind.INSURER,
        InstitutionKind.BANK,
        InstitutionKind.GUARANTOR,
        InstitutionKind.BANK,
        InstitutionKind.VC,
        InstitutionKind.INSURER,
        InstitutionKind.BANK,
        InstitutionKind.GUARANTOR,
    ]
    * 2
)
assert len(INSTITUTION_KIND_CYCLE) == 40


@dataclass(frozen=True)
class InstrumentProfile:
    """Realistic ranges for an instrument; amounts in yuan (cover for insurance), terms in months."""

    names: tuple[str, ...]
    min_amounts: tuple[int, ...]
    max_amounts: tuple[int, ...]
    min_terms: tuple[int, ...]
    max_terms: tuple[int, ...]
    # Indicative annual rate (loan/bond), premium rate (insurance) or fee rate (guarantee), per ten-thousand.
    rate_bp: tuple[int, int] | None
    stake_bp: tuple[int, int] | None
    capacities: tuple[int, ...]


_M = 1_000_000
INSTRUMENT_PROFILES: dict[str, InstrumentProfile] = {
    Instrument.CREDIT_LOAN: InstrumentProfile(
        names=("科创信用贷", "科技人才贷", "研发贷", "创新积分贷", "专精特新贷", "首贷通"),
        min_amounts=(300_000, 500_000, 1 * _M),
        max_amounts=(5 * _M, 10 * _M, 20 * _M, 30 * _M, 50 * _M),
        min_terms=(6, 12),
        max_terms=(24, 36, 60),
        rate_bp=(245, 450),
        stake_bp=None,
        capacities=(300 * _M, 800 * _M, 2_000 * _M, 5_000 * _M),
    ),
    Instrument.IP_PLEDGE_LOAN: InstrumentProfile(
        names=("知识产权质押贷", "专利快贷", "知产融"),
        min_amounts=(500_000, 1 * _M),
        max_amounts=(10 * _M, 20 * _M, 30 * _M),
        min_terms=(12,),
        max_terms=(24, 36),
        rate_bp=(280, 500),
        stake_bp=None,
        capacities=(200 * _M, 500 * _M, 1_000 * _M),
    ),
    Instrument.SCI_TECH_BOND: InstrumentProfile(
        names=("科创债承销", "科技创新债券"),
        min_amounts=(30 * _M, 50 * _M),
        max_amounts=(300 * _M, 500 * _M, 1_000 * _M),
        min_terms=(36,),
        max_terms=(60, 84),
        rate_bp=(200, 350),
        stake_bp=None,
        capacities=(3_000 * _M, 10_000 * _M),
    ),
    Instrument.EQUITY: InstrumentProfile(
        names=("天使基金", "种子基金", "硬科技成长基金", "产业投资基金", "科创投资基金"),
        min_amounts=(1 * _M, 2 * _M, 5 * _M),
        max_amounts=(20 * _M, 50 * _M, 100 * _M),
        min_terms=(36, 48),
        max_terms=(84, 96, 120),
        rate_bp=None,
        stake_bp=(300, 2_000),
        capacities=(200 * _M, 500 * _M, 1_500 * _M),
    ),
    Instrument.RD_INSURANCE: InstrumentProfile(
        names=("研发费用损失险", "关键研发设备险", "研发中断险"),
        min_amounts=(500_000, 1 * _M),
        max_amounts=(10 * _M, 20 * _M, 50 * _M),
        min_terms=(12,),
        max_terms=(12, 24, 36),
        rate_bp=(50, 200),
        stake_bp=None,
        capacities=(500 * _M, 1_000 * _M, 3_000 * _M),
    ),
    Instrument.FIRST_SET_INSURANCE: InstrumentProfile(
        names=("首台(套)重大技术装备综合险", "首批次新材料保险"),
        min_amounts=(2 * _M, 5 * _M),
        max_amounts=(100 * _M, 200 * _M, 500 * _M),
        min_terms=(12,),
        max_terms=(12, 36),
        rate_bp=(100, 300),
        stake_bp=None,
        capacities=(2_000 * _M, 5_000 * _M),
    ),
    Instrument.LOAN_GUARANTEE_INSURANCE: InstrumentProfile(
        names=("科技贷款保证保险", "小微贷款保证保险"),
        min_amounts=(300_000, 500_000),
        max_amounts=(5 * _M, 10 * _M),
        min_terms=(6, 12),
        max_terms=(24, 36),
        rate_bp=(100, 250),
        stake_bp=None,
        capacities=(300 * _M, 1_000 * _M),
    ),
    Instrument.GUARANTEE: InstrumentProfile(
        names=("科技融资担保", "批量担保·科创贷", "知识产权融资担保", "见贷即保"),
        min_amounts=(300_000, 500_000, 1 * _M),
        max_amounts=(5 * _M, 10 * _M, 20 * _M, 30 * _M),
        min_terms=(6, 12),
        max_terms=(24, 36),
        rate_bp=(50, 150),
        stake_bp=None,
        capacities=(300 * _M, 1_000 * _M, 3_000 * _M),
    ),
}

# Major-task titles per root field (the task code and level make each one distinct).
TASK_TITLES: dict[str, tuple[str, ...]] = {
    "ai": (
        "面向工业场景的行业大模型研发与应用示范",
        "具身智能通用操作平台关键技术",
        "可信人工智能评测体系与工具链",
    ),
    "integrated-circuits": (
        "先进工艺关键装备研发与验证",
        "车规级高性能计算芯片研制",
        "高端光刻胶国产化及产业化",
    ),
    "quantum": ("超导量子计算原型机工程化", "城域量子保密通信网络示范", "原子钟与量子精密测量仪器"),
    "biomedicine": (
        "源头创新药物临床前研究平台",
        "高端医学影像设备核心部件国产化",
        "合成生物制造关键菌株与工艺",
    ),
    "new-materials": ("高性能碳纤维及复合材料产业化", "航空级高温合金关键制备技术", "稀土永磁材料绿色制备"),
    "new-energy": ("全固态电池材料与电芯工程化", "可再生能源电解水制氢装备", "钙钛矿叠层光伏组件中试"),
    "aerospace": ("可重复使用运载火箭关键技术", "电动垂直起降飞行器适航验证", "大涵道比涡扇发动机部件研制"),
    "advanced-manufacturing": (
        "高端五轴联动数控机床研制",
        "工业设计仿真软件自主化",
        "协作机器人核心零部件攻关",
    ),
    "digital-economy": (
        "工业互联网平台中小企业数字化转型",
        "数字人民币科技金融场景示范",
        "企业级软件供应链安全",
    ),
}
