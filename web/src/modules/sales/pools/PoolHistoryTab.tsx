import { InboxOutlined } from "@ant-design/icons";
import { Alert, Empty, Skeleton, Table, Tag, Typography } from "antd";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { UserChip } from "../../../components/FieldValue";
import { problemMessage } from "../../../lib/api";
import type { PanelProps } from "../../../lib/extensions";
import { formatDate, formatDateTime } from "../../../lib/format";
import { useUsers } from "../../../lib/users";
import { usePoolEvents, usePools, type PoolEvent } from "./api";
import styles from "./pools.module.css";


/** 公海记录: the account's claims, releases, reclaims and warnings, newest first. */
export default function PoolHistoryTab({ record }: PanelProps) {
  const { t } = useTranslation();
  const events = usePoolEvents(record.id);
  const pools = usePools();
  const names = useMemo(() => new Map((pools.data ?? []).map((p) => [p.id, p.name])), [pools.data]);
  const rows = useMemo(() => [...(events.data ?? [])].reverse(), [events.data]);
  const users = useUsers(rows.flatMap((e) => [e.user_id, e.actor_id]));

  if (events.isLoading) return <Skeleton active paragraph={{ rows: 4 }} title={false} />;
  if (events.error) return <Alert type="error" showIcon message={problemMessage(events.error, t("common.serverError"))} />;
  if (!rows.length) return <Empty image={<InboxOutlined className={styles.emptyIcon} />} description={t("pools.noHistory")} />;

  const person = (id: string | null) => (id ? <UserChip user={users.data?.get(id)} /> : <Typography.Text type="secondary">{t("pools.system")}</Typography.Text>);
  return (
    <div className={styles.scroll} tabIndex={0} role="region" aria-label={t("pools.history")}>
      <Table<PoolEvent>
        rowKey={(e) => `${e.action}-${e.at}-${e.pool_id}`}
        dataSource={rows}
        pagination={false}
        size="small"
        columns={[
          { key: "at", title: t("pools.when"), render: (_, e) => <span className={styles.nowrap}>{formatDateTime(e.at)}</span> },
          {
            key: "action",
            title: t("pools.what"),
            render: (_, e) => (
              <Tag className={`${styles.action} ${styles[e.action] ?? ""}`}>
                {t(`pools.event.${e.action}`, { defaultValue: e.action })}
              </Tag>
            ),
          },
          { key: "pool", title: t("pools.pool"), render: (_, e) => names.get(e.pool_id) ?? <Typography.Text type="secondary">{t("pools.aPool")}</Typography.Text> },
          { key: "owner", title: t("pools.owner"), render: (_, e) => person(e.user_id) },
          { key: "actor", title: t("pools.by"), render: (_, e) => person(e.actor_id) },
          {
            key: "reason",
            title: t("pools.reason"),
            render: (_, e) =>
              e.action === "warn" && e.due_at ? (
                t("pools.dueOn", { date: formatDate(e.due_at) })
              ) : e.action === "reclaim" ? (
                t("pools.reclaimReason")
              ) : e.reason ? (
                <span className={styles.reasonText}>{e.reason}</span>
              ) : (
                <Typography.Text type="secondary">—</Typography.Text>
              ),
          },
        ]}
      />
    </div>
  );
}
