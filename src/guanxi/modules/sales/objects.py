"""Standard objects of the sales module, declared as metadata like any custom object.

Leads to cash (线索到回款): leads, opportunities, activities and tasks, products and price
books, quotes with their lines, contracts, payment plans (one record per instalment),
payments, invoices and sales targets. Money is ``currency`` (exact decimals); totals that
only sum children are roll-ups, computed when read (ADR 0018), so they are never stale.
"""

from __future__ import annotations

from typing import Any

from guanxi.modules.customers.objects import ACCOUNT, INDUSTRIES
from guanxi.platform.metadata.schemas import FieldIn, FieldTypeName, ObjectIn
from guanxi.platform.metadata.service import ObjectDeclaration


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": v, "label": {"en": en, "zh-CN": zh}} for v, en, zh in pairs]


def _f(name: str, type_: FieldTypeName, en: str, zh: str, **kwargs: Any) -> FieldIn:
    return FieldIn(name=name, type=type_, label={"en": en, "zh-CN": zh}, **kwargs)


def _object(
    name: str, en: str, zh: str, en_plural: str, zh_plural: str, icon: str, *, nav: bool = True
) -> ObjectIn:
    return ObjectIn(
        name=name,
        label={"en": en, "zh-CN": zh},
        plural_label={"en": en_plural, "zh-CN": zh_plural},
        icon=icon,
        nav=nav,
    )


def _money(name: str, en: str, zh: str, **kwargs: Any) -> FieldIn:
    return _f(name, "currency", en, zh, precision=18, scale=2, currency="CNY", **kwargs)


def _sum(name: str, en: str, zh: str, child: str, lookup: str, field: str) -> FieldIn:
    rollup = {"object": child, "lookup": lookup, "op": "sum", "field": field}
    return _f(name, "rollup", en, zh, rollup=rollup)


def _name(en: str = "Name", zh: str = "名称", length: int = 200) -> FieldIn:
    return _f(
        "name", "text", en, zh, required=True, indexed=True, searchable=True, max_length=length
    )


def _lookup(name: str, target: str, en: str, zh: str, on_delete: str = "set_null") -> FieldIn:
    return _f(name, "lookup", en, zh, target=target, on_delete=on_delete)


SOURCES = _options(
    ("website", "Website", "官网"),
    ("web_form", "Web form", "网站表单"),
    ("referral", "Referral", "转介绍"),
    ("exhibition", "Exhibition", "展会"),
    ("advertising", "Advertising", "广告投放"),
    ("cold_call", "Cold call", "电话陌拜"),
    ("wechat", "WeChat", "微信"),
    ("partner", "Partner", "合作伙伴"),
    ("other", "Other", "其他"),
)

CHANNELS = _options(
    ("organic", "Organic search", "自然搜索"),
    ("paid_search", "Paid search", "付费搜索"),
    ("social", "Social media", "社交媒体"),
    ("email", "E-mail", "邮件"),
    ("offline", "Offline event", "线下活动"),
    ("direct", "Direct", "直接访问"),
    ("api", "API", "接口"),
)

REGIONS = _options(
    ("north", "North China", "华北"),
    ("east", "East China", "华东"),
    ("south", "South China", "华南"),
    ("central", "Central China", "华中"),
    ("southwest", "Southwest", "西南"),
    ("northwest", "Northwest", "西北"),
    ("northeast", "Northeast", "东北"),
    ("overseas", "Overseas", "海外"),
)

CURRENCIES = _options(
    ("CNY", "Chinese yuan (CNY)", "人民币 (CNY)"),
    ("USD", "US dollar (USD)", "美元 (USD)"),
    ("EUR", "Euro (EUR)", "欧元 (EUR)"),
    ("HKD", "Hong Kong dollar (HKD)", "港币 (HKD)"),
    ("JPY", "Japanese yen (JPY)", "日元 (JPY)"),
)

# Stages of the pipelines, in order, with the probability and forecast category a deal
# takes when it enters them (the stage hook applies them; a rep may override both).
STAGES: list[tuple[str, str, str, int, str]] = [
    ("prospecting", "Prospecting", "初步接洽", 10, "pipeline"),
    ("qualification", "Qualification", "需求确认", 25, "pipeline"),
    ("proposal", "Proposal", "方案报价", 50, "best_case"),
    ("negotiation", "Negotiation", "商务谈判", 75, "commit"),
    ("won", "Closed won", "赢单", 100, "closed"),
    ("lost", "Closed lost", "输单", 0, "omitted"),
]

FORECAST_CATEGORIES = _options(
    ("pipeline", "Pipeline", "管道"),
    ("best_case", "Best case", "最佳情况"),
    ("commit", "Commit", "承诺"),
    ("closed", "Closed", "已成交"),
    ("omitted", "Omitted", "不计入"),
)

OPPORTUNITY = ObjectDeclaration(
    spec=_object("opportunity", "Opportunity", "商机", "Opportunities", "商机", "flag"),
    name_field="name",
    fields=[
        _name("Opportunity name", "商机名称"),
        _f("opportunity_no", "auto_number", "Number", "商机编号", format="OPP-{YYYY}-{000000}"),
        _lookup("account", "account", "Account", "客户", on_delete="cascade"),
        _lookup("contact", "contact", "Contact", "联系人"),
        _f(
            "pipeline",
            "picklist",
            "Pipeline",
            "销售流程",
            options=_options(
                ("new_business", "New business", "新客户"),
                ("renewal", "Renewal", "续约"),
                ("upsell", "Upsell", "增购"),
            ),
            default="new_business",
            indexed=True,
        ),
        _f(
            "stage",
            "picklist",
            "Stage",
            "销售阶段",
            options=_options(*((v, en, zh) for v, en, zh, _, _ in STAGES)),
            default="prospecting",
            required=True,
            indexed=True,
        ),
        _f("probability", "percent", "Probability", "赢率", precision=5, scale=2, min=0, max=100),
        _f(
            "forecast_category",
            "picklist",
            "Forecast category",
            "预测类别",
            options=FORECAST_CATEGORIES,
            indexed=True,
        ),
        _money("amount", "Amount", "金额", indexed=True),
        _f("close_date", "date", "Expected close date", "预计成交日期", indexed=True),
        _f("next_step", "text", "Next step", "下一步", max_length=255),
        _f("stage_changed_at", "datetime", "Stage changed", "进入阶段时间"),
        _f("closed_at", "datetime", "Closed at", "关闭时间"),
        _f(
            "lost_reason",
            "picklist",
            "Lost reason",
            "输单原因",
            options=_options(
                ("price", "Price", "价格"),
                ("competitor", "Lost to a competitor", "竞争对手"),
                ("no_budget", "No budget", "无预算"),
                ("no_decision", "No decision", "未决策"),
                ("timing", "Timing", "时机不对"),
                ("product_fit", "Product fit", "产品不匹配"),
                ("other", "Other", "其他"),
            ),
        ),
        _f("competitor", "text", "Competitor", "竞争对手", max_length=200),
        _f("source", "picklist", "Source", "来源", options=SOURCES),
        _f("description", "long_text", "Description", "备注"),
    ],
)

LEAD = ObjectDeclaration(
    spec=_object("lead", "Lead", "线索", "Leads", "线索", "lead"),
    name_field="name",
    fields=[
        _name("Name", "姓名", 120),
        _f("company", "text", "Company", "公司名称", indexed=True, searchable=True, max_length=200),
        _f("title", "text", "Job title", "职位", max_length=120),
        _f("mobile", "phone", "Mobile", "手机", searchable=True),
        _f("phone", "phone", "Phone", "电话"),
        _f("email", "email", "E-mail", "邮箱", searchable=True),
        _f("wechat", "text", "WeChat", "微信", max_length=64),
        _f(
            "status",
            "picklist",
            "Status",
            "线索状态",
            options=_options(
                ("new", "New", "新线索"),
                ("working", "Working", "跟进中"),
                ("qualified", "Qualified", "已确认"),
                ("converted", "Converted", "已转化"),
                ("disqualified", "Disqualified", "无效线索"),
            ),
            default="new",
            indexed=True,
        ),
        _f(
            "rating",
            "picklist",
            "Rating",
            "意向程度",
            options=_options(("hot", "Hot", "高"), ("warm", "Warm", "中"), ("cold", "Cold", "低")),
        ),
        _f("source", "picklist", "Source", "线索来源", options=SOURCES, indexed=True),
        _f("channel", "picklist", "Channel", "渠道", options=CHANNELS),
        _f("campaign", "text", "Campaign", "市场活动", max_length=200),
        _f("utm_source", "text", "UTM source", "UTM 来源", max_length=200),
        _f("utm_medium", "text", "UTM medium", "UTM 媒介", max_length=200),
        _f("utm_campaign", "text", "UTM campaign", "UTM 活动", max_length=200),
        _f("utm_term", "text", "UTM term", "UTM 关键词", max_length=200),
        _f("utm_content", "text", "UTM content", "UTM 内容", max_length=200),
        _f("industry", "picklist", "Industry", "行业", options=INDUSTRIES, indexed=True),
        _f("region", "picklist", "Region", "区域", options=REGIONS, indexed=True),
        _f("address", "address", "Address", "地址"),
        _f("web_form", "text", "Web form", "来源表单", max_length=64),
        _f("consent_text", "long_text", "Consent text", "同意条款"),
        _f("consent_at", "datetime", "Consent given", "同意时间"),
        _f("last_activity_at", "datetime", "Last activity", "最近跟进时间"),
        _f("next_follow_up", "date", "Next follow-up", "下次跟进日期", indexed=True),
        _f(
            "disqualify_reason",
            "picklist",
            "Disqualification reason",
            "无效原因",
            options=_options(
                ("no_need", "No need", "无需求"),
                ("no_contact", "Unreachable", "联系不上"),
                ("duplicate", "Duplicate", "重复线索"),
                ("competitor", "Competitor", "竞争对手"),
                ("spam", "Spam", "垃圾信息"),
            ),
        ),
        _f("converted_at", "datetime", "Converted at", "转化时间"),
        _lookup("converted_account", "account", "Converted account", "转化客户"),
        _lookup("converted_contact", "contact", "Converted contact", "转化联系人"),
        _lookup("converted_opportunity", "opportunity", "Converted opportunity", "转化商机"),
        _f("description", "long_text", "Description", "备注"),
    ],
)

ACTIVITY = ObjectDeclaration(
    spec=_object("activity", "Activity", "跟进记录", "Activities", "跟进记录", "phone"),
    name_field="subject",
    fields=[
        _f("subject", "text", "Subject", "主题", required=True, searchable=True, max_length=200),
        _f(
            "kind",
            "picklist",
            "Kind",
            "跟进方式",
            options=_options(
                ("call", "Call", "电话"),
                ("meeting", "Meeting", "会议"),
                ("visit", "Visit", "拜访"),
                ("email", "E-mail", "邮件"),
                ("wechat", "WeChat", "微信"),
                ("note", "Note", "备注"),
            ),
            default="call",
            required=True,
            indexed=True,
        ),
        _f(
            "outcome",
            "picklist",
            "Outcome",
            "跟进结果",
            options=_options(
                ("connected", "Connected", "已沟通"),
                ("no_answer", "No answer", "未接通"),
                ("interested", "Interested", "有意向"),
                ("not_interested", "Not interested", "无意向"),
                ("follow_up", "Needs follow-up", "需再跟进"),
            ),
        ),
        _f("occurred_at", "datetime", "When", "跟进时间", indexed=True),
        _f("duration_minutes", "integer", "Duration (minutes)", "时长(分钟)", min=0),
        _f("next_follow_up", "date", "Next follow-up", "下次跟进日期"),
        _lookup("account", "account", "Account", "客户", on_delete="cascade"),
        _lookup("contact", "contact", "Contact", "联系人"),
        _lookup("lead", "lead", "Lead", "线索", on_delete="cascade"),
        _lookup("opportunity", "opportunity", "Opportunity", "商机"),
        _f("notes", "long_text", "Notes", "跟进内容", searchable=True),
    ],
)

TASK = ObjectDeclaration(
    spec=_object("task", "Task", "待办", "Tasks", "待办", "calendar"),
    name_field="subject",
    fields=[
        _f("subject", "text", "Subject", "主题", required=True, searchable=True, max_length=200),
        _f(
            "status",
            "picklist",
            "Status",
            "状态",
            options=_options(
                ("open", "Open", "未开始"),
                ("in_progress", "In progress", "进行中"),
                ("done", "Done", "已完成"),
                ("cancelled", "Cancelled", "已取消"),
            ),
            default="open",
            indexed=True,
        ),
        _f(
            "priority",
            "picklist",
            "Priority",
            "优先级",
            options=_options(
                ("high", "High", "高"), ("normal", "Normal", "中"), ("low", "Low", "低")
            ),
            default="normal",
        ),
        _f("due_at", "datetime", "Due", "截止时间", indexed=True),
        _f("reminder_at", "datetime", "Reminder", "提醒时间"),
        _f("assignee", "user", "Assigned to", "负责人"),
        _f("completed_at", "datetime", "Completed at", "完成时间"),
        _lookup("account", "account", "Account", "客户", on_delete="cascade"),
        _lookup("contact", "contact", "Contact", "联系人"),
        _lookup("lead", "lead", "Lead", "线索", on_delete="cascade"),
        _lookup("opportunity", "opportunity", "Opportunity", "商机"),
        _f("description", "long_text", "Description", "描述"),
    ],
)

PRODUCT = ObjectDeclaration(
    spec=_object("product", "Product", "产品", "Products", "产品", "product"),
    name_field="name",
    fields=[
        _name("Product name", "产品名称"),
        _f("product_code", "text", "Product code", "产品编码", unique=True, max_length=64),
        _f(
            "category",
            "picklist",
            "Category",
            "产品类别",
            options=_options(
                ("software", "Software licence", "软件许可"),
                ("subscription", "Subscription", "订阅服务"),
                ("hardware", "Hardware", "硬件"),
                ("service", "Professional services", "实施服务"),
                ("support", "Support", "运维支持"),
            ),
            indexed=True,
        ),
        _f("unit", "text", "Unit", "单位", max_length=20),
        _money("list_price", "List price", "标准价格"),
        _f("active", "boolean", "Active", "在售", default=True),
        _f("description", "long_text", "Description", "产品描述"),
    ],
)

PRICE_BOOK = ObjectDeclaration(
    spec=_object("price_book", "Price book", "价格表", "Price books", "价格表", "book"),
    name_field="name",
    fields=[
        _name("Price book name", "价格表名称"),
        _f("currency", "picklist", "Currency", "币种", options=CURRENCIES, default="CNY"),
        _f("is_standard", "boolean", "Standard price book", "标准价格表", default=False),
        _f("active", "boolean", "Active", "启用", default=True),
        _f("valid_from", "date", "Valid from", "生效日期"),
        _f("valid_to", "date", "Valid to", "失效日期"),
        _f("description", "long_text", "Description", "说明"),
    ],
)

PRICE_BOOK_ENTRY = ObjectDeclaration(
    spec=_object(
        "price_book_entry",
        "Price book entry",
        "价格表明细",
        "Price book entries",
        "价格表明细",
        "tags",
        nav=False,  # a price book's lines: read and edited on the price book
    ),
    name_field="name",
    fields=[
        _name("Entry", "明细名称"),
        _lookup("price_book", "price_book", "Price book", "价格表", on_delete="cascade"),
        _lookup("product", "product", "Product", "产品", on_delete="cascade"),
        _money("unit_price", "Unit price", "单价", required=True),
        _f("min_quantity", "decimal", "Minimum quantity", "起订量", precision=18, scale=2, min=0),
        _f("active", "boolean", "Active", "启用", default=True),
    ],
)

QUOTE = ObjectDeclaration(
    spec=_object("quote", "Quote", "报价单", "Quotes", "报价单", "document"),
    name_field="name",
    fields=[
        _name("Quote name", "报价单名称"),
        _f(
            "quote_no",
            "auto_number",
            "Quote number",
            "报价单编号",
            format="QT-{YYYY}-{000000}",
            searchable=True,
        ),
        _lookup("account", "account", "Account", "客户", on_delete="cascade"),
        _lookup("contact", "contact", "Contact", "联系人"),
        _lookup("opportunity", "opportunity", "Opportunity", "商机"),
        _lookup("price_book", "price_book", "Price book", "价格表", on_delete="restrict"),
        _f(
            "status",
            "picklist",
            "Status",
            "报价状态",
            options=_options(
                ("draft", "Draft", "草稿"),
                ("sent", "Sent", "已发送"),
                ("accepted", "Accepted", "已接受"),
                ("rejected", "Rejected", "已拒绝"),
                ("expired", "Expired", "已过期"),
                ("superseded", "Superseded by a new version", "已被新版本取代"),
            ),
            default="draft",
            indexed=True,
        ),
        _f("quote_version", "integer", "Version", "版本", min=1, default=1),
        _lookup("previous_version", "quote", "Previous version", "上一版本"),
        _f("quote_date", "date", "Quote date", "报价日期"),
        _f("valid_until", "date", "Valid until", "有效期至"),
        _f("currency", "picklist", "Currency", "币种", options=CURRENCIES, default="CNY"),
        _f(
            "exchange_rate",
            "decimal",
            "Exchange rate to CNY",
            "对人民币汇率",
            precision=18,
            scale=6,
            min=0,
            default="1",
        ),
        _f(
            "discount_percent",
            "percent",
            "Total discount",
            "整单折扣",
            precision=5,
            scale=2,
            min=0,
            max=100,
            default="0",
        ),
        _f(
            "tax_rate",
            "percent",
            "Tax rate",
            "税率",
            precision=5,
            scale=2,
            min=0,
            max=100,
            default="13",
        ),
        # Totals in the quote's currency, kept by the quote hooks (quotes.py) whenever a
        # line or the discount or tax changes: exact decimals, rounded half-up to cents.
        _money("subtotal", "Subtotal", "小计"),
        _money("discount_amount", "Discount amount", "折扣金额"),
        _money("tax", "Tax", "税额"),
        _money("total", "Total", "报价总额", indexed=True),
        _f("terms", "long_text", "Terms", "条款"),
        _f("description", "long_text", "Description", "备注"),
    ],
)

QUOTE_LINE = ObjectDeclaration(
    # a quote's lines: read and edited on the quote
    spec=_object(
        "quote_line", "Quote line", "报价明细", "Quote lines", "报价明细", "app", nav=False
    ),
    name_field="name",
    fields=[
        # Not required here: a line from a price book entry or product takes their name
        # and price when not given (the quote line hook requires them otherwise).
        _f("name", "text", "Item", "品名", indexed=True, searchable=True, max_length=200),
        _lookup("quote", "quote", "Quote", "报价单", on_delete="cascade"),
        _lookup("product", "product", "Product", "产品"),
        _lookup("price_book_entry", "price_book_entry", "Price book entry", "价格表明细"),
        _f(
            "quantity",
            "decimal",
            "Quantity",
            "数量",
            precision=18,
            scale=2,
            min=0,
            default="1",
            required=True,
        ),
        _f("unit", "text", "Unit", "单位", max_length=20),
        _money("unit_price", "Unit price", "单价"),
        _f(
            "discount_percent",
            "percent",
            "Discount",
            "折扣",
            precision=5,
            scale=2,
            min=0,
            max=100,
            default="0",
        ),
        _money("amount", "Amount", "金额"),
        _f("position", "integer", "Position", "行号", min=0),
        _f("description", "long_text", "Description", "描述"),
    ],
)

# Contract statuses whose amount counts as contracted.
SIGNED = ["active", "expired", "terminated"]

CONTRACT = ObjectDeclaration(
    spec=_object("contract", "Contract", "合同", "Contracts", "合同", "project"),
    name_field="name",
    fields=[
        _name("Contract name", "合同名称"),
        _f(
            "contract_no",
            "auto_number",
            "Contract number",
            "合同编号",
            format="HT-{YYYY}-{000000}",
            searchable=True,
        ),
        _lookup("account", "account", "Account", "客户", on_delete="restrict"),
        _lookup("contact", "contact", "Signed by", "客户签约人"),
        _lookup("opportunity", "opportunity", "Opportunity", "商机"),
        _lookup("quote", "quote", "Quote", "报价单"),
        _f(
            "status",
            "picklist",
            "Status",
            "合同状态",
            options=_options(
                ("draft", "Draft", "草稿"),
                ("pending_approval", "Pending approval", "审批中"),
                ("active", "Active", "执行中"),
                ("expired", "Expired", "已到期"),
                ("terminated", "Terminated", "已终止"),
            ),
            default="draft",
            indexed=True,
        ),
        _money("amount", "Contract amount", "合同金额", required=True),
        _f("currency", "picklist", "Currency", "币种", options=CURRENCIES, default="CNY"),
        _f("signed_on", "date", "Signed on", "签约日期", indexed=True),
        _f("start_date", "date", "Start date", "开始日期"),
        _f("end_date", "date", "End date", "结束日期", indexed=True),
        _f("renewal_reminder_days", "integer", "Renewal reminder (days)", "续约提醒(天)", min=0),
        # The end date a renewal reminder was last sent for: one reminder per end date.
        _f("renewal_reminded_for", "date", "Renewal reminder sent for", "已提醒续约的到期日"),
        # amount − collected, kept by the payment and contract hooks (contracts.py).
        _money("outstanding", "Outstanding", "未回款"),
        _f("terms", "long_text", "Terms", "合同条款"),
        _f("description", "long_text", "Description", "备注"),
    ],
)

PAYMENT_PLAN = ObjectDeclaration(
    spec=_object(
        "payment_plan",
        "Payment plan",
        "回款计划",
        "Payment plans",
        "回款计划",
        "calendar",
        nav=False,  # a contract's instalments: planned and followed on the contract
    ),
    name_field="name",
    fields=[
        _name("Instalment", "期次名称"),
        _lookup("contract", "contract", "Contract", "合同", on_delete="cascade"),
        _lookup("account", "account", "Account", "客户", on_delete="cascade"),
        _f("instalment", "integer", "Instalment no.", "期数", min=1),
        _f("due_date", "date", "Due date", "计划回款日期", indexed=True, required=True),
        _money("amount", "Planned amount", "计划回款金额", required=True),
        _f(
            "status",
            "picklist",
            "Status",
            "回款状态",
            options=_options(
                ("open", "Not yet paid", "未回款"),
                ("partial", "Partly paid", "部分回款"),
                ("paid", "Paid", "已回款"),
            ),
            default="open",
            indexed=True,
        ),
        _f("description", "long_text", "Description", "备注"),
    ],
)

PAYMENT = ObjectDeclaration(
    spec=_object("payment", "Payment", "回款", "Payments", "回款", "money"),
    name_field="payment_no",
    fields=[
        _f(
            "payment_no",
            "auto_number",
            "Payment number",
            "回款编号",
            format="HK-{YYYY}-{000000}",
            searchable=True,
        ),
        _lookup("contract", "contract", "Contract", "合同", on_delete="restrict"),
        _lookup("payment_plan", "payment_plan", "Instalment", "回款计划"),
        _lookup("account", "account", "Account", "客户", on_delete="restrict"),
        _money("amount", "Amount", "回款金额", required=True),
        _f("paid_on", "date", "Paid on", "回款日期", indexed=True, required=True),
        _f(
            "method",
            "picklist",
            "Method",
            "付款方式",
            options=_options(
                ("bank_transfer", "Bank transfer", "银行转账"),
                ("alipay", "Alipay", "支付宝"),
                ("wechat_pay", "WeChat Pay", "微信支付"),
                ("acceptance_bill", "Bank acceptance bill", "承兑汇票"),
                ("cash", "Cash", "现金"),
                ("other", "Other", "其他"),
            ),
            default="bank_transfer",
        ),
        _f("reference", "text", "Reference", "交易流水号", max_length=120),
        _f("description", "long_text", "Notes", "备注"),
    ],
)

INVOICE = ObjectDeclaration(
    spec=_object("invoice", "Invoice", "开票记录", "Invoices", "开票记录", "tags"),
    name_field="invoice_no",
    fields=[
        _f("invoice_no", "text", "Invoice number", "发票号码", required=True, max_length=64),
        _lookup("contract", "contract", "Contract", "合同", on_delete="restrict"),
        _lookup("account", "account", "Account", "客户", on_delete="restrict"),
        _f(
            "invoice_type",
            "picklist",
            "Invoice type",
            "发票类型",
            options=_options(
                ("vat_special", "VAT special invoice", "增值税专用发票"),
                ("vat_normal", "VAT ordinary invoice", "增值税普通发票"),
                ("electronic", "Electronic invoice", "电子发票"),
            ),
            default="vat_special",
        ),
        _money("amount", "Amount (incl. tax)", "开票金额(含税)", required=True),
        _money("tax_amount", "Tax", "税额"),
        _f("issued_on", "date", "Issued on", "开票日期", indexed=True),
        _f(
            "status",
            "picklist",
            "Status",
            "状态",
            options=_options(
                ("requested", "Requested", "已申请"),
                ("issued", "Issued", "已开票"),
                ("voided", "Voided", "已作废"),
            ),
            default="requested",
        ),
        _f("buyer_name", "text", "Buyer", "发票抬头", max_length=200),
        _f("buyer_tax_id", "text", "Buyer tax ID", "纳税人识别号", max_length=32),
    ],
)

SALES_TARGET = ObjectDeclaration(
    spec=_object("sales_target", "Sales target", "销售目标", "Sales targets", "销售目标", "rocket"),
    name_field="name",
    fields=[
        _name("Target", "目标名称"),
        _f(
            "measure",
            "picklist",
            "Measured by",
            "考核口径",
            options=_options(
                ("won_amount", "Won amount", "赢单金额"),
                ("collected", "Collected payments", "回款金额"),
            ),
            default="won_amount",
            required=True,
        ),
        _f("period", "text", "Period", "考核周期", required=True, indexed=True, max_length=7),
        _f("assignee", "user", "Salesperson", "销售人员"),
        _f("department_id", "text", "Department", "部门", max_length=36),
        _f("team_id", "text", "Team", "团队", max_length=36),
        _money("amount", "Target amount", "目标金额", required=True),
    ],
)


def _extend(declaration: ObjectDeclaration, *fields: FieldIn) -> ObjectDeclaration:
    """More fields for a declared object: roll-ups and formulas over objects declared
    after it (a roll-up's child object must exist when the field is made)."""
    return ObjectDeclaration(spec=declaration.spec, fields=list(fields))


# Roll-ups (ADR 0018) sum exactly on both databases; differences and percentages are
# stored fields the sales hooks keep (formulas compute in floating point on SQLite).
TOTALS = [
    _extend(
        CONTRACT,
        _sum("collected", "Collected", "已回款", "payment", "contract", "amount"),
        _f(
            "invoiced",
            "rollup",
            "Invoiced",
            "已开票",
            rollup={
                "object": "invoice",
                "lookup": "contract",
                "op": "sum",
                "field": "amount",
                "filter": {"field": "status", "op": "ne", "value": "voided"},
            },
        ),
    ),
    _extend(
        ACCOUNT,
        _f(
            "contracted_amount",
            "rollup",
            "Contracted",
            "合同总额",
            rollup={
                "object": "contract",
                "lookup": "account",
                "op": "sum",
                "field": "amount",
                # signed contracts: drafts and those awaiting approval are not yet contracted
                "filter": {"field": "status", "op": "in", "value": SIGNED},
            },
        ),
        _sum("collected_amount", "Collected", "回款总额", "payment", "account", "amount"),
    ),
    _extend(
        PAYMENT_PLAN,
        _sum("collected", "Collected", "已回款", "payment", "payment_plan", "amount"),
    ),
]

# Objects that only make sense under their parent, left out of the navigation since
# version 2 of the module (still reached by URL, search and the parent's related lists).
CHILD_OBJECTS = ("price_book_entry", "quote_line", "payment_plan")

# In declaration order: a lookup's target comes before it.
OBJECTS = [
    OPPORTUNITY,
    LEAD,
    ACTIVITY,
    TASK,
    PRODUCT,
    PRICE_BOOK,
    PRICE_BOOK_ENTRY,
    QUOTE,
    QUOTE_LINE,
    CONTRACT,
    PAYMENT_PLAN,
    PAYMENT,
    INVOICE,
    SALES_TARGET,
    *TOTALS,
]
