"""Settings from GUANXI_* environment variables, built once at start-up and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUANXI_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path('var/guanxi.db').absolute()}",
        description="SQLAlchemy URL; SQLite file under ./var/ by default, postgresql://… in production",
    )
    database_schema: str | None = Field(default=None, description="PostgreSQL schema (search_path)")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    default_timezone: str = Field(default="Asia/Shanghai", description="time zone of new users")
    default_locale: str = Field(default="zh-CN", description="language of new users (zh-CN or en)")
    files_dir: Path = Field(
        default_factory=lambda: Path("var/files").absolute(), description="where uploads are stored"
    )
    max_upload_mb: int = 25
    max_request_mb: int = Field(
        default=32,
        description="largest request body in MiB (uploads may be max_upload_mb plus 1 MiB)",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="the URL users reach the app at"
    )
    oidc_issuer: str | None = Field(
        default=None, description="OpenID Connect issuer URL; enables single sign-on"
    )
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_allow_unverified_email: bool = Field(
        default=False,
        description="sign in ID tokens without email_verified (for providers that never send it)",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="let webhooks call loopback, private and link-local addresses "
        "(local development, tests, receivers on the company's own network)",
    )
    # Notification e-mail (platform.process.notifications): none is sent while smtp_host is empty.
    smtp_host: str | None = Field(default=None, description="SMTP server for notification e-mail")
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = Field(
        default=True, description="upgrade the SMTP connection with STARTTLS"
    )
    smtp_from: str = Field(
        default="Guanxi <guanxi@localhost>", description="the From of notification e-mail"
    )
    outbox_lease_seconds: float = Field(
        default=300,
        gt=0,
        description="how long a worker's claim on an outbox message (a webhook delivery) "
        "holds: after a crash, the message is sent again after this",
    )
    outbox_retry_seconds: float = Field(
        default=30, gt=0, description="the first retry's delay after a failed delivery (doubling)"
    )
    search_index_interval: float = Field(
        default=0.5,
        description="seconds between the background indexer's looks at the search index queue; 0 turns it off",
    )
    search_index_max_lag: float = Field(
        default=2.0,
        ge=0,
        description="seconds the background indexer may put indexing off while writes keep coming",
    )
    rich_text_remote_images: Literal["strip", "keep"] = Field(
        default="strip",
        description="images in rich text whose source is another server (tracking pixels): strip their source, or keep it",
    )
    query_timeout: float = Field(
        default=30.0,
        ge=0,
        description=(
            "seconds of database work a request may take: each statement on PostgreSQL"
            " (statement_timeout), each transaction on SQLite; 0 turns it off"
        ),
    )
    count_limit: int = Field(
        default=1_000,
        ge=1,
        description=(
            "a list's with_total counts exactly up to this many matches; beyond it the total"
            " is this number with total_relation 'gte' (at least)"
        ),
    )
    # The company printed on quote PDFs (the letterhead), in Chinese and English.
    company_name: str = Field(
        default="关系科技有限公司", description="company name on quotes (Chinese, or the only one)"
    )
    company_name_en: str = Field(
        default="Guanxi Technology Co., Ltd.", description="company name on English quotes"
    )
    company_address: str = Field(default="", description="company address on quotes")
    company_address_en: str = Field(default="", description="address on English quotes")
    company_phone: str = Field(default="", description="telephone on quotes")
    company_email: str = Field(default="", description="e-mail on quotes")
    company_website: str = Field(default="", description="website on quotes")
    company_tax_id: str = Field(default="", description="统一社会信用代码 / tax ID on quotes")
    company_bank_name: str = Field(default="", description="bank (开户行) on quotes")
    company_bank_account: str = Field(default="", description="bank account number on quotes")
    # Jobs, timers and queued tasks (ADR 0029).
    queue_url: str | None = Field(
        default=None,
        description=(
            "redis://… to share the task queue between `guanxi worker` processes on several"
            " machines; unset: a SQLite file beside a SQLite database, or tables in the"
            " PostgreSQL database"
        ),
    )
    queue_consumer: bool = Field(
        default=True,
        description=(
            "run the queue's consumer (scheduled jobs, timers, tasks) inside `guanxi serve`;"
            " false when `guanxi worker` processes do it"
        ),
    )
    queue_workers: int = Field(default=2, ge=1, description="threads running queued tasks")
    log_level: str = "info"
    sql_echo: bool = False
