import { CheckOutlined, CloseOutlined, PaperClipOutlined, RollbackOutlined, SwapOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Descriptions, Drawer, Form, Grid, Input, Modal, Radio, Skeleton, Space, Steps, Tag, Timeline, Typography, Upload, type UploadFile } from "antd";
import type { TFunction } from "i18next";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { UserSelect } from "../../components/UserSelect";
import { ApiError, api, fileUrl, problemMessage, upload, type StoredFile } from "../../lib/api";
import { formatDateTime, formatSize } from "../../lib/format";
import { label, useObjects } from "../../lib/meta";
import { recordsKey } from "../../lib/records";
import { useMe } from "../../lib/session";
import { APPROVALS_KEY, useRequest, type ApprovalRequest, type RequestState, type TrailEntry, type TrailFile } from "./api";
import styles from "./approvals.module.css";
import { chosenFiles, fileProblems } from "./request";

const STATE_COLORS: Record<RequestState, string> = { pending: "gold", approved: "green", rejected: "red", recalled: "default" };

/** A request's state as a tag, its text dark enough on Ant's light tag colours (WCAG AA). */
export function StateTag({ state }: { state: RequestState }) {
  const { t } = useTranslation();
  return (
    <Tag color={STATE_COLORS[state]} className={styles[`state_${state}`]}>
      {t(`approvals.state.${state}`)}
    </Tag>
  );
}

export type Decision = "approve" | "reject" | "reassign" | "recall";

/** What the signed-in user may do with a request now. */
export function mayDo(request: ApprovalRequest, me: string | undefined): Decision[] {
  if (request.state !== "pending" || !me) return [];
  const out: Decision[] = [];
  const mine = request.tasks.some((task) => task.step === request.step && task.state === "pending" && task.approver.id === me);
  if (mine) out.push("approve", "reject", "reassign");
  if (request.submitted_by?.id === me) out.push("recall");
  return out;
}

/** One trail entry in words: who did what (for whom, when acting for someone else). */
export function trailText(entry: TrailEntry, t: TFunction, language: string): string {
  const actor = entry.actor?.name ?? t("approvals.trail.system");
  const step = entry.step ? label(entry.step.name, language) : "";
  const base = t(`approvals.trail.actions.${entry.action}`, { actor, step, to: entry.to_user?.name ?? "", from: entry.original_approver?.name ?? "", defaultValue: entry.action });
  // Who the step named shows when someone acted for them (a reassignment and a delegation
  // say it themselves).
  const forWhom = entry.original_approver && entry.original_approver.id !== entry.actor?.id && !["reassigned", "delegated"].includes(entry.action) ? t("approvals.trail.forWhom", { name: entry.original_approver.name ?? "" }) : "";
  const back = entry.to_step !== undefined ? t("approvals.trail.backTo", { n: entry.to_step + 1 }) : "";
  return [base, forWhom, back].filter(Boolean).join(" ");
}

/** The files on a trail entry as download links with their sizes; a file deleted since
 * keeps its name, struck through. */
function TrailFiles({ files }: { files: TrailFile[] }) {
  const { t } = useTranslation();
  return (
    <ul className={styles.trailFiles} aria-label={t("approvals.trail.files")}>
      {files.map(({ id, file }) => (
        <li key={id}>
          <PaperClipOutlined aria-hidden />{" "}
          {file.size === null ? (
            <Typography.Text delete type="secondary" title={t("approvals.trail.fileGone")}>
              {file.name}
            </Typography.Text>
          ) : (
            <>
              <a href={fileUrl(file.id)} target="_blank" rel="noreferrer">
                {file.name}
              </a>{" "}
              <Typography.Text type="secondary">{formatSize(file.size)}</Typography.Text>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

export function Trail({ request }: { request: ApprovalRequest }) {
  const { t, i18n } = useTranslation();
  return (
    <Timeline
      className={styles.trail}
      items={request.trail.map((entry, index) => ({
        key: index,
        color: entry.action === "rejected" || entry.action === "request_rejected" ? "red" : entry.action.includes("approved") ? "green" : "blue",
        children: (
          <div data-trail={entry.action}>
            <div>{trailText(entry, t, i18n.language)}</div>
            <Typography.Text type="secondary" className={styles.trailTime}>
              {formatDateTime(entry.at)}
            </Typography.Text>
            {entry.comment && <div className={styles.comment}>“{entry.comment}”</div>}
            {entry.attachments?.length ? <TrailFiles files={entry.attachments} /> : null}
          </div>
        ),
      }))}
    />
  );
}

/** Approve, reject (to the submitter or an earlier step), reassign or recall, each with
 * its comment (required to reject) and files, uploaded as they are chosen and sent by id. */
function DecisionDialog({ request, decision, onClose }: { request: ApprovalRequest; decision: Decision | null; onClose: (done: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ comment?: string; to_step?: number | "submitter"; to?: string | null }>();
  const [busy, setBusy] = useState(false);
  const [files, setFiles] = useState<UploadFile<StoredFile>[]>([]);
  // The server's refusals of files, as "name: why" lines under the upload.
  const [refused, setRefused] = useState<string[]>([]);
  const earlier = request.steps.filter((s) => request.step !== null && s.index < request.step);

  const submit = async (values: { comment?: string; to_step?: number | "submitter"; to?: string | null }) => {
    if (!decision) return;
    const chosen = chosenFiles(files);
    if (chosen.uploading || chosen.failed) {
      void message.warning(t(chosen.uploading ? "approvals.decide.stillUploading" : "approvals.decide.removeFailed"));
      return;
    }
    setBusy(true);
    setRefused([]);
    const comment = values.comment?.trim() || undefined;
    const attached = chosen.ids.length ? { attachment_ids: chosen.ids } : {};
    const body =
      decision === "reject"
        ? { comment, ...attached, ...(typeof values.to_step === "number" ? { to_step: values.to_step } : {}) }
        : decision === "reassign"
          ? { comment, ...attached, to: values.to }
          : { comment, ...attached };
    try {
      await api.post(`/approvals/${request.id}/${decision}`, body);
      void message.success(t(`approvals.done.${decision}`));
      form.resetFields();
      setFiles([]);
      onClose(true);
    } catch (error) {
      const { byFile, rest } = fileProblems(error instanceof ApiError ? (error.problem.errors ?? []) : [], chosen.sent);
      if (byFile.size) {
        // Each refused file turns red with the reason; removing it clears the way.
        setFiles((now) => now.map((f) => (byFile.has(f.uid) ? { ...f, status: "error", error: new Error(byFile.get(f.uid)) } : f)));
        setRefused([...byFile.values()]);
      }
      if (!byFile.size || rest.length) void message.error(rest.length ? rest.map((p) => p.message).join(" ") : problemMessage(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={decision !== null}
      title={decision ? t(`approvals.decide.${decision}Title`) : ""}
      okText={decision ? t(`approvals.decide.${decision}`) : ""}
      okButtonProps={{ loading: busy, danger: decision === "reject" }}
      cancelText={t("common.cancel")}
      onOk={() => form.submit()}
      onCancel={() => {
        setFiles([]);
        setRefused([]);
        onClose(false);
      }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ to_step: "submitter" }}>
        {decision === "reject" && earlier.length > 0 && (
          <Form.Item name="to_step" label={t("approvals.decide.sendTo")}>
            <Radio.Group>
              <Space direction="vertical">
                <Radio value="submitter">{t("approvals.decide.toSubmitter")}</Radio>
                {earlier.map((s) => (
                  <Radio key={s.index} value={s.index}>
                    {t("approvals.decide.toStep", { n: s.index + 1, name: label(s.name, i18n.language) })}
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          </Form.Item>
        )}
        {decision === "reassign" && (
          <Form.Item name="to" label={t("approvals.decide.reassignTo")} rules={[{ required: true, message: t("approvals.decide.reassignRequired") }]}>
            <UserSelect aria-label={t("approvals.decide.reassignTo")} />
          </Form.Item>
        )}
        <Form.Item
          name="comment"
          label={t("approvals.decide.comment")}
          rules={decision === "reject" ? [{ required: true, whitespace: true, message: t("approvals.decide.commentRequired") }] : []}
        >
          <Input.TextArea autoSize={{ minRows: 3, maxRows: 8 }} maxLength={2000} />
        </Form.Item>
        <Form.Item label={t("approvals.decide.files")} extra={t("approvals.decide.filesHint")} validateStatus={refused.length ? "error" : undefined} help={refused.length ? refused.map((line) => <div key={line}>{line}</div>) : undefined}>
          <Upload<StoredFile>
            multiple
            fileList={files}
            onChange={({ fileList }) => {
              setFiles(fileList);
              setRefused((now) => now.filter((line) => fileList.some((f) => f.status === "error" && f.error instanceof Error && f.error.message === line)));
            }}
            customRequest={({ file, onProgress, onSuccess, onError }) => {
              upload<StoredFile>(file as File, "/files", (percent) => onProgress?.({ percent }))
                .then((stored) => onSuccess?.(stored))
                .catch((error: unknown) => onError?.(new Error(problemMessage(error, t("attachments.failed")))));
            }}
          >
            <Button icon={<PaperClipOutlined />}>{t("approvals.decide.attach")}</Button>
          </Upload>
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The actions the user may take on a request, as buttons opening the decision dialog. */
export function DecisionButtons({ request, only, small }: { request: ApprovalRequest; only?: Decision[]; small?: boolean }) {
  const { t } = useTranslation();
  const me = useMe();
  const client = useQueryClient();
  const [decision, setDecision] = useState<Decision | null>(null);
  const allowed = mayDo(request, me.data?.id).filter((d) => !only || only.includes(d));
  if (!allowed.length) return null;
  const icons: Record<Decision, ReactNode> = { approve: <CheckOutlined />, reject: <CloseOutlined />, reassign: <SwapOutlined />, recall: <RollbackOutlined /> };
  return (
    <>
      <Space wrap>
        {allowed.map((d) => (
          <Button key={d} size={small ? "small" : "middle"} type={d === "approve" ? "primary" : "default"} danger={d === "reject"} icon={icons[d]} onClick={() => setDecision(d)}>
            {t(`approvals.decide.${d}`)}
          </Button>
        ))}
      </Space>
      <DecisionDialog
        request={request}
        decision={decision}
        onClose={(done) => {
          setDecision(null);
          if (done) {
            // The inbox, the record's banner and the record with its timeline (unlocked,
            // or changed by the process's final actions) all follow.
            void client.invalidateQueries({ queryKey: APPROVALS_KEY });
            void client.invalidateQueries({ queryKey: recordsKey(request.object) });
          }
        }}
      />
    </>
  );
}

/** A request: the record, where it stands, every step's approvers, the trail, and what the
 * user may do now. */
export function RequestDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const phone = Grid.useBreakpoint().md === false;
  const request = useRequest(id);
  const objects = useObjects();
  const data = request.data;
  const object = objects.data?.find((o) => o.name === data?.object);
  return (
    <Drawer open={id !== null} onClose={onClose} width={phone ? "100%" : 560} title={t("approvals.request.title")} destroyOnHidden extra={data ? <DecisionButtons request={data} /> : null}>
      {request.isLoading ? (
        <Skeleton active />
      ) : request.error || !data ? (
        <Alert type="error" showIcon message={problemMessage(request.error, t("common.serverError"))} />
      ) : (
        <>
          <Descriptions column={1} size="small" className={styles.requestFacts}>
            <Descriptions.Item label={t("approvals.object")}>{label(data.object_label ?? object?.label, i18n.language) || data.object}</Descriptions.Item>
            <Descriptions.Item label={t("approvals.request.record")}>
              <Link to={`/o/${data.object}/${data.record_id}`}>
                {data.record_name ?? t("approvals.request.open")}
              </Link>
            </Descriptions.Item>
            <Descriptions.Item label={t("approvals.request.state")}>
              <StateTag state={data.state} />
            </Descriptions.Item>
            <Descriptions.Item label={t("approvals.submittedBy")}>
              {data.submitted_by?.name} · {formatDateTime(data.submitted_at)}
            </Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5}>{t("approvals.request.steps")}</Typography.Title>
          <Steps
            direction="vertical"
            size="small"
            current={Math.max(0, data.steps.findIndex((s) => s.index === data.step))}
            status={data.state === "rejected" ? "error" : data.state === "approved" ? "finish" : data.state === "recalled" ? "wait" : "process"}
            items={data.steps.map((s) => ({
              title: label(s.name, i18n.language),
              description: data.tasks
                .filter((task) => task.step === s.index)
                .map((task) => [task.approver.name ?? "", task.approver.id !== task.original_approver.id ? t("approvals.trail.forWhom", { name: task.original_approver.name ?? "" }) : "", t(`approvals.task.${task.state}`)].filter(Boolean).join(" · "))
                .join("; ") || s.approvers.map((p) => p.name).join(t("approvals.separator")),
            }))}
          />
          <Typography.Title level={5}>{t("approvals.request.trail")}</Typography.Title>
          <Trail request={data} />
        </>
      )}
    </Drawer>
  );
}
