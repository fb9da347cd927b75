import { AuditOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Skeleton, Table, Tabs, Tag, Typography, type TableColumnsType } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { problemMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, useObjects, type Label } from "../../lib/meta";
import { useMe } from "../../lib/session";
import { useInbox, useSubmitted, type InboxItem, type SubmittedItem } from "./api";
import { DelegationCard } from "./DelegationCard";
import { RequestDrawer, StateTag } from "./RequestDrawer";
import styles from "./approvals.module.css";

function List<T extends { id: string }>({ query, columns, empty, caption }: { query: { isLoading: boolean; error: unknown; data?: T[] }; columns: TableColumnsType<T>; empty: string; caption: string }) {
  const { t } = useTranslation();
  if (query.isLoading) return <Skeleton active paragraph={{ rows: 5 }} title={false} />;
  if (query.error) return <Alert type="error" showIcon message={problemMessage(query.error, t("common.serverError"))} />;
  if (!query.data?.length) return <Empty image={<AuditOutlined className={styles.emptyIcon} />} description={empty} />;
  return (
    <div className={styles.scroll} tabIndex={0} role="region" aria-label={caption}>
      <Table<T> rowKey="id" dataSource={query.data} columns={columns} pagination={false} size="middle" />
    </div>
  );
}

/** 我的审批: the decisions awaiting the user, and the requests they submitted; a request
 * opens in a drawer (`?request=<id>`) with its trail and what the user may do. */
export default function InboxPage() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const inbox = useInbox();
  const submitted = useSubmitted();
  const objects = useObjects();
  const me = useMe();
  const tab = params.get("tab") === "submitted" ? "submitted" : "to_approve";
  const open = params.get("request");
  const setParam = (key: string, value: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });
  const objectName = (item: { object: string; object_label: Label | null }) =>
    label(item.object_label ?? objects.data?.find((o) => o.name === item.object)?.label, i18n.language) || item.object;
  const record = (item: { object: string; record: { id: string; name: string | null } }) => <Link to={`/o/${item.object}/${item.record.id}`}>{item.record.name ?? t("common.untitled")}</Link>;
  const openButton = (id: string, name: string | null) => (
    <Button size="small" onClick={() => setParam("request", id)} aria-label={t("approvals.inbox.openOne", { name: name ?? "" })}>
      {t("approvals.inbox.open")}
    </Button>
  );

  const toApprove: TableColumnsType<InboxItem> = [
    { key: "record", title: t("approvals.inbox.record"), render: (_, item) => record(item) },
    { key: "object", title: t("approvals.object"), responsive: ["md"], render: (_, item) => objectName(item) },
    {
      key: "step",
      title: t("approvals.inbox.step"),
      render: (_, item) => (
        <>
          {label(item.step.name, i18n.language)} <Tag>{t(`approvals.mode.${item.step.mode}`)}</Tag>
          {item.original_approver?.name && item.original_approver.id !== me.data?.id && (
            <Typography.Text type="secondary" className={styles.forWhom}>
              {t("approvals.trail.forWhom", { name: item.original_approver.name })}
            </Typography.Text>
          )}
        </>
      ),
    },
    { key: "submitter", title: t("approvals.submittedBy"), render: (_, item) => item.submitted_by?.name ?? "—" },
    { key: "at", title: t("approvals.inbox.submittedAt"), responsive: ["md"], render: (_, item) => <span className={styles.muted}>{formatDateTime(item.submitted_at)}</span> },
    { key: "open", title: <span className="gx-sr-only">{t("approvals.actions")}</span>, align: "right", render: (_, item) => openButton(item.id, item.record.name) },
  ];
  const mine: TableColumnsType<SubmittedItem> = [
    { key: "record", title: t("approvals.inbox.record"), render: (_, item) => record(item) },
    { key: "object", title: t("approvals.object"), responsive: ["md"], render: (_, item) => objectName(item) },
    { key: "state", title: t("approvals.request.state"), render: (_, item) => <StateTag state={item.state} /> },
    {
      key: "step",
      title: t("approvals.inbox.waitingOn"),
      render: (_, item) => (item.step ? `${label(item.step.name, i18n.language)} · ${item.approvers.map((p) => p.name).join(t("approvals.separator"))}` : "—"),
    },
    { key: "at", title: t("approvals.inbox.submittedAt"), responsive: ["md"], render: (_, item) => <span className={styles.muted}>{formatDateTime(item.submitted_at)}</span> },
    { key: "open", title: <span className="gx-sr-only">{t("approvals.actions")}</span>, align: "right", render: (_, item) => openButton(item.id, item.record.name) },
  ];

  return (
    <div className={styles.page}>
      <Typography.Title level={2} className={styles.title}>
        {t("approvals.inbox.title")}
      </Typography.Title>
      <DelegationCard />
      <Tabs
        activeKey={tab}
        onChange={(key) => setParam("tab", key === "submitted" ? "submitted" : null)}
        items={[
          {
            key: "to_approve",
            label: inbox.data?.length ? t("approvals.inbox.toApproveCount", { count: inbox.data.length }) : t("approvals.inbox.toApprove"),
            children: <List query={inbox} columns={toApprove} empty={t("approvals.inbox.noneToApprove")} caption={t("approvals.inbox.toApprove")} />,
          },
          {
            key: "submitted",
            label: t("approvals.inbox.submitted"),
            children: <List query={submitted} columns={mine} empty={t("approvals.inbox.noneSubmitted")} caption={t("approvals.inbox.submitted")} />,
          },
        ]}
      />
      <RequestDrawer id={open} onClose={() => setParam("request", null)} />
    </div>
  );
}
