import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, Modal, Select } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, ApiError, problemMessage } from "../../../lib/api";
import type { ActionDialogProps } from "../../../lib/extensions";
import { recordsKey } from "../../../lib/records";
import { poolAccountsKey, poolEventsKey, release, usePools } from "./api";
import styles from "./pools.module.css";

interface Values {
  pool: string | null;
  reason: string;
}

/** Reasons reps give most often, one click each; any other is typed. */
const QUICK_REASONS = ["noNeed", "unreachable", "noBudget", "competitor"] as const;

/** 退回公海: the owner (or a manager who may change the owner) returns the account to a
 * pool, saying why. The account then has no owner; whoever no longer sees it leaves it. */
export default function ReleaseDialog({ record, onClose }: ActionDialogProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const pools = usePools();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const name = String(record.name ?? "");
  const list = pools.data ?? [];
  // The server's own choice when none is given: the pool it came from, else the default.
  const cameFrom = list.find((p) => p.id === record.pool) ?? list.find((p) => p.default);

  const submit = async (values: Values) => {
    setBusy(true);
    setProblem(null);
    try {
      const done = await release(record.id, values.pool, values.reason ?? "");
      const pool = typeof done.pool === "string" ? done.pool : values.pool;
      void message.success(t("pools.released", { name, pool: list.find((p) => p.id === pool)?.name ?? t("pools.aPool") }));
      onClose();
      // Once in the pool the account may be out of the user's sight: then they go to the
      // pool (a member sees it there), else to the accounts list, before the record page
      // reloads into "not found".
      const visible = await api.get(`/records/account/${record.id}?fields=name`).then(
        () => true,
        (error: unknown) => !(error instanceof ApiError && error.status === 404),
      );
      if (!visible) navigate(list.some((p) => p.id === pool) && pool ? `/sales/pools?pool=${pool}` : "/o/account");
      void client.invalidateQueries({ queryKey: recordsKey("account") });
      void client.invalidateQueries({ queryKey: poolEventsKey(record.id) });
      if (pool) void client.invalidateQueries({ queryKey: poolAccountsKey(pool) });
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.some((e) => e.field === "pool_id")) {
        form.setFields([{ name: "pool", errors: [error.problem.errors.find((e) => e.field === "pool_id")?.message ?? error.message] }]);
      } else if (error instanceof ApiError && error.problem.errors?.some((e) => e.field === "reason")) {
        form.setFields([{ name: "reason", errors: [error.problem.errors.find((e) => e.field === "reason")?.message ?? error.message] }]);
      } else {
        setProblem(problemMessage(error, t("common.serverError")));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t("pools.releaseTitle", { name })} onCancel={onClose} footer={null} width={520} destroyOnHidden>
      <Form<Values> form={form} layout="vertical" disabled={busy} onFinish={(v) => void submit(v)} initialValues={{ pool: cameFrom?.id ?? null, reason: "" }}>
        {problem && <Alert type="error" showIcon role="alert" className={styles.gap} message={t("pools.notReleased")} description={problem} />}
        <Form.Item name="pool" label={t("pools.releaseTo")} extra={list.length ? undefined : t("pools.releaseToDefault")}>
          <Select
            allowClear
            loading={pools.isLoading}
            placeholder={t("pools.releaseToDefault")}
            options={list.map((p) => ({ value: p.id, label: p.default ? `${p.name} (${t("pools.defaultTag")})` : p.name }))}
          />
        </Form.Item>
        <Form.Item name="reason" label={t("pools.reason")} rules={[{ max: 500, message: t("pools.reasonTooLong") }]}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={500} />
        </Form.Item>
        <div className={styles.quick} role="group" aria-label={t("pools.quickReasons")}>
          {QUICK_REASONS.map((key) => (
            <Button key={key} size="small" onClick={() => form.setFieldValue("reason", t(`pools.quickReason.${key}`))}>
              {t(`pools.quickReason.${key}`)}
            </Button>
          ))}
        </div>
        <Alert type="info" showIcon className={styles.gap} message={t("pools.releaseHint")} />
        <div className={styles.footer}>
          <Button onClick={onClose} disabled={false}>
            {t("common.cancel")}
          </Button>
          <Button type="primary" danger htmlType="submit" loading={busy}>
            {t("pools.release")}
          </Button>
        </div>
      </Form>
    </Modal>
  );
}
