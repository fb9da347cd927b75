import { InboxOutlined, SettingOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Empty, Input, Result, Skeleton, Table, Tabs, Tag, Tooltip, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { FieldValue, UserChip } from "../../../components/FieldValue";
import { problemMessage } from "../../../lib/api";
import { formatCount, formatDate, formatDateTime } from "../../../lib/format";
import { fieldMap, label as labelOf, useObject, type FieldDef } from "../../../lib/meta";
import { recordsKey, type RecordData } from "../../../lib/records";
import { hasRight, useMe } from "../../../lib/session";
import { useKnownUser } from "../../../lib/users";
import { claim, poolAccountsKey, poolAccountsQuery, POOLS_KEY, useOwnedCount, usePools, type Pool } from "./api";
import { claimRefusal } from "./refusals";
import styles from "./pools.module.css";

/** 公海: the pools the user is a member of, each pool's accounts, and a claim button on
 * each; a refusal (limit, cool-down, someone was quicker) is said in words. */
export default function PoolsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const pools = usePools();
  const [params, setParams] = useSearchParams();
  const manages = hasRight(me.data, "manage_automation");
  const list = pools.data ?? [];
  const chosen = list.find((p) => p.id === params.get("pool")) ?? list[0];

  const choose = (id: string) => {
    const next = new URLSearchParams(params);
    next.set("pool", id);
    next.delete("q");
    setParams(next, { replace: true });
  };

  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <Typography.Title level={2} className={styles.title}>
          {t("pools.title")}
        </Typography.Title>
        {manages && (
          <Link to="/sales/pools/settings">
            <Button icon={<SettingOutlined />}>{t("pools.manage")}</Button>
          </Link>
        )}
      </div>
      {pools.isLoading ? (
        <Skeleton active paragraph={{ rows: 8 }} title={false} />
      ) : pools.error ? (
        <Result status="error" title={problemMessage(pools.error, t("common.serverError"))} extra={<Button onClick={() => void pools.refetch()}>{t("common.retry")}</Button>} />
      ) : !chosen ? (
        <Empty image={<InboxOutlined className={styles.emptyIcon} />} description={manages ? t("pools.noPoolsYet") : t("pools.notAMember")}>
          {manages && (
            <Link to="/sales/pools/settings">
              <Button type="primary">{t("pools.createFirst")}</Button>
            </Link>
          )}
        </Empty>
      ) : (
        <>
          {list.length > 1 && (
            <Tabs
              activeKey={chosen.id}
              onChange={choose}
              className={styles.tabs}
              items={list.map((p) => ({ key: p.id, label: p.name }))}
              aria-label={t("pools.choose")}
            />
          )}
          <PoolAccounts key={chosen.id} pool={chosen} single={list.length === 1} me={me.data?.id} />
        </>
      )}
    </div>
  );
}

function PoolAccounts({ pool, single, me }: { pool: Pool; single: boolean; me: string | undefined }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const [text, setText] = useState(search);
  const accounts = useInfiniteQuery(poolAccountsQuery(pool.id, search));
  const owned = useOwnedCount(me);
  const account = useObject("account").data;
  const fields = useMemo(() => (account ? fieldMap(account) : new Map<string, FieldDef>()), [account]);
  const [claiming, setClaiming] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<{ name: string; text: string } | null>(null);
  const rows = accounts.data?.pages.flatMap((p) => p.records) ?? [];
  const first = accounts.data?.pages[0];
  const full = owned.data ? owned.data.total >= pool.claim_limit : false;

  const applySearch = (value: string) => {
    const next = new URLSearchParams(params);
    if (value.trim()) next.set("q", value.trim());
    else next.delete("q");
    setParams(next, { replace: true });
  };

  const take = async (row: RecordData) => {
    const name = String(row.name ?? "");
    setClaiming(row.id);
    setRefusal(null);
    try {
      await claim(pool.id, row.id);
      void message.success(t("pools.claimed", { name }));
    } catch (error) {
      const words = claimRefusal(error);
      setRefusal({ name, text: words ? t(words.key, words.values) : problemMessage(error, t("common.serverError")) });
    } finally {
      setClaiming(null);
      // Taken or not, the list and the count are what the server says now.
      void client.invalidateQueries({ queryKey: poolAccountsKey(pool.id) });
      void client.invalidateQueries({ queryKey: recordsKey("account") });
      void client.invalidateQueries({ queryKey: POOLS_KEY, exact: true });
    }
  };

  const field = (name: string) => fields.get(name);
  const industry = field("industry");
  const released = field("released_at");

  return (
    <section className={styles.section} aria-label={pool.name}>
      <div className={styles.toolbar}>
        {single && (
          <Typography.Title level={3} className={styles.poolName}>
            {pool.name}
          </Typography.Title>
        )}
        <Input.Search
          allowClear
          className={styles.search}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onSearch={applySearch}
          placeholder={t("pools.search")}
          aria-label={t("pools.search")}
        />
        {first && first.total !== null && (
          <span className={styles.count} data-testid="pool-total">
            {t("pools.total", { count: first.total, formatted: formatCount(first.total, first.total_relation === "gte") })}
          </span>
        )}
        <span className={styles.spacer} />
        <Tooltip title={t("pools.limitHint")}>
          <Tag className={full ? styles.full : styles.holding} data-testid="pool-holding">
            {owned.data
              ? t(full ? "pools.holdingFull" : "pools.holding", { owned: formatCount(owned.data.total, owned.data.atLeast), limit: pool.claim_limit })
              : t("pools.limit", { limit: pool.claim_limit })}
          </Tag>
        </Tooltip>
        {pool.cooldown_days > 0 && <Tag className={styles.rule}>{t("pools.cooldownRule", { count: pool.cooldown_days })}</Tag>}
      </div>
      {refusal && (
        <Alert
          type="warning"
          showIcon
          closable
          onClose={() => setRefusal(null)}
          role="alert"
          message={t("pools.notClaimed", { name: refusal.name })}
          description={refusal.text}
          data-testid="claim-refusal"
        />
      )}
      {accounts.isLoading ? (
        <Skeleton active paragraph={{ rows: 8 }} title={false} />
      ) : accounts.error ? (
        <Alert type="error" showIcon message={problemMessage(accounts.error, t("common.serverError"))} />
      ) : rows.length === 0 ? (
        <Empty image={<InboxOutlined className={styles.emptyIcon} />} description={search ? t("pools.noMatches") : t("pools.empty")} />
      ) : (
        <>
          <Table<RecordData>
            rowKey="id"
            dataSource={rows}
            pagination={false}
            size="middle"
            className={styles.table}
            scroll={{ x: "max-content" }}
            columns={[
              {
                key: "name",
                title: columnTitle(field("name"), t("pools.name"), i18n.language),
                render: (_, row) => (
                  <div className={styles.nameCell}>
                    <span className={styles.name} title={String(row.name ?? "")}>
                      {String(row.name ?? "") || t("common.untitled")}
                    </span>
                    {/* On a phone the other columns fold into one line under the name. */}
                    <span className={styles.phoneOnly}>
                      {[region(row.address), row.released_at ? formatDate(String(row.released_at)) : ""].filter(Boolean).join(" · ")}
                    </span>
                  </div>
                ),
              },
              {
                key: "industry",
                title: columnTitle(industry, t("pools.industry"), i18n.language),
                responsive: ["md"],
                render: (_, row) => (industry ? <FieldValue field={industry} value={row.industry} /> : String(row.industry ?? "—")),
              },
              { key: "region", title: t("pools.region"), responsive: ["md"], render: (_, row) => region(row.address) || <Typography.Text type="secondary">—</Typography.Text> },
              {
                key: "released_at",
                title: columnTitle(released, t("pools.releasedAt"), i18n.language),
                responsive: ["md"],
                render: (_, row) => (row.released_at ? <span className={styles.nowrap}>{formatDateTime(String(row.released_at))}</span> : <Typography.Text type="secondary">—</Typography.Text>),
              },
              {
                key: "previous_owner",
                title: columnTitle(field("previous_owner"), t("pools.previousOwner"), i18n.language),
                responsive: ["lg"],
                render: (_, row) => (row.previous_owner ? <Person id={String(row.previous_owner)} /> : <Typography.Text type="secondary">—</Typography.Text>),
              },
              {
                key: "claim",
                title: <span className="gx-sr-only">{t("pools.actions")}</span>,
                align: "right",
                fixed: "right",
                render: (_, row) => (
                  <Button
                    type="primary"
                    size="small"
                    loading={claiming === row.id}
                    disabled={claiming !== null && claiming !== row.id}
                    onClick={() => void take(row)}
                    aria-label={t("pools.claimOne", { name: String(row.name ?? "") })}
                    data-testid="claim"
                  >
                    {t("pools.claim")}
                  </Button>
                ),
              },
            ]}
          />
          {accounts.hasNextPage && (
            <div className={styles.more}>
              <Button loading={accounts.isFetchingNextPage} onClick={() => void accounts.fetchNextPage()}>
                {t("pools.loadMore")}
              </Button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function columnTitle(field: FieldDef | undefined, fallback: string, language: string): string {
  return labelOf(field?.label, language) || fallback;
}

/** Where the account is: province and city of its address (China's order). */
function region(address: unknown): string {
  if (!address || typeof address !== "object") return "";
  const a = address as Record<string, unknown>;
  const parts = [a.province, a.city].filter((p): p is string => typeof p === "string" && p !== "");
  return [...new Set(parts)].join(" ");
}

function Person({ id }: { id: string }) {
  return <UserChip user={useKnownUser(id)} />;
}
