import { CheckOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Breadcrumb, Button, Empty, Result, Skeleton, Space, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { ApiError, api, problemMessage } from "../../lib/api";
import { label, useObjects } from "../../lib/meta";
import { ifMatch } from "../../lib/records";
import { hasRight, useMe } from "../../lib/session";
import { useUsers } from "../../lib/users";
import { useRoles } from "../admin/api";
import { PROCESSES_KEY, useProcess } from "./api";
import { FlowCanvas } from "./FlowCanvas";
import { ProcessPanel, StepPanel } from "./Panels";
import {
  checkDraft,
  insertStep,
  moveStep,
  newStep,
  placeServerErrors,
  processBody,
  processDraft,
  removeStep,
  replaceStep,
  stepProblems,
  type Process,
  type ProcessDraft,
  type Problem,
  type StepDraft,
} from "./process";
import styles from "./approvals.module.css";

export const LIST_PATH = "/settings/approval-processes";

/** The designer of one process (`id`) or a new one (null), loaded first. */
export function Designer({ id }: { id: string | null }) {
  const { t } = useTranslation();
  const found = useProcess(id);
  if (id && found.isLoading) return <Skeleton active paragraph={{ rows: 12 }} />;
  if (id && (found.error || !found.data)) {
    return <Result status={found.error instanceof ApiError && found.error.status === 404 ? "404" : "error"} title={problemMessage(found.error, t("common.serverError"))} extra={<Link to={LIST_PATH}>{t("common.back")}</Link>} />;
  }
  return <DesignerView key={`${id ?? "new"}:${String(found.data?.version ?? 0)}`} process={found.data ?? null} />;
}

function DesignerView({ process }: { process: Process | null }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const me = useMe();
  const objects = useObjects();
  const roles = useRoles(hasRight(me.data, "manage_users"));
  const [draft, setDraft] = useState<ProcessDraft>(() => {
    const made = processDraft(process);
    return made.steps.length ? made : { ...made, steps: [newStep(0)] };
  });
  const [selected, setSelected] = useState<string | null>(draft.steps[0]?.key ?? null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const [stale, setStale] = useState(false);
  const [saved, setSaved] = useState<Process | null>(process);
  const creating = saved === null;
  const object = objects.data?.find((o) => o.name === draft.object);

  const userIds = draft.steps.flatMap((s) => s.approvers.flatMap((a) => (a.type === "user" && a.id ? [a.id] : [])));
  const users = useUsers(userIds);
  const names = useMemo(
    () => ({
      users: new Map([...(users.data?.values() ?? [])].map((u) => [u.id, u.name])),
      roles: new Map((roles.data ?? []).map((r) => [r.id, r.name])),
    }),
    [users.data, roles.data],
  );
  const perStep = useMemo(() => {
    const counts = new Map<string, number>();
    for (const p of problems) if (p.step) counts.set(p.step, (counts.get(p.step) ?? 0) + 1);
    return counts;
  }, [problems]);

  // Editing a part clears what was said about it; the rest stays until the next publish.
  const change = (next: ProcessDraft, cleared: (p: Problem) => boolean) => {
    setDraft(next);
    setProblems((current) => current.filter((p) => !cleared(p)));
  };
  const changeStep = (key: string, part: Partial<StepDraft>) =>
    change({ ...draft, steps: replaceStep(draft.steps, key, part) }, (p) => p.step === key && Object.keys(part).some((k) => k === p.field || (k.startsWith("name") && p.field === "name")));
  const steps = draft.steps;
  const current = steps.find((s) => s.key === selected) ?? null;
  const currentIndex = current ? steps.indexOf(current) : -1;

  const canvasActions = {
    object,
    names,
    insert: (index: number) => {
      const step = newStep(index);
      change({ ...draft, steps: insertStep(steps, index, step) }, (p) => p.field === "steps" && p.step === null);
      setSelected(step.key);
    },
    move: (key: string, index: number) => setDraft({ ...draft, steps: moveStep(steps, key, index) }),
    remove: (key: string) => {
      change({ ...draft, steps: removeStep(steps, key) }, (p) => p.step === key);
      if (selected === key) setSelected(null);
    },
    select: setSelected,
  };

  const publish = async () => {
    const found = checkDraft(draft);
    setProblems(found);
    setStale(false);
    if (found.length) {
      const first = found.find((p) => p.step);
      if (first?.step) setSelected(first.step);
      void message.error(t("approvals.designer.fixFirst", { count: found.length }));
      return;
    }
    setBusy(true);
    try {
      const body = processBody(draft, creating);
      const answer = creating ? await api.post<Process>("/approvals/processes", body) : await api.patch<Process>(`/approvals/processes/${saved.id}`, body, ifMatch(saved.version));
      setSaved(answer);
      client.setQueryData([...PROCESSES_KEY, answer.id], answer);
      void client.invalidateQueries({ queryKey: PROCESSES_KEY, exact: true });
      void message.success(t(creating ? "approvals.designer.created" : "approvals.designer.published", { name: label(answer.name, i18n.language), version: answer.version }));
      if (creating) navigate(`${LIST_PATH}?process=${answer.id}`, { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        setStale(true);
      } else if (error instanceof ApiError && error.problem.errors?.length) {
        const placed = placeServerErrors(error.problem.errors, steps);
        setProblems(placed);
        const first = placed.find((p) => p.step);
        if (first?.step) setSelected(first.step);
        void message.error(t("approvals.designer.refused", { count: placed.length }));
      } else {
        void message.error(problemMessage(error, t("common.serverError")));
      }
    } finally {
      setBusy(false);
    }
  };

  const processProblems = new Map<string, Problem[]>();
  for (const p of problems.filter((x) => !x.step)) processProblems.set(p.field, [...(processProblems.get(p.field) ?? []), p]);
  const title = label({ "zh-CN": draft.name_zh, en: draft.name_en }, i18n.language) || t("approvals.designer.newTitle");

  return (
    <div className={styles.designerPage}>
      <Breadcrumb items={[{ title: t("shell.settings") }, { title: <Link to={LIST_PATH}>{t("approvals.processes")}</Link> }, { title }]} />
      <div className={styles.designerHeader}>
        <div>
          <Typography.Title level={2} className={styles.title}>
            {title}
          </Typography.Title>
          <Typography.Text type="secondary">{saved ? t("approvals.designer.version", { version: saved.version }) : t("approvals.designer.draft")}</Typography.Text>
        </div>
        <Space>
          <Link to={LIST_PATH}>
            <Button>{t("common.back")}</Button>
          </Link>
          <Button type="primary" icon={<CheckOutlined />} loading={busy} disabled={stale} onClick={() => void publish()}>
            {t("approvals.designer.publish")}
          </Button>
        </Space>
      </div>
      {stale && (
        <Alert
          type="warning"
          showIcon
          className={styles.alert}
          message={t("approvals.designer.stale")}
          action={
            <Button size="small" onClick={() => void client.invalidateQueries({ queryKey: PROCESSES_KEY })}>
              {t("approvals.designer.reload")}
            </Button>
          }
        />
      )}
      <div className={styles.designer}>
        <aside className={styles.processPane} aria-label={t("approvals.designer.process")}>
          <ProcessPanel draft={draft} creating={creating} objects={objects.data ?? []} object={object} problems={processProblems} onChange={(part) => change({ ...draft, ...part }, (p) => !p.step && Object.keys(part).some((k) => k === p.field || (k.startsWith("name") && p.field === "name") || (k === "entry" && p.field === "entry_condition")))} />
        </aside>
        <section className={styles.canvasPane}>
          <FlowCanvas steps={steps} problems={perStep} selected={selected} {...canvasActions} />
        </section>
        <aside className={styles.stepPane} aria-label={current ? t("approvals.designer.stepProperties", { n: currentIndex + 1 }) : t("approvals.designer.selectStep")}>
          {current ? (
            <StepPanel step={current} index={currentIndex} object={object} roles={roles.data ?? (hasRight(me.data, "manage_users") ? [] : null)} problems={stepProblems(problems, current.key)} onChange={(part) => changeStep(current.key, part)} />
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("approvals.designer.selectStep")} />
          )}
        </aside>
      </div>
    </div>
  );
}
