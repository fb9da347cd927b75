"""Realistic, deterministic Chinese and English customer data (demo data and benchmarks)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏建华飞婷宇浩凯健俊帆帅旭宁欣然子涵雨轩梓萱一诺浩宇思远嘉怡晨曦"
PINYIN = {
    "王": "Wang",
    "李": "Li",
    "张": "Zhang",
    "刘": "Liu",
    "陈": "Chen",
    "杨": "Yang",
    "黄": "Huang",
    "赵": "Zhao",
    "吴": "Wu",
    "周": "Zhou",
    "徐": "Xu",
    "孙": "Sun",
    "马": "Ma",
    "朱": "Zhu",
    "胡": "Hu",
    "郭": "Guo",
    "何": "He",
    "高": "Gao",
    "林": "Lin",
    "罗": "Luo",
    "郑": "Zheng",
    "梁": "Liang",
}
EN_FIRST = [
    "James",
    "Emma",
    "Oliver",
    "Sophia",
    "Liam",
    "Mia",
    "Noah",
    "Ava",
    "Lucas",
    "Chloe",
    "Ethan",
    "Grace",
    "David",
    "Anna",
    "Michael",
    "Laura",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Clark",
    "Lewis",
    "Walker",
]
CITIES = [
    ("上海市", "上海市", ["浦东新区", "徐汇区", "静安区", "闵行区"], "200000", "021"),
    ("北京市", "北京市", ["朝阳区", "海淀区", "东城区", "丰台区"], "100000", "010"),
    ("广东省", "深圳市", ["南山区", "福田区", "宝安区", "龙岗区"], "518000", "0755"),
    ("广东省", "广州市", ["天河区", "越秀区", "番禺区", "海珠区"], "510000", "020"),
    ("浙江省", "杭州市", ["西湖区", "滨江区", "余杭区", "上城区"], "310000", "0571"),
    ("江苏省", "苏州市", ["工业园区", "姑苏区", "吴中区", "相城区"], "215000", "0512"),
    ("江苏省", "南京市", ["鼓楼区", "玄武区", "建邺区", "江宁区"], "210000", "025"),
    ("四川省", "成都市", ["武侯区", "锦江区", "高新区", "青羊区"], "610000", "028"),
    ("湖北省", "武汉市", ["洪山区", "江汉区", "武昌区", "汉阳区"], "430000", "027"),
    ("陕西省", "西安市", ["雁塔区", "碑林区", "未央区", "高新区"], "710000", "029"),
    ("山东省", "青岛市", ["市南区", "崂山区", "黄岛区", "李沧区"], "266000", "0532"),
    ("福建省", "厦门市", ["思明区", "湖里区", "集美区", "海沧区"], "361000", "0592"),
]
ROADS = [
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "科技园路",
    "长江路",
    "世纪大道",
    "南京路",
    "文三路",
    "高新大道",
]
BRANDS = [
    "星辰",
    "华信",
    "瑞丰",
    "恒通",
    "博远",
    "海纳",
    "金桥",
    "天成",
    "云帆",
    "鼎盛",
    "汇智",
    "锦程",
    "东方",
    "宏达",
    "新元",
    "启明",
    "中科",
    "万象",
    "联创",
    "正泰",
]
BRAND_EN = [
    "Xingchen",
    "Huaxin",
    "Ruifeng",
    "Hengtong",
    "Boyuan",
    "Haina",
    "Jinqiao",
    "Tiancheng",
    "Yunfan",
    "Dingsheng",
    "Huizhi",
    "Jincheng",
    "Dongfang",
    "Hongda",
    "Xinyuan",
    "Qiming",
    "Zhongke",
    "Wanxiang",
    "Lianchuang",
    "Zhengtai",
]
TRADES = [
    ("科技", "Technology", "it"),
    ("软件", "Software", "it"),
    ("智能制造", "Smart Manufacturing", "manufacturing"),
    ("机械", "Machinery", "manufacturing"),
    ("贸易", "Trading", "retail"),
    ("电子商务", "E-commerce", "retail"),
    ("投资", "Investment", "finance"),
    ("医疗器械", "Medical Devices", "healthcare"),
    ("教育科技", "EdTech", "education"),
    ("置业", "Properties", "real_estate"),
    ("物流", "Logistics", "logistics"),
    ("新能源", "New Energy", "energy"),
]
EN_COMPANIES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Adventure Works",
    "Blue Yonder",
]
TITLES = [
    ("总经理", "General Manager"),
    ("采购经理", "Purchasing Manager"),
    ("技术总监", "CTO"),
    ("财务经理", "Finance Manager"),
    ("销售总监", "Sales Director"),
    ("IT主管", "IT Lead"),
    ("运营经理", "Operations Manager"),
]
MOBILE_PREFIXES = [
    "138",
    "139",
    "136",
    "137",
    "135",
    "150",
    "151",
    "158",
    "159",
    "186",
    "188",
    "189",
    "177",
    "199",
]
TAGS = ["VIP", "老客户", "华东", "华南", "展会线索", "高潜力", "待回访", "续约"]


def _landline(rng: random.Random, area: str) -> str:
    """A landline number that phonenumbers accepts as valid for the area (7 or 8 digits)."""
    for attempt in range(100):
        digits = 7 if attempt % 2 else 8
        local = f"{rng.randrange(2, 9)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
        number = f"+86{area[1:]}{local}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number
    raise ValueError(f"no valid landline found for area {area}")


@dataclass(frozen=True)
class Company:
    name: str
    industry: str
    province: str
    city: str
    district: str
    street: str
    postcode: str
    phone: str
    website: str
    email: str


def company(rng: random.Random, serial: int) -> Company:
    province, city, districts, postcode, area = rng.choice(CITIES)
    district = rng.choice(districts)
    brand_index = rng.randrange(len(BRANDS))
    trade_zh, trade_en, industry = rng.choice(TRADES)
    slug = f"{BRAND_EN[brand_index].lower()}{serial}"
    if rng.random() < 0.8:
        name = f"{city.removesuffix('市')}{BRANDS[brand_index]}{trade_zh}有限公司"
    else:
        name = f"{rng.choice(EN_COMPANIES)} {trade_en} ({city.removesuffix('市')}) Co., Ltd."
    phone = _landline(rng, area)
    return Company(
        name=name,
        industry=industry,
        province=province,
        city=city,
        district=district,
        street=f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
        postcode=postcode,
        phone=phone,
        website=f"https://www.{slug}.cn",
        email=f"info@{slug}.cn",
    )


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    mobile: str
    gender: str
    title: str


def person(rng: random.Random, serial: int, domain: str) -> Person:
    if rng.random() < 0.85:
        surname = rng.choice(SURNAMES)
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        name = surname + given
        handle = f"{PINYIN.get(surname, 'user').lower()}{serial}"
        title = rng.choice(TITLES)[0]
    else:
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        name = f"{first} {last}"
        handle = f"{first.lower()}.{last.lower()}{serial}"
        title = rng.choice(TITLES)[1]
    mobile = "+86" + rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(8))
    return Person(
        name=name,
        email=f"{handle}@{domain}",
        mobile=mobile,
        gender=rng.choice(("male", "female")),
        title=title,
    )
