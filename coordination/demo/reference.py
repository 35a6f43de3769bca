"""Static reference data for the demo seeder (DESIGN.md §2, §6, §8).

Region codes are real GB/T 2260 codes. Districts of the municipalities are linked straight to the
municipality (the standard's intermediate "市辖区" level is left out). The `pilot_zone` flag follows
the S&T-finance pilot lists (2011 first batch, 2016 second batch) and is carried down to the
divisions inside a pilot area, so a check on the enterprise's own region sees it.

Institution and product names are invented stems for demo data, not real institutions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lenders.choices import InstitutionKind, Instrument
from projects.choices import InnovationCenter


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str
    name_en: str
    parent: str | None
    pilot_zone: bool = False
    innovation_center: str = InnovationCenter.NONE
    # Used to build enterprise and institution names ("上海…科技有限公司").
    short: str = ""


_BJ = InnovationCenter.BEIJING
_SH = InnovationCenter.SHANGHAI
_GBA = InnovationCenter.GBA

# Parents come before their children.
REGIONS: tuple[RegionRef, ...] = (
    # Beijing international S&T innovation centre; Zhongguancun was in the first pilot batch.
    RegionRef("110000", "北京市", "Beijing", None, True, _BJ, "北京"),
    RegionRef("110105", "朝阳区", "Chaoyang District", "110000", True, _BJ, "北京"),
    RegionRef("110108", "海淀区", "Haidian District", "110000", True, _BJ, "北京"),
    RegionRef("110114", "昌平区", "Changping District", "110000", True, _BJ, "北京"),
    RegionRef("110115", "大兴区", "Daxing District", "110000", True, _BJ, "北京"),
    # Shanghai international S&T innovation centre; first pilot batch.
    RegionRef("310000", "上海市", "Shanghai", None, True, _SH, "上海"),
    RegionRef("310104", "徐汇区", "Xuhui District", "310000", True, _SH, "上海"),
    RegionRef("310110", "杨浦区", "Yangpu District", "310000", True, _SH, "上海"),
    RegionRef("310112", "闵行区", "Minhang District", "310000", True, _SH, "上海"),
    RegionRef("310114", "嘉定区", "Jiading District", "310000", True, _SH, "上海"),
    RegionRef("310115", "浦东新区", "Pudong New Area", "310000", True, _SH, "上海"),
    RegionRef("310117", "松江区", "Songjiang District", "310000", True, _SH, "上海"),
    # Guangdong: the Greater Bay Area flag sits on the GBA cities, not the whole province.
    RegionRef("440000", "广东省", "Guangdong", None, False, InnovationCenter.NONE, "广东"),
    RegionRef("440100", "广州市", "Guangzhou", "440000", True, _GBA, "广州"),
    RegionRef("440300", "深圳市", "Shenzhen", "440000", True, _GBA, "深圳"),
    RegionRef("440305", "南山区", "Nanshan District", "440300", True, _GBA, "深圳"),
    RegionRef("440400", "珠海市", "Zhuhai", "440000", False, _GBA, "珠海"),
    RegionRef("440600", "佛山市", "Foshan", "440000", True, _GBA, "佛山"),
    RegionRef("441900", "东莞市", "Dongguan", "440000", True, _GBA, "东莞"),
    # Other S&T finance pilot regions.
    RegionRef("120000", "天津市", "Tianjin", None, True, InnovationCenter.NONE, "天津"),
    RegionRef("120116", "滨海新区", "Binhai New Area", "120000", True, InnovationCenter.NONE, "天津"),
    RegionRef("320000", "江苏省", "Jiangsu", None, True, InnovationCenter.NONE, "江苏"),
    RegionRef("320100", "南京市", "Nanjing", "320000", True, InnovationCenter.NONE, "南京"),
    RegionRef("320200", "无锡市", "Wuxi", "320000", True, InnovationCenter.NONE, "无锡"),
    RegionRef("320500", "苏州市", "Suzhou", "320000", True, InnovationCenter.NONE, "苏州"),
    RegionRef("330000", "浙江省", "Zhejiang", None, False, InnovationCenter.NONE, "浙江"),
    RegionRef("330100", "杭州市", "Hangzhou", "330000", True, InnovationCenter.NONE, "杭州"),
    RegionRef("330200", "宁波市", "Ningbo", "330000", True, InnovationCenter.NONE, "宁波"),
    RegionRef("340000", "安徽省", "Anhui", None, False, InnovationCenter.NONE, "安徽"),
    RegionRef("340100", "合肥市", "Hefei", "340000", True, InnovationCenter.NONE, "合肥"),
    RegionRef("420000", "湖北省", "Hubei", None, False, InnovationCenter.NONE, "湖北"),
    RegionRef("420100", "武汉市", "Wuhan", "420000", True, InnovationCenter.NONE, "武汉"),
    RegionRef("430000", "湖南省", "Hunan", None, False, InnovationCenter.NONE, "湖南"),
    RegionRef("430100", "长沙市", "Changsha", "430000", True, InnovationCenter.NONE, "长沙"),
    RegionRef("500000", "重庆市", "Chongqing", None, True, InnovationCenter.NONE, "重庆"),
    RegionRef("500112", "渝北区", "Yubei District", "500000", True, InnovationCenter.NONE, "重庆"),
    RegionRef("510000", "四川省", "Sichuan", None, False, InnovationCenter.NONE, "四川"),
    RegionRef("510100", "成都市", "Chengdu", "510000", True, InnovationCenter.NONE, "成都"),
    RegionRef("510700", "绵阳市", "Mianyang", "510000", True, InnovationCenter.NONE, "绵阳"),
    RegionRef("610000", "陕西省", "Shaanxi", None, False, InnovationCenter.NONE, "陕西"),
    RegionRef("610100", "西安市", "Xi'an", "610000", True, InnovationCenter.NONE, "西安"),
)
REGIONS_BY_CODE: dict[str, RegionRef] = {region.code: region for region in REGIONS}

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


@dataclass(frozen=True)
class TechFieldRef:
    code: str
    name: str
    name_en: str
    parent: str | None
    hard_tech: bool
    # Root fields only: the word used in enterprise names and the usual industry group.
    name_word: str = ""


TECH_FIELDS: tuple[TechFieldRef, ...] = (
    TechFieldRef("ai", "人工智能", "Artificial intelligence", None, True, "智能科技"),
    TechFieldRef("ai-foundation-models", "通用大模型", "Foundation models", "ai", True),
    TechFieldRef("ai-computer-vision", "计算机视觉", "Computer vision", "ai", True),
    TechFieldRef("ai-embodied", "具身智能", "Embodied intelligence", "ai", True),
    TechFieldRef("ai-applications", "行业智能应用", "Industry AI applications", "ai", False),
    TechFieldRef("integrated-circuits", "集成电路", "Integrated circuits", None, True, "半导体"),
    TechFieldRef("ic-design", "芯片设计", "Chip design", "integrated-circuits", True),
    TechFieldRef(
        "ic-manufacturing", "晶圆制造与封测", "Wafer fabrication and packaging", "integrated-circuits", True
    ),
    TechFieldRef(
        "ic-equipment",
        "半导体设备与材料",
        "Semiconductor equipment and materials",
        "integrated-circuits",
        True,
    ),
    TechFieldRef("quantum", "量子科技", "Quantum technology", None, True, "量子科技"),
    TechFieldRef("quantum-computing", "量子计算", "Quantum computing", "quantum", True),
    TechFieldRef("quantum-communication", "量子通信", "Quantum communication", "quantum", True),
    TechFieldRef("quantum-sensing", "量子精密测量", "Quantum sensing and metrology", "quantum", True),
    TechFieldRef("biomedicine", "生物医药", "Biomedicine", None, True, "生物医药"),
    TechFieldRef("bio-innovative-drugs", "创新药", "Innovative drugs", "biomedicine", True),
    TechFieldRef("bio-medical-devices", "高端医疗器械", "High-end medical devices", "biomedicine", True),
    TechFieldRef("bio-synthetic-biology", "合成生物", "Synthetic biology", "biomedicine", True),
    TechFieldRef("new-materials", "新材料", "New materials", None, True, "新材料科技"),
    TechFieldRef("materials-carbon", "先进碳材料", "Advanced carbon materials", "new-materials", True),
    TechFieldRef("materials-alloys", "高性能合金", "High-performance alloys", "new-materials", True),
    TechFieldRef(
        "materials-rare-earth", "稀土功能材料", "Rare-earth functional materials", "new-materials", True
    ),
    TechFieldRef("new-energy", "新能源", "New energy", None, True, "新能源科技"),
    TechFieldRef("energy-solid-state-batteries", "固态电池", "Solid-state batteries", "new-energy", True),
    TechFieldRef("energy-hydrogen", "氢能", "Hydrogen energy", "new-energy", True),
    TechFieldRef("energy-photovoltaics", "新型光伏", "Advanced photovoltaics", "new-energy", True),
    TechFieldRef("aerospace", "航空航天", "Aerospace", None, True, "航天科技"),
    TechFieldRef("aero-commercial-space", "商业航天", "Commercial space", "aerospace", True),
    TechFieldRef("aero-low-altitude", "低空飞行器", "Low-altitude aircraft", "aerospace", True),
    TechFieldRef("aero-engines", "航空发动机", "Aero engines", "aerospace", True),
    TechFieldRef("advanced-manufacturing", "先进制造", "Advanced manufacturing", None, True, "智能装备"),
    TechFieldRef("mfg-industrial-robots", "工业机器人", "Industrial robots", "advanced-manufacturing", True),
    TechFieldRef(
        "mfg-industrial-software", "工业软件", "Industrial software", "advanced-manufacturing", True
    ),
    TechFieldRef(
        "mfg-cnc-machine-tools", "高端数控机床", "High-end CNC machine tools", "advanced-manufacturing", True
    ),
    TechFieldRef("digital-economy", "数字经济", "Digital economy", None, False, "信息技术"),
    TechFieldRef("digital-saas", "企业软件服务", "Enterprise software services", "digital-economy", False),
    TechFieldRef("digital-fintech", "金融科技", "Financial technology", "digital-economy", False),
)
ROOT_FIELDS: tuple[str, ...] = tuple(field.code for field in TECH_FIELDS if field.parent is None)
CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    root: tuple(field.code for field in TECH_FIELDS if field.parent == root) for root in ROOT_FIELDS
}
FIELD_NAME_WORD: dict[str, str] = {
    field.code: field.name_word for field in TECH_FIELDS if field.parent is None
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


@dataclass(frozen=True)
class RelendingPolicyRef:
    effective_from: date
    quota: Decimal
    refinance_share: Decimal
    rate: Decimal
    note: str


_RATE_NOTE = "利率仅供参考 (rate indicative; check the PBoC's current rate)"
RELENDING_POLICIES: tuple[RelendingPolicyRef, ...] = (
    RelendingPolicyRef(
        date(2024, 4, 7),
        Decimal("500000000000"),
        Decimal("0.6000"),
        Decimal("0.0175"),
        f"科技创新和技术改造再贷款设立，额度 5000 亿元。{_RATE_NOTE}",
    ),
    RelendingPolicyRef(
        date(2025, 5, 7),
        Decimal("800000000000"),
        Decimal("0.6000"),
        Decimal("0.0175"),
        f"额度增至 8000 亿元。{_RATE_NOTE}",
    ),
    RelendingPolicyRef(
        date(2026, 1, 15),
        Decimal("1200000000000"),
        Decimal("0.6000"),
        Decimal("0.0175"),
        f"额度增至 1.2 万亿元 (day of month indicative)。{_RATE_NOTE}",
    ),
)
