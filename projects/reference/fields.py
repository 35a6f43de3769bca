"""The key S&T fields, a two-level tree, with the `hard_tech` flag the matcher reads (DESIGN.md §2)."""

from typing import NamedTuple


class FieldRow(NamedTuple):
    code: str
    name: str
    name_en: str
    parent: str | None
    hard_tech: bool


# Parents come before their children.
TECH_FIELDS: tuple[FieldRow, ...] = (
    FieldRow("ai", "人工智能", "Artificial intelligence", None, True),
    FieldRow("ai-foundation-models", "通用大模型", "Foundation models", "ai", True),
    FieldRow("ai-computer-vision", "计算机视觉", "Computer vision", "ai", True),
    FieldRow("ai-embodied", "具身智能", "Embodied intelligence", "ai", True),
    FieldRow("ai-applications", "行业智能应用", "Industry AI applications", "ai", False),
    FieldRow("integrated-circuits", "集成电路", "Integrated circuits", None, True),
    FieldRow("ic-design", "芯片设计", "Chip design", "integrated-circuits", True),
    FieldRow(
        "ic-manufacturing", "晶圆制造与封测", "Wafer fabrication and packaging", "integrated-circuits", True
    ),
    FieldRow(
        "ic-equipment",
        "半导体设备与材料",
        "Semiconductor equipment and materials",
        "integrated-circuits",
        True,
    ),
    FieldRow("quantum", "量子科技", "Quantum technology", None, True),
    FieldRow("quantum-computing", "量子计算", "Quantum computing", "quantum", True),
    FieldRow("quantum-communication", "量子通信", "Quantum communication", "quantum", True),
    FieldRow("quantum-sensing", "量子精密测量", "Quantum sensing and metrology", "quantum", True),
    FieldRow("biomedicine", "生物医药", "Biomedicine", None, True),
    FieldRow("bio-innovative-drugs", "创新药", "Innovative drugs", "biomedicine", True),
    FieldRow("bio-medical-devices", "高端医疗器械", "High-end medical devices", "biomedicine", True),
    FieldRow("bio-synthetic-biology", "合成生物", "Synthetic biology", "biomedicine", True),
    FieldRow("new-materials", "新材料", "New materials", None, True),
    FieldRow("materials-carbon", "先进碳材料", "Advanced carbon materials", "new-materials", True),
    FieldRow("materials-alloys", "高性能合金", "High-performance alloys", "new-materials", True),
    FieldRow(
        "materials-rare-earth", "稀土功能材料", "Rare-earth functional materials", "new-materials", True
    ),
    FieldRow("new-energy", "新能源", "New energy", None, True),
    FieldRow("energy-solid-state-batteries", "固态电池", "Solid-state batteries", "new-energy", True),
    FieldRow("energy-hydrogen", "氢能", "Hydrogen energy", "new-energy", True),
    FieldRow("energy-photovoltaics", "新型光伏", "Advanced photovoltaics", "new-energy", True),
    FieldRow("aerospace", "航空航天", "Aerospace", None, True),
    FieldRow("aero-commercial-space", "商业航天", "Commercial space", "aerospace", True),
    FieldRow("aero-low-altitude", "低空飞行器", "Low-altitude aircraft", "aerospace", True),
    FieldRow("aero-engines", "航空发动机", "Aero engines", "aerospace", True),
    FieldRow("advanced-manufacturing", "先进制造", "Advanced manufacturing", None, True),
    FieldRow("mfg-industrial-robots", "工业机器人", "Industrial robots", "advanced-manufacturing", True),
    FieldRow("mfg-industrial-software", "工业软件", "Industrial software", "advanced-manufacturing", True),
    FieldRow(
        "mfg-cnc-machine-tools", "高端数控机床", "High-end CNC machine tools", "advanced-manufacturing", True
    ),
    FieldRow("digital-economy", "数字经济", "Digital economy", None, False),
    FieldRow("digital-saas", "企业软件服务", "Enterprise software services", "digital-economy", False),
    FieldRow("digital-fintech", "金融科技", "Financial technology", "digital-economy", False),
)
