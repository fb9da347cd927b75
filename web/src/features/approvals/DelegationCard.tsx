/** 休假委托: who decides the user's approvals while they are away
 * (`/api/v1/approvals/delegation`). Decisions that become the user's in that time go to
 * the delegate, who may also decide those already waiting; the trail names both. */
import { UserSwitchOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, DatePicker, Form, Modal, Space, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { UserSelect } from "../../components/UserSelect";
import { ApiError, api, problemMessage } from "../../lib/api";
import { formatDate } from "../../lib/format";
import { APPROVALS_KEY, type Person } from "./api";
import styles from "./approvals.module.css";

interface Delegation {
  user: Person;
  delegate: Person;
  starts_at: string;
  ends_at: string;
  active: boolean;
}

interface Values {
  delegate: string | null;
  range: [Dayjs, Dayjs] | null;
}

const DELEGATION_KEY = [...APPROVALS_KEY, "delegation"];
const PATH = "/approvals/delegation";

/** The request body: whole days, from the first day's start to the last day's end, in
 * the browser's time zone (the server keeps instants). */
export function delegationBody(delegate: string, range: [Dayjs, Dayjs]) {
  return { delegate_id: delegate, starts_at: range[0].startOf("day").toISOString(), ends_at: range[1].endOf("day").toISOString() };
}

export function DelegationCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const current = useQuery({ queryKey: DELEGATION_KEY, queryFn: ({ signal }) => api.get<{ delegation: Delegation | null }>(PATH, signal) });
  const [form] = Form.useForm<Values>();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const delegation = current.data?.delegation ?? null;

  const changed = async () => {
    await client.invalidateQueries({ queryKey: APPROVALS_KEY });
  };
  const save = async ({ delegate, range }: Values) => {
    if (!delegate || !range) return;
    setBusy(true);
    setProblem(null);
    try {
      await api.put(PATH, delegationBody(delegate, range));
      await changed();
      setOpen(false);
      void message.success(t("approvals.delegation.saved"));
    } catch (error) {
      const byField = error instanceof ApiError ? error.fieldErrors() : {};
      const onRange = [byField.starts_at, byField.ends_at].filter((m): m is string => !!m);
      form.setFields([
        { name: "delegate", errors: byField.delegate_id ? [byField.delegate_id] : [] },
        { name: "range", errors: onRange },
      ]);
      if (!byField.delegate_id && !onRange.length) setProblem(problemMessage(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };
  const cancel = async () => {
    try {
      await api.delete(PATH);
      await changed();
      void message.success(t("approvals.delegation.cancelled"));
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    }
  };

  return (
    <div className={styles.delegation} role="region" aria-label={t("approvals.delegation.title")}>
      <Space wrap>
        <UserSwitchOutlined aria-hidden />
        {delegation ? (
          <>
            <Typography.Text>
              {t("approvals.delegation.current", { name: delegation.delegate.name ?? "—", from: formatDate(delegation.starts_at), to: formatDate(delegation.ends_at) })}
            </Typography.Text>
            <Tag color={delegation.active ? "green" : "gold"} className={styles[delegation.active ? "state_approved" : "state_pending"]}>{t(delegation.active ? "approvals.delegation.active" : "approvals.delegation.planned")}</Tag>
            <Button size="small" onClick={() => void cancel()}>
              {t("approvals.delegation.cancel")}
            </Button>
          </>
        ) : (
          <Typography.Text type="secondary">{t("approvals.delegation.none")}</Typography.Text>
        )}
        <Button
          size="small"
          type={delegation ? "default" : "primary"}
          ghost={!delegation}
          onClick={() => {
            form.resetFields();
            setProblem(null);
            setOpen(true);
          }}
        >
          {t(delegation ? "approvals.delegation.change" : "approvals.delegation.set")}
        </Button>
      </Space>
      <Modal
        open={open}
        title={t("approvals.delegation.title")}
        okText={t("approvals.delegation.save")}
        cancelText={t("common.cancel")}
        confirmLoading={busy}
        onOk={() => form.submit()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t("approvals.delegation.hint")}</Typography.Paragraph>
        {problem && <Alert type="error" showIcon message={problem} className={styles.gap} />}
        <Form<Values> form={form} layout="vertical" onFinish={(values) => void save(values)} disabled={busy}>
          <Form.Item name="delegate" label={t("approvals.delegation.delegate")} rules={[{ required: true, message: t("approvals.delegation.delegateRequired") }]}>
            <UserSelect aria-label={t("approvals.delegation.delegate")} />
          </Form.Item>
          <Form.Item name="range" label={t("approvals.delegation.dates")} rules={[{ required: true, message: t("approvals.delegation.datesRequired") }]}>
            <DatePicker.RangePicker className={styles.wide} placeholder={[t("approvals.delegation.from"), t("approvals.delegation.to")]} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
