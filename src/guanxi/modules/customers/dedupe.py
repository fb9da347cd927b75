"""Duplicate matching of customers: normalised company names, phones and e-mails.

Pure functions, no database. A company name is reduced to its *key*, the part that names
the business itself (字号): ``北京字节跳动科技有限公司``, ``字节跳动（北京）`` and
``Beijing ByteDance Technology Co., Ltd.`` keep ``字节跳动`` / ``bytedance``. The
convention for Chinese registered names is region + 字号 + industry + organisational form
(``北京`` + ``百度网讯`` + ``科技`` + ``有限公司``); English names end in a legal form and
often carry a region in brackets. So, after NFKC folding (full-width to half-width) and
case folding:

- a bracketed part that only says where or what kind of company it is (``（北京）``,
  ``(China)``, ``(集团)``) is dropped; other brackets just lose their brackets;
- legal forms and industry filler words are stripped from the end, repeatedly;
- region words are stripped from the start (Chinese provinces, cities and districts) or
  the end — never from the middle, and ``中国`` / ``China`` only from the end or a
  bracket (``中国银行`` and ``China Mobile`` are names, ``阿里巴巴(中国)`` is a region);
- a key is never empty: when everything would go, the name keeps its industry and region
  words and loses only its legal form (``北京科技有限公司`` keys as ``北京科技``), and a name
  that is nothing but a region keeps it; a bare industry noun such as ``银行`` keeps its
  region (``北京银行`` and ``上海银行`` are different banks).

The regions stripped are remembered: two names with the same key but disjoint regions
(``青岛啤酒`` / ``重庆啤酒``, a group's Beijing and Shanghai companies) are different legal
entities, and score below the threshold.

``company_similarity`` scores a pair from 0 to 1 with stable reason codes;
``DUPLICATE_THRESHOLD`` is where a pair counts as a duplicate. It is measured on the
labelled pairs in ``tests/modules/customers/data/company_name_pairs.csv`` (``python -m
bench.dedupe``; precision and recall in ``docs/benchmarks.md``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers

# A pair at or above this score counts as a duplicate.
DUPLICATE_THRESHOLD = 0.85
# Candidates worth showing a user (one key inside the other, a near miss); below it, noise.
CANDIDATE_THRESHOLD = 0.6

# Stable reason codes (the API returns them; clients may translate them).
SAME_COMPANY_KEY = "same_company_key"
COMPANY_KEY_CONTAINS = "company_key_contains"
SIMILAR_COMPANY_NAME = "similar_company_name"
DIFFERENT_REGION = "different_region"
SAME_PHONE = "same_phone"
SAME_EMAIL = "same_email"
SAME_EMAIL_DOMAIN = "same_email_domain"
SAME_PERSON_NAME = "same_person_name"

CONTAINS_SCORE = 0.75  # 华为 in 华为终端: often the same group, as often a sister company
SIMILAR_MIN = 0.8  # edit-distance similarity from which names are called similar
REGION_PENALTY = 0.8  # same key, different places: sister companies, not the same one

# --- word lists --------------------------------------------------------------------------

# Organisational forms, matched at the end of the name (longest first).
_CJK_LEGAL = (
    "股份有限公司",
    "有限责任公司",
    "有限合伙企业",
    "普通合伙企业",
    "有限公司",
    "股份公司",
    "集团公司",
    "有限合伙",
    "普通合伙",
    "总公司",
    "分公司",
    "合伙企业",
    "个人独资企业",
    "公司",
    "集团",
    "股份",
    "有限",
    "企业",
    "总部",
    "厂",
)
_LATIN_LEGAL = frozenset(
    {
        "co",
        "company",
        "companies",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "lp",
        "gmbh",
        "ag",
        "kg",
        "corp",
        "corporation",
        "plc",
        "sa",
        "se",
        "nv",
        "bv",
        "ab",
        "oy",
        "spa",
        "srl",
        "sarl",
        "pte",
        "pty",
        "kk",
        "group",
        "holdings",
        "holding",
        "aktiengesellschaft",
        "com",  # Amazon.com, Inc.
    }
)
# Industry words that follow the 字号 in registered names, matched at the end.
_CJK_FILLER = (
    "电子商务",
    "互联网",
    "计算机",
    "云计算",
    "科技",
    "技术",
    "网络",
    "信息",
    "软件",
    "贸易",
    "实业",
    "电子",
    "系统",
    "数据",
    "数字",
    "智能",
    "商务",
    "咨询",
    "管理",
    "服务",
    "发展",
    "投资",
    "国际",
    "工程",
    "文化",
    "传媒",
    "产业",
    "开发",
    "通信",
    "通讯",
    "在线",
    "智慧",
    "科创",
)
_LATIN_FILLER = frozenset(
    {
        "technology",
        "technologies",
        "tech",
        "software",
        "network",
        "networks",
        "information",
        "info",
        "systems",
        "system",
        "solutions",
        "solution",
        "services",
        "service",
        "international",
        "intl",
        "global",
        "trading",
        "electronics",
        "electronic",
        "digital",
        "computer",
        "computers",
        "consulting",
        "enterprises",
        "enterprise",
        "industries",
        "industrial",
        "communications",
        "communication",
        "internet",
        "online",
        "development",
        "investment",
        "management",
        "and",
    }
)
# Bare industry nouns: a region before them is part of the name (北京银行, 上海银行).
_GENERIC = frozenset(
    {
        "银行",
        "农商银行",
        "农村商业银行",
        "商业银行",
        "证券",
        "保险",
        "人寿",
        "信托",
        "期货",
        "基金",
        "电信",
        "移动",
        "联通",
        "电力",
        "燃气",
        "水务",
        "地铁",
        "公交",
        "机场",
        "港务",
        "医院",
        "大学",
        "日报",
        "电视台",
        "广播电视台",
        "烟草",
        "百货",
        "城投",
        "建工",
        "交通",
        "啤酒",
        "医药",
        "汽车",
        "钢铁",
        "航空",
        "银行股份",
    }
)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_PROVINCES = _names(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
)
_CITIES = _names(
    "深圳 广州 杭州 南京 苏州 成都 武汉 西安 长沙 郑州 青岛 厦门 宁波 无锡 合肥 福州 济南 大连 "
    "沈阳 哈尔滨 长春 昆明 南宁 南昌 贵阳 太原 石家庄 兰州 乌鲁木齐 呼和浩特 银川 西宁 拉萨 "
    "海口 三亚 珠海 佛山 东莞 中山 惠州 温州 嘉兴 绍兴 金华 台州 常州 南通 徐州 扬州 烟台 潍坊 "
    "唐山 保定 洛阳 芜湖 泉州 漳州 汕头 江门 湛江 柳州 桂林 绵阳 宜昌 襄阳 株洲 湘潭 赣州 九江 "
    "淄博 临沂 济宁 威海 镇江 泰州 盐城 连云港 湖州 舟山 丽水 衢州 昆山 义乌 江阴 常熟 张家港 "
    "顺德 南海 番禺 萧山 余杭 滨海 雄安 宜宾 泸州 德州 岳阳 常德 宿迁 淮安 蚌埠 鞍山 吉林"
)
# Districts only with their suffix: bare, many are ordinary words (朝阳, 和平, 东城).
_DISTRICTS = _names(
    "海淀区 朝阳区 东城区 西城区 丰台区 石景山区 通州区 昌平区 大兴区 顺义区 亦庄 中关村 "
    "浦东新区 浦东 黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 松江区 "
    "青浦区 奉贤区 南山区 福田区 罗湖区 宝安区 龙岗区 龙华区 前海 天河区 越秀区 海珠区 白云区 "
    "黄埔区 西湖区 滨江区 拱墅区 上城区 余杭区 萧山区 武侯区 锦江区 高新区 江北区 渝中区 "
    "江宁区 鼓楼区 玄武区 工业园区 经济技术开发区 经济开发区 高新技术产业开发区 开发区 自贸区 "
    "自由贸易试验区"
)
# Districts and counties named without their suffix, stripped only right after their own
# city (宁波海曙, 温州市瓯海区); any ``…区`` / ``…县`` after a city goes by the pattern below.
# Left out: districts whose names start well-known brands (广州白云山, 珠海金山软件).
_BARE_DISTRICTS = {
    "北京": "海淀 朝阳 东城 西城 丰台 通州 昌平 大兴 顺义 亦庄 中关村",
    "上海": "浦东 闵行 徐汇 静安 黄浦 宝山 嘉定 松江 青浦 奉贤 张江",
    "深圳": "南山 福田 罗湖 宝安 龙岗 龙华 前海",
    "广州": "天河 越秀 海珠 番禺 黄埔 南沙",
    "杭州": "西湖 滨江 拱墅 余杭 萧山 上城",
    "成都": "武侯 锦江 青羊 成华 高新",
    "南京": "江宁 鼓楼 玄武 秦淮 建邺",
    "苏州": "姑苏 吴中 相城 吴江 工业园区",
    "重庆": "渝中 渝北 南岸 沙坪坝 九龙坡 江北",
    "长沙": "岳麓 芙蓉 天心 开福",
    "武汉": "武昌 江汉 洪山 汉阳 硚口",
    "宁波": "海曙 鄞州 江北 镇海 北仑",
    "温州": "瓯海 鹿城 龙湾",
    "济南": "历城 历下 槐荫 章丘",
    "厦门": "思明 湖里 集美",
    "西安": "雁塔 碑林 未央 莲湖 高新",
    "郑州": "二七 金水 中原 高新",
}
_DISTRICT = re.compile(r"[\u3400-\u9fff]{1,3}?(?:新区|区|县)")
_COUNTRY = ("中国", "中华人民共和国", "大中华区", "亚太")
_CJK_REGION_SUFFIX = (
    "特别行政区",
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "自治区",
    "省",
    "市",
)

_LATIN_REGIONS = frozenset(
    {
        "china",
        "prc",
        "beijing",
        "shanghai",
        "shenzhen",
        "guangzhou",
        "hangzhou",
        "nanjing",
        "suzhou",
        "chengdu",
        "wuhan",
        "xian",
        "tianjin",
        "chongqing",
        "xiamen",
        "qingdao",
        "dalian",
        "ningbo",
        "hongkong",
        "hk",
        "macau",
        "taiwan",
        "singapore",
        "asia",
        "apac",
        "pacific",
        "greater",
        "usa",
        "us",
        "uk",
        "america",
        "europe",
        "emea",
        "japan",
        "germany",
        "korea",
        "india",
    }
)
_LATIN_NATIONAL = frozenset({"china", "prc", "usa", "us", "uk", "america", "japan", "germany"})
_LATIN_COUNTRIES = _LATIN_NATIONAL | {"korea", "india", "singapore"}
_LATIN_PROVINCES = frozenset(
    {"beijing", "shanghai", "tianjin", "chongqing", "hongkong", "hk", "macau", "taiwan"}
)
_LATIN_BROAD = frozenset({"asia", "apac", "pacific", "greater", "europe", "emea"})


def _region_words() -> tuple[str, ...]:
    words = {*_DISTRICTS}
    for base in (*_PROVINCES, *_CITIES):
        words.add(base)
        for suffix in _CJK_REGION_SUFFIX:
            words.add(base + suffix)
        words.update({base + "区", base + "县", base + "新区"})
    return tuple(sorted(words, key=len, reverse=True))  # longest first: 广州市 before 广州


_CJK_REGIONS = _region_words()
_PLACES = frozenset({*_PROVINCES, *_CITIES, *_COUNTRY, *_LATIN_REGIONS})
_CJK_REGIONS_ANYWHERE = (*_CJK_REGIONS, *_COUNTRY)
_REGION_START = frozenset(_CJK_REGIONS)
_REGION_ANYWHERE = frozenset(_CJK_REGIONS_ANYWHERE)
_DESCRIPTOR = _REGION_ANYWHERE | frozenset(_CJK_LEGAL) | frozenset(_CJK_FILLER)
_LONGEST = max(len(word) for word in _DESCRIPTOR)


def _starts(text: str, words: frozenset[str]) -> Iterator[str]:
    """The ``words`` that ``text`` starts with, longest first (set look-ups, not a scan
    of the thousand-odd place names)."""
    for n in range(min(_LONGEST, len(text)), 0, -1):
        if text[:n] in words:
            yield text[:n]


def _ends(text: str, words: frozenset[str]) -> Iterator[str]:
    """The ``words`` that ``text`` ends with, longest first."""
    for n in range(min(_LONGEST, len(text)), 0, -1):
        if text[-n:] in words:
            yield text[-n:]


_BRACKETS = re.compile(r"[(\[{【〔「『《<]([^()\[\]{}【】〔〕「」『』《》<>]*)[)\]}】〕」』》>]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_\u3400-\u9fff\uf900-\ufaff]+")
# Latin words that read as one (``Co., Ltd.``, ``L.L.C.``, ``S.p.A.``) once the dots go.
_JOINED = {"l l c": "llc", "s p a": "spa", "s a": "sa", "n v": "nv", "b v": "bv"}


@dataclass(frozen=True)
class Match:
    """How alike two values are: a score from 0 to 1 and why (stable reason codes)."""

    score: float
    reasons: list[str] = field(default_factory=list)


def _levels(regions: frozenset[str]) -> dict[str, set[str]]:
    """Regions by level (country, province, city), so 中国 and 深圳, or 广东 and 深圳, never
    conflict: a province-level city (北京) is both a province and a city."""
    out: dict[str, set[str]] = {"country": set(), "province": set(), "city": set()}
    for region in regions:
        if region in _COUNTRY or region in _LATIN_COUNTRIES:
            out["country"].add(region)
        if region in _PROVINCES or region in _LATIN_PROVINCES:
            out["province"].add(region)
        if (region in _CITIES or region in _LATIN_REGIONS or region in _PROVINCES[:4]) and (
            region not in _LATIN_COUNTRIES and region not in _LATIN_BROAD
        ):
            out["city"].add(region)
    return out


def _regions_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both names say where they are registered, at the same level, and no place agrees."""
    la, lb = _levels(a), _levels(b)
    return any(la[level] and lb[level] and not la[level] & lb[level] for level in la)


@dataclass(frozen=True)
class _Parsed:
    key: str  # words joined by single spaces (CJK runs as one word)
    regions: frozenset[str]

    @property
    def compact(self) -> str:
        return self.key.replace(" ", "")


# --- company names -------------------------------------------------------------------------


def _fold(name: str) -> str:
    """NFKC (full-width letters, digits and brackets to half-width), accents dropped
    (Nestlé, Nestle) and case folding."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", plain).casefold()


def _words(text: str) -> list[str]:
    """CJK runs and Latin/digit words; punctuation and spaces separate them."""
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    words: list[str] = []
    for word in _TOKEN.findall(text):
        if words and _CJK.match(word) and _CJK.match(words[-1]):
            words[-1] += word  # 北京　字节跳动 is one run: spaces mean nothing between CJK
        else:
            words.append(word)
    joined = " ".join(words)
    for spaced, one in _JOINED.items():
        joined = re.sub(rf"(?<![^ ]){spaced}(?![^ ])", one, joined)
    return joined.split()


def _canonical_region(word: str) -> str:
    """``深圳市`` and ``深圳`` (and ``shenzhen``) are the same place."""
    for suffix in (*_CJK_REGION_SUFFIX, "新区", "区", "县"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = word[: -len(suffix)]
            if base in _PROVINCES or base in _CITIES:
                return base
    return word


def _is_descriptor(words: list[str]) -> tuple[bool, set[str]]:
    """Whether bracketed ``words`` only say where or what kind of company it is, and the
    regions they name."""
    regions: set[str] = set()
    for word in words:
        if _CJK.match(word):
            rest = word
            while rest:
                known = next(_starts(rest, _DESCRIPTOR), None)
                if known is None:
                    return False, set()
                rest = rest[len(known) :]
                if known in _REGION_ANYWHERE:
                    place = _canonical_region(known)
                    regions.add(place)
                    rest = rest[_district_length(place, rest) :]
        elif word in _LATIN_REGIONS:
            regions.add(word)
        elif word not in _LATIN_LEGAL and word not in _LATIN_FILLER and word != "the":
            return False, set()
    return True, regions


def _strip_end(words: list[str], suffixes: tuple[str, ...], latin: frozenset[str]) -> bool:
    """Remove one of ``suffixes`` (CJK, end of the last run) or ``latin`` (a last word)."""
    if not words:
        return False
    last = words[-1]
    if _CJK.match(last):
        for suffix in suffixes:
            if last.endswith(suffix):
                rest = last[: -len(suffix)]
                if rest:
                    words[-1] = rest
                else:
                    words.pop()
                return True
        return False
    if last in latin:
        words.pop()
        return True
    return False


def _strip_region_end(words: list[str], regions: set[str]) -> bool:
    if len(words) < 2 and not (words and _CJK.match(words[0])):
        return False
    last = words[-1]
    if _CJK.match(last):
        for region in _ends(last[1:], _REGION_ANYWHERE):
            rest = last[: -len(region)]
            if len(rest) >= 2:
                words[-1] = rest
                regions.add(_canonical_region(region))
                return True
        return False
    if last in _LATIN_REGIONS and words[-2] not in ("of", "in"):
        regions.add(words.pop())
        if words and words[-1] == "greater":
            words.pop()
        return True
    if len(words) >= 3 and (words[-2], last) == ("hong", "kong"):
        del words[-2:]
        regions.add("hongkong")
        return True
    return False


def _strip_region_start(words: list[str], regions: set[str]) -> bool:
    if not words:
        return False
    first = words[0]
    if _CJK.match(first):
        for region in _starts(first[:-1], _REGION_START):
            rest = first[len(region) :]
            if _keeps_a_name(rest):
                city = _canonical_region(region)
                regions.add(city)
                words[0] = _strip_district(city, rest)
                return True
        return False
    if len(words) >= 2 and first in _LATIN_REGIONS and first not in _LATIN_NATIONAL:
        regions.add(words.pop(0))
        return True
    return False


def _keeps_a_name(rest: str) -> bool:
    """Whether what follows a region is a name of its own (not ``银行`` of 北京银行)."""
    return len(rest) >= 2 and _core(rest) not in _GENERIC


def _district_length(city: str, rest: str) -> int:
    """How many characters at the start of ``rest`` name a district of ``city`` (0: none)."""
    if city not in _PROVINCES and city not in _CITIES:
        return 0  # a district itself
    match = _DISTRICT.match(rest)
    if match:
        return match.end()
    for district in _BARE_DISTRICTS.get(city, "").split():
        if rest.startswith(district):
            return len(district)
    return 0


def _strip_district(city: str, rest: str) -> str:
    """What follows a city without its district (瓯海区正泰电器 → 正泰电器)."""
    cut = _district_length(city, rest)
    return rest[cut:] if cut and _keeps_a_name(rest[cut:]) else rest


def _core(run: str) -> str:
    """A CJK run without its trailing legal and filler words (for the generic-noun guard)."""
    words = [run]
    while _strip_end(words, _CJK_LEGAL, _LATIN_LEGAL) or _strip_end(
        words, _CJK_FILLER, _LATIN_FILLER
    ):
        pass
    return words[0] if words else ""


@lru_cache(maxsize=8192)
def _parse(name: str) -> _Parsed:
    folded = _fold(name or "")
    regions: set[str] = set()

    def unbracket(match: re.Match[str]) -> str:
        inner = _words(match.group(1))
        descriptor, named = _is_descriptor(inner)
        if descriptor:
            regions.update(named)
            return " "
        return " " + " ".join(inner) + " "

    plain = _BRACKETS.sub(unbracket, folded)
    original = _words(plain)
    if not original:
        return _Parsed(" ".join(_words(folded)) or folded.strip(), frozenset())
    if original[0] == "the" and len(original) > 1:
        original = original[1:]

    # Legal forms only: the fallback when stripping everything else leaves nothing.
    legal_only = list(original)
    while len(legal_only) > 1 and _strip_end(legal_only, (), _LATIN_LEGAL):
        pass
    if legal_only and _CJK.match(legal_only[-1]):
        trial = list(legal_only)
        while _strip_end(trial, _CJK_LEGAL, frozenset()):
            pass
        if trial:
            legal_only = trial

    words = list(original)
    found: set[str] = set()
    changed = True
    while changed and words:
        changed = (
            _strip_end(words, _CJK_LEGAL, _LATIN_LEGAL)
            or _strip_end(words, _CJK_FILLER, _LATIN_FILLER)
            or _strip_region_end(words, found)
            or _strip_region_start(words, found)
        )
    key_words = words
    if (
        not key_words
        or "".join(key_words) in _GENERIC
        or _canonical_region("".join(key_words)) in _PLACES
    ):
        key_words, found = legal_only, set()
    return _Parsed(" ".join(key_words), frozenset(regions | found))


def company_key(name: str) -> str:
    """The normalised core of a company name, for exact matching and an index.

    ``company_key("北京字节跳动科技有限公司") == company_key("字节跳动（北京）") == "字节跳动"``;
    ``company_key("Tencent Technology (Shenzhen) Co., Ltd.") == "tencent"``. Words are
    separated by single spaces; never empty for a name with a letter or digit in it.
    """
    return _parse(name).key


def company_key_compact(name: str) -> str:
    """``company_key`` without spaces (``Byte Dance`` and ``ByteDance`` agree): what is
    stored in an account's matching key and compared."""
    return _parse(name).compact


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def ratio(a: str, b: str) -> float:
    """Edit-distance similarity, 1 for equal strings, 0 for nothing in common."""
    if not a and not b:
        return 1.0
    return 1.0 - _levenshtein(a, b) / max(len(a), len(b))


def _contains(a: _Parsed, b: _Parsed) -> bool:
    """One key inside the other: whole words for Latin keys, characters for CJK."""
    short, long_ = sorted((a, b), key=lambda p: len(p.compact))
    if len(short.compact) < 2 or short.compact == long_.compact:
        return False
    if _CJK.search(short.compact):
        return short.compact in long_.compact
    words, inside = short.key.split(), long_.key.split()
    return any(inside[i : i + len(words)] == words for i in range(len(inside) - len(words) + 1))


def company_similarity(a: str, b: str) -> Match:
    """How likely two company names name the same company.

    1.0 with ``same_company_key`` when the keys agree; otherwise the edit-distance
    similarity of the keys (``similar_company_name`` from 0.8), at least 0.75 with
    ``company_key_contains`` when one key holds the other. ``different_region``: both
    names say where they are registered and no place agrees, so a sister company
    (score × 0.8).
    """
    pa, pb = _parse(a), _parse(b)
    ka, kb = pa.compact, pb.compact
    if not ka or not kb:
        return Match(0.0, [])
    reasons: list[str] = []
    if ka == kb:
        score = 1.0
        reasons.append(SAME_COMPANY_KEY)
    else:
        score = ratio(ka, kb)
        if _contains(pa, pb):
            score = max(score, CONTAINS_SCORE)
            reasons.append(COMPANY_KEY_CONTAINS)
        if score >= SIMILAR_MIN:
            reasons.append(SIMILAR_COMPANY_NAME)
    if reasons and _regions_conflict(pa.regions, pb.regions):
        score *= REGION_PENALTY
        reasons.append(DIFFERENT_REGION)
    return Match(round(score, 4), reasons)


def is_duplicate(a: str, b: str) -> bool:
    """Whether two company names count as the same company."""
    return company_similarity(a, b).score >= DUPLICATE_THRESHOLD


# --- phones and e-mails ------------------------------------------------------------------


def phone_key(value: str | None, region: str = "CN") -> str | None:
    """A phone number in E.164 (``+8613800138000``), as phone fields store it; None when
    it is not a valid number. Numbers without a country code are read in ``region``."""
    if not value or not value.strip():
        return None
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", value), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def email_key(value: str | None) -> str | None:
    """An e-mail address trimmed and lower-cased, as e-mail fields store it; None when it
    is empty or has no ``@`` between a local part and a domain."""
    if not value:
        return None
    folded = unicodedata.normalize("NFKC", value).strip().lower()
    local, at, domain = folded.rpartition("@")
    if not at or not local or "." not in domain or " " in folded:
        return None
    return folded
