import { DeleteOutlined, NodeIndexOutlined, PlusOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Breadcrumb, Button, Empty, Popconfirm, Result, Skeleton, Space, Switch, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { ApiError, api, problemMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, useObjects } from "../../lib/meta";
import { ifMatch } from "../../lib/records";
import { hasRight, useMe } from "../../lib/session";
import { PROCESSES_KEY, useProcesses } from "./api";
import { Designer, LIST_PATH } from "./Designer";
import type { Process } from "./process";
import styles from "./approvals.module.css";

/** Settings · 审批流程: the processes, in the order submissions try them; `?process=<id>`
 * (or `new`) opens one in the designer. */
export default function ProcessesPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const me = useMe();
  const manages = hasRight(me.data, "manage_automation");
  const processes = useProcesses(manages);
  const objects = useObjects();
  const [params] = useSearchParams();
  const [switching, setSwitching] = useState<string | null>(null);
  const open = params.get("process");

  if (me.data && !manages) return <Result status="403" title={t("approvals.denied")} />;
  if (open) return <Designer id={open === "new" ? null : open} />;

  const name = (p: Process) => label(p.name, i18n.language);
  const objectName = (object: string) => label(objects.data?.find((o) => o.name === object)?.label, i18n.language) || object;

  const toggle = async (process: Process, active: boolean) => {
    setSwitching(process.id);
    try {
      await api.patch(`/approvals/processes/${process.id}`, { active }, ifMatch(process.version));
      void message.success(t(active ? "approvals.activated" : "approvals.deactivated", { name: name(process) }));
    } catch (error) {
      void message.error(error instanceof ApiError && error.status === 412 ? t("approvals.designer.stale") : problemMessage(error, t("common.serverError")));
    } finally {
      await client.invalidateQueries({ queryKey: PROCESSES_KEY });
      setSwitching(null);
    }
  };

  const remove = async (process: Process) => {
    try {
      await api.delete(`/approvals/processes/${process.id}`);
      void message.success(t("approvals.deleted", { name: name(process) }));
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      await client.invalidateQueries({ queryKey: PROCESSES_KEY });
    }
  };

  const newButton = (
    <Link to={`${LIST_PATH}?process=new`}>
      <Button type="primary" icon={<PlusOutlined />}>
        {t("approvals.new")}
      </Button>
    </Link>
  );

  return (
    <div className={styles.page}>
      <Breadcrumb items={[{ title: t("shell.settings") }, { title: t("approvals.processes") }]} />
      <div className={styles.header}>
        <Typography.Title level={2} className={styles.title}>
          {t("approvals.processes")}
        </Typography.Title>
        {newButton}
      </div>
      <Typography.Paragraph type="secondary">{t("approvals.intro")}</Typography.Paragraph>
      {processes.isLoading ? (
        <Skeleton active paragraph={{ rows: 6 }} title={false} />
      ) : processes.error ? (
        <Alert type="error" showIcon message={problemMessage(processes.error, t("common.serverError"))} />
      ) : !processes.data?.length ? (
        <Empty image={<NodeIndexOutlined className={styles.emptyIcon} />} description={t("approvals.none")}>
          {newButton}
        </Empty>
      ) : (
        <div className={styles.scroll} tabIndex={0} role="region" aria-label={t("approvals.processes")}>
          <Table<Process>
            rowKey="id"
            dataSource={processes.data}
            pagination={false}
            columns={[
              { key: "name", title: t("approvals.name"), render: (_, p) => <Link to={`${LIST_PATH}?process=${p.id}`}>{name(p)}</Link> },
              { key: "object", title: t("approvals.object"), render: (_, p) => objectName(p.object) },
              { key: "steps", title: t("approvals.steps"), render: (_, p) => t("approvals.stepCount", { count: p.steps.length }) },
              {
                key: "active",
                title: t("approvals.active"),
                render: (_, p) => <Switch size="small" checked={p.active} loading={switching === p.id} onChange={(on) => void toggle(p, on)} aria-label={t("approvals.activeOne", { name: name(p) })} />,
              },
              { key: "version", title: t("approvals.version"), render: (_, p) => `v${String(p.version)}` },
              { key: "updated", title: t("approvals.updated"), render: (_, p) => <span className={styles.muted}>{formatDateTime(p.updated_at)}</span> },
              {
                key: "actions",
                title: <span className="gx-sr-only">{t("approvals.actions")}</span>,
                align: "right",
                render: (_, p) => (
                  <Space>
                    <Link to={`${LIST_PATH}?process=${p.id}`} aria-label={t("approvals.designOne", { name: name(p) })}>
                      {t("approvals.design")}
                    </Link>
                    <Popconfirm
                      title={t("approvals.deleteConfirm", { name: name(p) })}
                      description={t("approvals.deleteHelp")}
                      okText={t("common.delete")}
                      okButtonProps={{ danger: true }}
                      cancelText={t("common.cancel")}
                      onConfirm={() => remove(p)}
                    >
                      <Button size="small" danger icon={<DeleteOutlined />} aria-label={t("approvals.deleteOne", { name: name(p) })} />
                    </Popconfirm>
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
