"""GB/T 2260 administrative divisions with the flags the matcher and the scopes read (DESIGN.md §2).

Districts of the municipalities are linked straight to the municipality (the standard's intermediate
"市辖区" level is left out). `pilot_zone` follows the S&T-finance pilot lists (2011 first batch, 2016
second batch) and is carried down to the divisions inside a pilot area, so a check on an enterprise's
own region sees it. `innovation_center` is a value of `projects.choices.InnovationCenter`; in
Guangdong it sits on the Greater Bay Area cities, not on the whole province.
"""

from typing import NamedTuple


class RegionRow(NamedTuple):
    code: str
    name: str
    name_en: str
    parent: str | None
    pilot_zone: bool
    innovation_center: str


# Parents come before their children.
REGIONS: tuple[RegionRow, ...] = (
    # Beijing international S&T innovation centre; Zhongguancun was in the first pilot batch.
    RegionRow("110000", "北京市", "Beijing", None, True, "beijing"),
    RegionRow("110105", "朝阳区", "Chaoyang District", "110000", True, "beijing"),
    RegionRow("110108", "海淀区", "Haidian District", "110000", True, "beijing"),
    RegionRow("110114", "昌平区", "Changping District", "110000", True, "beijing"),
    RegionRow("110115", "大兴区", "Daxing District", "110000", True, "beijing"),
    # Shanghai international S&T innovation centre; first pilot batch.
    RegionRow("310000", "上海市", "Shanghai", None, True, "shanghai"),
    RegionRow("310104", "徐汇区", "Xuhui District", "310000", True, "shanghai"),
    RegionRow("310110", "杨浦区", "Yangpu District", "310000", True, "shanghai"),
    RegionRow("310112", "闵行区", "Minhang District", "310000", True, "shanghai"),
    RegionRow("310114", "嘉定区", "Jiading District", "310000", True, "shanghai"),
    RegionRow("310115", "浦东新区", "Pudong New Area", "310000", True, "shanghai"),
    RegionRow("310117", "松江区", "Songjiang District", "310000", True, "shanghai"),
    RegionRow("440000", "广东省", "Guangdong", None, False, ""),
    RegionRow("440100", "广州市", "Guangzhou", "440000", True, "gba"),
    RegionRow("440300", "深圳市", "Shenzhen", "440000", True, "gba"),
    RegionRow("440305", "南山区", "Nanshan District", "440300", True, "gba"),
    RegionRow("440400", "珠海市", "Zhuhai", "440000", False, "gba"),
    RegionRow("440600", "佛山市", "Foshan", "440000", True, "gba"),
    RegionRow("441900", "东莞市", "Dongguan", "440000", True, "gba"),
    # Other S&T finance pilot regions.
    RegionRow("120000", "天津市", "Tianjin", None, True, ""),
    RegionRow("120116", "滨海新区", "Binhai New Area", "120000", True, ""),
    RegionRow("320000", "江苏省", "Jiangsu", None, True, ""),
    RegionRow("320100", "南京市", "Nanjing", "320000", True, ""),
    RegionRow("320200", "无锡市", "Wuxi", "320000", True, ""),
    RegionRow("320500", "苏州市", "Suzhou", "320000", True, ""),
    RegionRow("330000", "浙江省", "Zhejiang", None, False, ""),
    RegionRow("330100", "杭州市", "Hangzhou", "330000", True, ""),
    RegionRow("330200", "宁波市", "Ningbo", "330000", True, ""),
    RegionRow("340000", "安徽省", "Anhui", None, False, ""),
    RegionRow("340100", "合肥市", "Hefei", "340000", True, ""),
    RegionRow("420000", "湖北省", "Hubei", None, False, ""),
    RegionRow("420100", "武汉市", "Wuhan", "420000", True, ""),
    RegionRow("430000", "湖南省", "Hunan", None, False, ""),
    RegionRow("430100", "长沙市", "Changsha", "430000", True, ""),
    RegionRow("500000", "重庆市", "Chongqing", None, True, ""),
    RegionRow("500112", "渝北区", "Yubei District", "500000", True, ""),
    RegionRow("510000", "四川省", "Sichuan", None, False, ""),
    RegionRow("510100", "成都市", "Chengdu", "510000", True, ""),
    RegionRow("510700", "绵阳市", "Mianyang", "510000", True, ""),
    RegionRow("610000", "陕西省", "Shaanxi", None, False, ""),
    RegionRow("610100", "西安市", "Xi'an", "610000", True, ""),
)
