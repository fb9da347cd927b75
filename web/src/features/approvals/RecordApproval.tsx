/** On every record page: "Submit for approval" when an active process would take the
 * record, and a banner for its latest request — who holds it, the decision for an
 * approver, recall for the submitter, and the trail. */
import { AuditOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, Modal, Radio, Space } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { ApiError, api, problemMessage } from "../../lib/api";
import type { NoticeProps, PanelProps } from "../../lib/extensions";
import { formatDateTime } from "../../lib/format";
import { label } from "../../lib/meta";
import { recordsKey } from "../../lib/records";
import { useMe } from "../../lib/session";
import { APPROVALS_KEY, useRecordApproval, useSubmittable } from "./api";
import { DecisionButtons, RequestDrawer } from "./RequestDrawer";
import styles from "./approvals.module.css";

export function SubmitForApproval({ object, record, mayUpdate }: PanelProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const processes = useSubmittable(object.name, record.id, mayUpdate);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string[]>([]);
  const [form] = Form.useForm<{ process_id: string; comment?: string }>();
  const list = processes.data ?? [];
  if (!mayUpdate || !list.length) return null;

  const submit = async (values: { process_id: string; comment?: string }) => {
    setBusy(true);
    setRefusal([]);
    try {
      await api.post(`/records/${object.name}/${record.id}/approval`, { process_id: values.process_id, comment: values.comment?.trim() || undefined });
      void message.success(t("approvals.submit.done"));
      setOpen(false);
      void client.invalidateQueries({ queryKey: APPROVALS_KEY });
      void client.invalidateQueries({ queryKey: recordsKey(object.name) });
    } catch (error) {
      setRefusal(error instanceof ApiError && error.problem.errors?.length ? error.problem.errors.map((e) => e.message) : [problemMessage(error, t("common.serverError"))]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button icon={<AuditOutlined />} onClick={() => setOpen(true)}>
        {t("approvals.submit.action")}
      </Button>
      <Modal
        open={open}
        title={t("approvals.submit.title")}
        okText={t("approvals.submit.ok")}
        okButtonProps={{ loading: busy }}
        cancelText={t("common.cancel")}
        onOk={() => form.submit()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ process_id: list[0]?.id }} onFinish={(v) => void submit(v)}>
          <Form.Item name="process_id" label={t("approvals.submit.process")}>
            <Radio.Group>
              <Space direction="vertical">
                {list.map((p) => (
                  <Radio key={p.id} value={p.id}>
                    {label(p.name, i18n.language)}
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="comment" label={t("approvals.decide.comment")}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={2000} />
          </Form.Item>
          {refusal.length > 0 && <Alert type="error" showIcon message={t("approvals.submit.refused")} description={refusal.join(" ")} />}
        </Form>
      </Modal>
    </>
  );
}

export function ApprovalNotice({ object, record }: NoticeProps) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const latest = useRecordApproval(object.name, record.id);
  const [trail, setTrail] = useState(false);
  const request = latest.data;
  if (!request) return null;
  const step = request.steps.find((s) => s.index === request.step);
  const holders = request.tasks.filter((task) => task.step === request.step && task.state === "pending").map((task) => task.approver);
  const mine = holders.some((h) => h.id === me.data?.id);
  const pending = request.state === "pending";
  const text = pending
    ? t("approvals.notice.pending", {
        step: step ? label(step.name, i18n.language) : "",
        who: holders.map((h) => h.name).join(t("approvals.separator")),
        by: request.submitted_by?.name ?? "",
      })
    : t(`approvals.notice.${request.state}`, { at: formatDateTime(request.decided_at ?? request.submitted_at) });
  return (
    <>
      <Alert
        className={styles.notice}
        type={pending ? "warning" : request.state === "approved" ? "success" : "info"}
        showIcon
        role="status"
        message={text}
        description={pending ? t("approvals.notice.locked") : undefined}
        action={
          <Space wrap>
            {pending && mine && (
              <Link to={`/approvals?request=${request.id}`}>
                <Button size="small" type="primary">
                  {t("approvals.notice.decide")}
                </Button>
              </Link>
            )}
            {pending && request.submitted_by?.id === me.data?.id && <DecisionButtons request={request} only={["recall"]} small />}
            <Button size="small" onClick={() => setTrail(true)}>
              {t("approvals.notice.trail")}
            </Button>
          </Space>
        }
      />
      <RequestDrawer id={trail ? request.id : null} onClose={() => setTrail(false)} />
    </>
  );
}
