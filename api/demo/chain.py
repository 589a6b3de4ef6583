"""The demo chain's shape: its regions, cities, stores with their opening hours, and staff.

Pure data and the deterministic rules that derive it (a staff member's name follows from the
username alone); `api/demo/seed.py` writes it to the database.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from db.models import Role, StoreType

REGIONS: dict[str, str] = {"EAST": "华东", "NORTH": "华北", "SOUTH": "华南", "WEST": "西部"}


@dataclass(frozen=True)
class City:
    name: str  # the `city` column
    address_prefix: str
    region: str
    time_zone: str


_SHANGHAI = "Asia/Shanghai"
_URUMQI = "Asia/Urumqi"
CITIES: dict[str, City] = {
    "SH": City("上海", "上海市", "EAST", _SHANGHAI),
    "HZ": City("杭州", "浙江省杭州市", "EAST", _SHANGHAI),
    "NJ": City("南京", "江苏省南京市", "EAST", _SHANGHAI),
    "SU": City("苏州", "江苏省苏州市", "EAST", _SHANGHAI),
    "BJ": City("北京", "北京市", "NORTH", _SHANGHAI),
    "TJ": City("天津", "天津市", "NORTH", _SHANGHAI),
    "SJ": City("石家庄", "河北省石家庄市", "NORTH", _SHANGHAI),
    "TY": City("太原", "山西省太原市", "NORTH", _SHANGHAI),
    "GZ": City("广州", "广东省广州市", "SOUTH", _SHANGHAI),
    "SZ": City("深圳", "广东省深圳市", "SOUTH", _SHANGHAI),
    "XM": City("厦门", "福建省厦门市", "SOUTH", _SHANGHAI),
    "NN": City("南宁", "广西壮族自治区南宁市", "SOUTH", _SHANGHAI),
    "CD": City("成都", "四川省成都市", "WEST", _SHANGHAI),
    "CQ": City("重庆", "重庆市", "WEST", _SHANGHAI),
    "XA": City("西安", "陕西省西安市", "WEST", _SHANGHAI),
    "UQ": City("乌鲁木齐", "新疆维吾尔自治区乌鲁木齐市", "WEST", _URUMQI),
    "KS": City("喀什", "新疆维吾尔自治区喀什地区", "WEST", _URUMQI),
}

_TYPES = {"BD": StoreType.BUSINESS_DISTRICT, "CO": StoreType.COMMUNITY, "SC": StoreType.SCHOOL}

# code, type, opening-hours profile, latitude, longitude, branch name, street address.
# Stores within a city cluster a few km apart (e.g. SH-001/SH-002/SH-003, BJ-004/BJ-005/BJ-006,
# GZ-001/GZ-003, SZ-003/SZ-004, CD-001/CD-002/CD-004, UQ-001/UQ-003) for nearby-store features.
_STORES_TEXT = """
SH-001 BD CBD          31.229000 121.452600 南京西路店 静安区南京西路1266号
SH-002 BD H24          31.223600 121.445800 静安寺店 静安区愚园路68号
SH-003 BD CBD          31.232700 121.475400 人民广场店 黄浦区西藏中路268号
SH-004 BD CBD          31.238000 121.502000 陆家嘴店 浦东新区陆家嘴环路1000号
SH-005 CO COMM         31.195800 121.401200 古北社区店 长宁区黄金城道600号
SH-006 SC SCHOOL       31.297500 121.503200 复旦大学店 杨浦区邯郸路220号
SH-007 CO COMM_LATE    31.301500 121.515000 五角场社区店 杨浦区国和路36号
HZ-001 BD CBD          30.272500 120.163800 武林广场店 拱墅区武林广场1号
HZ-002 BD CBD          30.257600 120.164800 湖滨银泰店 上城区延安路258号
HZ-003 CO COMM         30.279000 120.130000 文三路社区店 西湖区文三路398号
HZ-004 SC SCHOOL_SPLIT 30.303500 120.086000 浙大紫金港店 西湖区余杭塘路866号
NJ-001 BD H24          32.041900 118.784400 新街口店 秦淮区中山南路1号
NJ-002 SC SCHOOL       32.055600 118.779700 南京大学店 鼓楼区汉口路22号
NJ-003 CO COMM         32.036600 118.734600 河西社区店 建邺区江东中路98号
SU-001 BD CBD          31.310600 120.626000 观前街店 姑苏区观前街188号
SU-002 CO COMM         31.317000 120.676000 金鸡湖社区店 苏州工业园区星海街200号
BJ-001 BD CBD          39.914700 116.410800 王府井店 东城区王府井大街138号
BJ-002 BD CBD          39.908900 116.459800 国贸店 朝阳区建国门外大街1号
BJ-003 BD H24          39.933600 116.454700 三里屯店 朝阳区三里屯路19号
BJ-004 BD CBD          39.983500 116.316000 中关村店 海淀区中关村大街27号
BJ-005 SC SCHOOL       39.992000 116.305500 北京大学店 海淀区颐和园路5号
BJ-006 SC SCHOOL_WKDAY 40.000300 116.326400 清华大学店 海淀区双清路30号
BJ-007 CO COMM_LATE    39.996500 116.470500 望京社区店 朝阳区望京街9号
BJ-008 CO COMM         40.071000 116.330000 回龙观社区店 昌平区回龙观西大街18号
TJ-001 BD CBD          39.121500 117.198000 滨江道店 和平区滨江道208号
TJ-002 SC SCHOOL       39.103500 117.168500 南开大学店 南开区卫津路94号
TJ-003 CO COMM         39.071500 117.213000 梅江社区店 河西区友谊南路70号
SJ-001 BD CBD          38.043600 114.522800 北国商城店 长安区中山东路188号
TY-001 BD CBD          37.866000 112.567000 柳巷店 迎泽区柳巷北路56号
TY-002 SC SCHOOL_WKDAY 37.800500 112.583000 山西大学店 小店区坞城路92号
GZ-001 BD CBD          23.132300 113.325200 天河城店 天河区天河路208号
GZ-002 BD CBD          23.125500 113.269500 北京路店 越秀区北京路238号
GZ-003 CO COMM_LATE    23.119000 113.322600 珠江新城社区店 天河区花城大道85号
GZ-004 SC SCHOOL       23.097000 113.298300 中山大学店 海珠区新港西路135号
GZ-005 SC SCHOOL_SPLIT 23.056500 113.390000 大学城店 番禺区大学城外环西路100号
SZ-001 BD H24          22.545600 114.085000 华强北店 福田区华强北路1019号
SZ-002 BD CBD          22.536500 114.055200 福田中心店 福田区福华三路88号
SZ-003 CO COMM         22.516600 113.940500 后海社区店 南山区后海大道2388号
SZ-004 SC SCHOOL       22.533400 113.935600 深圳大学店 南山区南海大道3688号
XM-001 BD CBD          24.456000 118.081000 中山路店 思明区中山路100号
XM-002 SC SCHOOL_WKDAY 24.437500 118.097000 厦门大学店 思明区思明南路422号
XM-003 CO COMM         24.506000 118.128000 湖里社区店 湖里区湖里大道32号
NN-001 BD CBD          22.817000 108.320000 朝阳广场店 兴宁区朝阳路68号
CD-001 BD H24          30.655800 104.080600 春熙路店 锦江区春熙路西段88号
CD-002 BD CBD          30.657400 104.066000 天府广场店 青羊区人民南路一段86号
CD-003 CO COMM_LATE    30.634000 104.055500 玉林社区店 武侯区玉林北路2号
CD-004 SC SCHOOL       30.632500 104.083800 四川大学望江店 武侯区一环路南一段24号
CQ-001 BD H24          29.557000 106.577300 解放碑店 渝中区民权路28号
CQ-002 BD CBD          29.574800 106.532400 观音桥店 江北区建新北路16号
CQ-003 CO COMM         29.598000 106.525000 龙湖西苑社区店 渝北区新南路162号
CQ-004 SC SCHOOL       29.565500 106.465000 重庆大学店 沙坪坝区沙正街174号
XA-001 BD CBD          34.261000 108.943000 钟楼店 碑林区东大街1号
XA-002 SC SCHOOL_SPLIT 34.246500 108.984500 西安交大店 碑林区咸宁西路28号
UQ-001 BD XJ_CBD       43.775400 87.619300 大巴扎店 天山区解放南路8号
UQ-002 CO XJ_COMM      43.825000 87.600000 友好路社区店 沙依巴克区友好北路8号
UQ-003 SC XJ_SCHOOL    43.769000 87.624000 新疆大学店 天山区胜利路666号
KS-001 BD XJ_CBD       39.472500 75.987000 古城店 喀什市解放北路100号
"""

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _week(weekdays: str, saturday: str | None = None, sunday: str | None = None) -> dict[str, Any]:
    """Opening hours from "07:00-13:00,14:00-21:00" specs; "" is closed, None repeats weekdays."""

    def spans(spec: str) -> list[list[str]]:
        return [period.split("-") for period in spec.split(",") if period]

    specs = [weekdays] * 5 + [
        weekdays if saturday is None else saturday,
        weekdays if sunday is None else sunday,
    ]
    return {day: spans(spec) for day, spec in zip(DAYS, specs, strict=True)}


# Times are store-local: Xinjiang stores open and close later on the clock (Asia/Urumqi, UTC+6).
HOURS: dict[str, dict[str, Any]] = {
    "H24": _week("00:00-24:00"),
    "CBD": _week("07:00-23:00", saturday="08:00-23:30", sunday="08:00-23:00"),
    "COMM": _week("06:30-22:30"),
    "COMM_LATE": _week("07:00-24:00"),
    "SCHOOL": _week("07:00-21:30", saturday="09:00-17:00", sunday=""),
    "SCHOOL_WKDAY": _week("07:00-20:00", saturday="", sunday=""),
    "SCHOOL_SPLIT": _week("07:00-13:00,14:00-21:00", saturday="", sunday="10:00-16:00"),
    "XJ_CBD": _week("09:30-24:00"),
    "XJ_COMM": _week("08:30-23:30"),
    "XJ_SCHOOL": _week("09:00-22:30", saturday="11:00-19:00", sunday=""),
}


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    region: str
    type: StoreType
    city: str
    address: str
    latitude: Decimal
    longitude: Decimal
    time_zone: str
    hours: str  # key of HOURS


def _stores() -> tuple[StoreSpec, ...]:
    specs = []
    for line in filter(None, map(str.strip, _STORES_TEXT.splitlines())):
        code, kind, hours, lat, lon, branch, address = line.split(maxsplit=6)
        city = CITIES[code.split("-")[0]]
        specs.append(
            StoreSpec(
                code=code,
                name=f"链店 {city.name}{branch}",
                region=city.region,
                type=_TYPES[kind],
                city=city.name,
                address=city.address_prefix + address,
                latitude=Decimal(lat).quantize(Decimal("0.000001")),
                longitude=Decimal(lon).quantize(Decimal("0.000001")),
                time_zone=city.time_zone,
                hours=hours,
            )
        )
    return tuple(specs)


STORES: tuple[StoreSpec, ...] = _stores()


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    role: Role
    store_code: str | None = None
    region_code: str | None = None
    has_password: bool = True


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建文辉斌宇浩凯鹏晨欣怡婷雪"
_UYGHUR_GIVEN = "阿依古丽 迪丽拜尔 古丽娜尔 热依拉 帕提古丽 艾力 买买提 阿布都拉"
_UYGHUR_FAMILY = "艾买提 吐尔逊 阿不都 热合曼 依明 努尔 司马义 玉素甫"


def _display_name(username: str, *, uyghur: bool = False) -> str:
    """A Chinese name derived from the username alone, so it never depends on seeding order."""
    rng = random.Random(zlib.crc32(username.encode()))  # noqa: S311 - deterministic demo data
    if uyghur:
        return f"{rng.choice(_UYGHUR_GIVEN.split())}\u00b7{rng.choice(_UYGHUR_FAMILY.split())}"
    given_length = rng.choice((1, 2, 2))
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(given_length))


def _staff() -> tuple[StaffSpec, ...]:
    def person(
        username: str, role: Role, *, store_code: str | None = None, region_code: str | None = None
    ) -> StaffSpec:
        # Staff of the Xinjiang stores get Uyghur names.
        uyghur = store_code is not None and CITIES[store_code[:2]].time_zone == _URUMQI
        name = _display_name(username, uyghur=uyghur)
        return StaffSpec(username, name, role, store_code=store_code, region_code=region_code)

    specs = [
        person("admin", Role.ADMIN),
        person("hq.ops", Role.HQ_OPERATIONS),
        person("hq.compliance", Role.HQ_COMPLIANCE),
        StaffSpec("integrator.pos", "收银系统对接", Role.INTEGRATOR, has_password=False),
    ]
    for code in REGIONS:
        key = code.lower()
        specs.append(person(f"rm.{key}", Role.REGION_MANAGER, region_code=code))
        specs.append(person(f"handler.{key}", Role.COMPLAINT_HANDLER, region_code=code))
        specs.append(person(f"handler.{key}.2", Role.COMPLAINT_HANDLER, region_code=code))
    for store in STORES:
        key = store.code.lower()
        specs.append(person(f"sm.{key}", Role.STORE_MANAGER, store_code=store.code))
        specs.extend(person(f"clerk.{key}.{n}", Role.CLERK, store_code=store.code) for n in (1, 2))
    return tuple(specs)


STAFF: tuple[StaffSpec, ...] = _staff()
