"""Standard objects of the customers module, declared as metadata like any custom object."""

from __future__ import annotations

from typing import Any

from guanxi.platform.metadata.schemas import FieldIn, FieldTypeName, ObjectIn
from guanxi.platform.metadata.service import ObjectDeclaration


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": v, "label": {"en": en, "zh-CN": zh}} for v, en, zh in pairs]


def _f(name: str, type_: FieldTypeName, en: str, zh: str, **kwargs: Any) -> FieldIn:
    return FieldIn(name=name, type=type_, label={"en": en, "zh-CN": zh}, **kwargs)


INDUSTRIES = _options(
    ("it", "IT & software", "IT/软件"),
    ("manufacturing", "Manufacturing", "制造业"),
    ("retail", "Retail & e-commerce", "零售/电商"),
    ("finance", "Finance", "金融"),
    ("healthcare", "Healthcare", "医疗健康"),
    ("education", "Education", "教育"),
    ("real_estate", "Real estate", "房地产"),
    ("logistics", "Logistics", "物流"),
    ("energy", "Energy", "能源"),
    ("other", "Other", "其他"),
)

ACCOUNT = ObjectDeclaration(
    spec=ObjectIn(
        name="account",
        label={"en": "Account", "zh-CN": "客户"},
        plural_label={"en": "Accounts", "zh-CN": "客户"},
    ),
    name_field="name",
    fields=[
        _f(
            "name",
            "text",
            "Account name",
            "客户名称",
            required=True,
            indexed=True,
            searchable=True,
            max_length=200,
        ),
        _f(
            "account_no",
            "auto_number",
            "Account number",
            "客户编号",
            format="ACC-{YYYY}-{000000}",
            searchable=True,
        ),
        _f("industry", "picklist", "Industry", "行业", options=INDUSTRIES, indexed=True),
        _f(
            "level",
            "picklist",
            "Level",
            "客户级别",
            options=_options(
                ("key", "Key account", "重点客户"),
                ("important", "Important", "重要客户"),
                ("normal", "Normal", "普通客户"),
            ),
            indexed=True,
        ),
        _f(
            "status",
            "picklist",
            "Status",
            "客户状态",
            options=_options(
                ("prospect", "Prospect", "潜在客户"),
                ("active", "Active", "成交客户"),
                ("churned", "Churned", "流失客户"),
            ),
            default="prospect",
        ),
        _f(
            "source",
            "picklist",
            "Source",
            "客户来源",
            options=_options(
                ("website", "Website", "官网"),
                ("referral", "Referral", "转介绍"),
                ("exhibition", "Exhibition", "展会"),
                ("cold_call", "Cold call", "电话陌拜"),
                ("advertising", "Advertising", "广告投放"),
                ("partner", "Partner", "合作伙伴"),
                ("other", "Other", "其他"),
            ),
        ),
        _f("phone", "phone", "Phone", "电话", searchable=True, indexed=True),
        _f("email", "email", "E-mail", "邮箱", searchable=True, indexed=True),
        _f("website", "url", "Website", "网址"),
        _f(
            "annual_revenue",
            "currency",
            "Annual revenue",
            "年营业额",
            precision=18,
            scale=2,
            currency="CNY",
        ),
        _f("employees", "integer", "Employees", "员工人数", min=0),
        _f("address", "address", "Address", "地址"),
        _f("tags", "tags", "Tags", "标签"),
        _f("description", "long_text", "Description", "备注"),
        _f("last_activity_at", "datetime", "Last activity", "最近跟进时间", indexed=True),
        _f(
            "tier",
            "picklist",
            "Tier",
            "客户分级",
            options=_options(
                ("a", "A: strategic", "A 类(战略)"),
                ("b", "B: growth", "B 类(成长)"),
                ("c", "C: standard", "C 类(普通)"),
                ("d", "D: small", "D 类(小微)"),
            ),
            indexed=True,
        ),
        _f("next_follow_up", "date", "Next follow-up", "下次跟进日期", indexed=True),
        _f(
            "pool_state",
            "picklist",
            "Pool state",
            "公海状态",
            options=_options(
                ("owned", "Owned", "私海"),
                ("in_pool", "In a pool", "公海"),
            ),
            default="owned",
            indexed=True,
        ),
        _f("pool", "text", "Pool", "所属公海", max_length=36, indexed=True),
        _f("protected_until", "datetime", "Protected until", "保护期至"),
        _f("claimed_at", "datetime", "Claimed at", "领取时间"),
        _f("released_at", "datetime", "Returned to pool", "退回公海时间"),
        _f("previous_owner", "user", "Previous owner", "前负责人"),
        _f("last_won_at", "datetime", "Last won deal", "最近赢单时间"),
        _f("name_key", "text", "Matching key", "匹配名称", indexed=True, max_length=200),
    ],
)

CONTACT = ObjectDeclaration(
    spec=ObjectIn(
        name="contact",
        label={"en": "Contact", "zh-CN": "联系人"},
        plural_label={"en": "Contacts", "zh-CN": "联系人"},
    ),
    name_field="name",
    fields=[
        _f(
            "name",
            "text",
            "Name",
            "姓名",
            required=True,
            indexed=True,
            searchable=True,
            max_length=120,
        ),
        _f("account", "lookup", "Account", "所属客户", target="account", on_delete="cascade"),
        _f("title", "text", "Job title", "职位"),
        _f("department", "text", "Department", "部门"),
        _f("mobile", "phone", "Mobile", "手机", searchable=True, indexed=True),
        _f("phone", "phone", "Phone", "电话", indexed=True),
        _f("email", "email", "E-mail", "邮箱", searchable=True, indexed=True),
        _f("wechat", "text", "WeChat", "微信", max_length=64),
        _f(
            "gender",
            "picklist",
            "Gender",
            "性别",
            options=_options(
                ("male", "Male", "男"), ("female", "Female", "女"), ("unknown", "Unknown", "未知")
            ),
        ),
        _f("birthday", "date", "Birthday", "生日"),
        _f("is_primary", "boolean", "Primary contact", "主要联系人", default=False),
        _f("address", "address", "Address", "地址"),
        _f("last_activity_at", "datetime", "Last activity", "最近跟进时间"),
        _f("next_follow_up", "date", "Next follow-up", "下次跟进日期"),
        _f("description", "long_text", "Description", "备注"),
    ],
)
