import { HistoryOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Skeleton, Space, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { problemMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, type ObjectDef } from "../../lib/meta";
import { useRecordNames, useRuns } from "./api";
import type { ActionOutcome, Rule, Run } from "./rules";
import styles from "./automation.module.css";

/** Solid, dark tags: Ant Design's light preset colours fail the contrast check. */
export const STATUS_COLOURS: Record<string, string | undefined> = { succeeded: "#166534", done: "#166534", failed: "#b91c1c", rolled_back: "#92400e" };

/** A rule's runs, newest first: when, on which record, with which version, and how each
 * action ended (a link to what it made; the error where it failed). */
export function RunsTab({ rule, object }: { rule: Rule; object: ObjectDef | undefined }) {
  const { t, i18n } = useTranslation();
  const runs = useRuns(rule.id);
  const names = useRecordNames(object, (runs.data?.runs ?? []).flatMap((r) => (r.record_id ? [r.record_id] : [])));
  if (runs.isLoading) return <Skeleton active paragraph={{ rows: 5 }} title={false} />;
  if (runs.error) return <Alert type="error" showIcon message={problemMessage(runs.error, t("common.serverError"))} />;
  const rows = runs.data?.runs ?? [];
  const outcome = (o: ActionOutcome) => {
    const text = `${String(o.action + 1)}. ${t(`automation.actions.${o.type}`)} · ${t(`automation.outcomes.${o.status}`, { defaultValue: o.status })}`;
    return (
      <div key={o.action} className={styles.outcome}>
        <Tag color={STATUS_COLOURS[o.status]}>{text}</Tag>
        {o.object && o.record_id && o.status === "done" && <Link to={`/o/${o.object}/${o.record_id}`}>{t("automation.openMade")}</Link>}
        {o.error && <Typography.Text type="danger">{o.error}</Typography.Text>}
      </div>
    );
  };
  return (
    <div>
      <div className={styles.runsBar}>
        <Typography.Text type="secondary">{t("automation.runsHelp")}</Typography.Text>
        <Button size="small" icon={<ReloadOutlined />} onClick={() => void runs.refetch()} loading={runs.isFetching}>
          {t("automation.refresh")}
        </Button>
      </div>
      {rows.length === 0 ? (
        <Empty image={<HistoryOutlined className={styles.emptyIcon} />} description={t("automation.noRuns")} />
      ) : (
        <div className={styles.scroll}>
          <Table<Run>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={rows}
            columns={[
              { key: "time", title: t("automation.runTime"), render: (_, r) => <span className={styles.nowrap}>{formatDateTime(r.started_at)}</span> },
              {
                key: "record",
                title: label(object?.label, i18n.language) || t("automation.record"),
                render: (_, r) => (r.record_id ? <Link to={`/o/${rule.object}/${r.record_id}`}>{names.data?.get(r.record_id) || t("automation.openRecord")}</Link> : "—"),
              },
              {
                key: "status",
                title: t("automation.outcome"),
                render: (_, r) => (
                  <Space direction="vertical" size={4}>
                    <Space size={4} wrap>
                      <Tag color={STATUS_COLOURS[r.status]}>{t(`automation.statuses.${r.status}`, { defaultValue: r.status })}</Tag>
                      <Typography.Text type="secondary">
                        {t(`automation.triggers.${r.trigger}`, { defaultValue: r.trigger })} · {t("automation.version", { n: r.version })}
                      </Typography.Text>
                    </Space>
                    {r.actions.map(outcome)}
                    {r.error && !r.actions.some((o) => o.error) && <Typography.Text type="danger">{r.error}</Typography.Text>}
                  </Space>
                ),
              },
            ]}
          />
        </div>
      )}
    </div>
  );
}
