/** The designer's properties: of the selected step, and of the process itself. */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Form, Input, Radio, Select, Switch, Typography } from "antd";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { label, useObjects, type ObjectDef } from "../../lib/meta";
import { FieldInput } from "../records/FieldInput";
import { FilterBuilder } from "../records/FilterBuilder";
import type { Role } from "../admin/api";
import { ApproversEditor } from "./ApproversEditor";
import { MODES, type ConditionDraft, type OutcomeDraft, type ProcessDraft, type Problem, type StepDraft } from "./process";
import styles from "./approvals.module.css";

/** A problem's words: a client check's message, or the server's. */
export function useProblemText(): (problems: Problem[] | undefined) => string | undefined {
  const { t } = useTranslation();
  return (problems) => (problems?.length ? problems.map((p) => (p.code ? t(`approvals.problems.${p.code}`) : (p.message ?? ""))).join(" ") : undefined);
}

/** The list view's filter builder on a condition; a deeper one read from the server is
 * kept as it is until replaced. */
function ConditionEditor({ object, value, onChange }: { object: ObjectDef | undefined; value: ConditionDraft; onChange: (c: ConditionDraft) => void }) {
  const { t } = useTranslation();
  const objects = useObjects();
  if (!value.model) {
    return (
      <div>
        <Typography.Text type="secondary">{t("approvals.condition.keptLong")}</Typography.Text>{" "}
        <Button size="small" onClick={() => onChange({ model: { join: "and", conditions: [] }, kept: null })}>
          {t("approvals.condition.replace")}
        </Button>
      </div>
    );
  }
  if (!object || !objects.data) return null;
  return (
    <div className={styles.condition}>
      <FilterBuilder object={object} objects={objects.data} value={value.model} onChange={(model) => onChange({ model, kept: null })} />
    </div>
  );
}

interface StepPanelProps {
  step: StepDraft;
  index: number;
  object: ObjectDef | undefined;
  roles: Role[] | null;
  problems: Map<string, Problem[]>;
  onChange: (change: Partial<StepDraft>) => void;
}

export function StepPanel({ step, index, object, roles, problems, onChange }: StepPanelProps) {
  const { t } = useTranslation();
  const text = useProblemText();
  const status = (field: string) => (problems.has(field) ? "error" : undefined);
  const nameProblem = text(problems.get("name"));
  return (
    <Form layout="vertical" component="div" className={styles.panelForm} aria-label={t("approvals.designer.stepProperties", { n: index + 1 })}>
      <Typography.Title level={5}>{t("approvals.designer.stepProperties", { n: index + 1 })}</Typography.Title>
      <div className={styles.twoColumns}>
        <Form.Item label={t("approvals.designer.nameZh")} htmlFor={`step-${step.key}-zh`} validateStatus={status("name")} help={nameProblem}>
          <Input id={`step-${step.key}-zh`} maxLength={120} value={step.name_zh} onChange={(e) => onChange({ name_zh: e.target.value })} status={status("name")} />
        </Form.Item>
        <Form.Item label={t("approvals.designer.nameEn")} htmlFor={`step-${step.key}-en`} validateStatus={status("name")}>
          <Input id={`step-${step.key}-en`} maxLength={120} value={step.name_en} onChange={(e) => onChange({ name_en: e.target.value })} status={status("name")} />
        </Form.Item>
      </div>
      <Form.Item label={t("approvals.designer.approvers")} validateStatus={status("approvers")} help={text(problems.get("approvers"))} className={problems.has("approvers") ? styles.fieldInvalid : undefined}>
        <ApproversEditor object={object} value={step.approvers} onChange={(approvers) => onChange({ approvers })} roles={roles} step={index + 1} />
      </Form.Item>
      <Form.Item label={t("approvals.designer.mode")} validateStatus={status("mode")} help={text(problems.get("mode"))}>
        <Radio.Group value={step.mode} onChange={(e) => onChange({ mode: e.target.value as StepDraft["mode"] })} className={styles.modes}>
          {MODES.map((mode) => (
            <Radio key={mode} value={mode}>
              {t(`approvals.mode.${mode}`)}
              <Typography.Text type="secondary" className={styles.modeHelp}>
                {t(`approvals.modeHelp.${mode}`)}
              </Typography.Text>
            </Radio>
          ))}
        </Radio.Group>
      </Form.Item>
      <Form.Item label={t("approvals.designer.stepCondition")} extra={t("approvals.designer.stepConditionHelp")} validateStatus={status("condition")} help={text(problems.get("condition"))}>
        <ConditionEditor object={object} value={step.condition} onChange={(condition) => onChange({ condition })} />
      </Form.Item>
    </Form>
  );
}

/** "When the request ends approved / rejected, set": field = value rows. */
function OutcomeEditor({ object, value, onChange, which }: { object: ObjectDef | undefined; value: OutcomeDraft; onChange: (o: OutcomeDraft) => void; which: string }) {
  const { t, i18n } = useTranslation();
  const idBase = useId();
  if (value.kept) {
    return (
      <div>
        <Typography.Text type="secondary">{t("approvals.outcome.kept", { count: value.kept.length })}</Typography.Text>{" "}
        <Button size="small" onClick={() => onChange({ updates: [], kept: null })}>
          {t("approvals.condition.replace")}
        </Button>
      </div>
    );
  }
  const writable = (object?.fields ?? []).filter((f) => !f.archived && f.editable?.update !== false && !["auto_number", "formula", "rollup", "file", "rich_text", "address"].includes(f.type));
  const set = (index: number, change: Partial<{ field: string; value: unknown }>) => onChange({ ...value, updates: value.updates.map((u, i) => (i === index ? { ...u, ...change } : u)) });
  return (
    <div className={styles.approvers}>
      {value.updates.map((update, index) => {
        const field = writable.find((f) => f.name === update.field);
        return (
          <div key={index} className={styles.approverRow}>
            <Select
              aria-label={t("approvals.outcome.field", { which, n: index + 1 })}
              showSearch
              optionFilterProp="label"
              value={update.field || undefined}
              placeholder={t("filter.field")}
              onChange={(name: string) => set(index, { field: name, value: null })}
              options={writable.map((f) => ({ value: f.name, label: label(f.label, i18n.language) }))}
              className={styles.approverType}
              style={{ width: 128, flex: "none" }}
            />
            <div className={styles.approverPicker} aria-label={t("approvals.outcome.value", { which, n: index + 1 })} role="group">
              {field ? (
                <>
                  <label htmlFor={`${idBase}-${String(index)}`} className="gx-sr-only">
                    {t("approvals.outcome.value", { which, n: index + 1 })}
                  </label>
                  <FieldInput id={`${idBase}-${String(index)}`} field={field} value={update.value} onChange={(v) => set(index, { value: v })} />
                </>
              ) : null}
            </div>
            <Button type="text" danger icon={<DeleteOutlined />} aria-label={t("approvals.outcome.remove", { which, n: index + 1 })} onClick={() => onChange({ ...value, updates: value.updates.filter((_, i) => i !== index) })} />
          </div>
        );
      })}
      <Button size="small" icon={<PlusOutlined />} onClick={() => onChange({ ...value, updates: [...value.updates, { field: "", value: null }] })}>
        {t("approvals.outcome.add")}
      </Button>
    </div>
  );
}

interface ProcessPanelProps {
  draft: ProcessDraft;
  creating: boolean;
  objects: ObjectDef[];
  object: ObjectDef | undefined;
  problems: Map<string, Problem[]>;
  onChange: (change: Partial<ProcessDraft>) => void;
}

export function ProcessPanel({ draft, creating, objects, object, problems, onChange }: ProcessPanelProps) {
  const { t, i18n } = useTranslation();
  const text = useProblemText();
  const status = (field: string) => (problems.has(field) ? "error" : undefined);
  return (
    <Form layout="vertical" component="div" className={styles.panelForm}>
      <Typography.Title level={5}>{t("approvals.designer.process")}</Typography.Title>
      <Form.Item label={t("approvals.object")} htmlFor="process-object" validateStatus={status("object")} help={text(problems.get("object"))}>
        <Select
          id="process-object"
          showSearch
          optionFilterProp="label"
          disabled={!creating}
          value={draft.object || undefined}
          placeholder={t("approvals.designer.chooseObject")}
          onChange={(name: string) => onChange({ object: name, entry: { model: { join: "and", conditions: [] }, kept: null }, on_approve: { updates: [], kept: null }, on_reject: { updates: [], kept: null } })}
          options={objects.map((o) => ({ value: o.name, label: label(o.label, i18n.language) }))}
        />
      </Form.Item>
      <div className={styles.twoColumns}>
        <Form.Item label={t("approvals.designer.nameZh")} htmlFor="process-name-zh" validateStatus={status("name")} help={text(problems.get("name"))}>
          <Input id="process-name-zh" maxLength={120} value={draft.name_zh} onChange={(e) => onChange({ name_zh: e.target.value })} />
        </Form.Item>
        <Form.Item label={t("approvals.designer.nameEn")} htmlFor="process-name-en" validateStatus={status("name")}>
          <Input id="process-name-en" maxLength={120} value={draft.name_en} onChange={(e) => onChange({ name_en: e.target.value })} />
        </Form.Item>
      </div>
      <Form.Item label={t("approvals.designer.entry")} extra={t(draft.entry.model?.conditions.length === 0 ? "approvals.condition.anyRecord" : "approvals.designer.entryHelp")} validateStatus={status("entry_condition")} help={text(problems.get("entry_condition"))}>
        <ConditionEditor object={object} value={draft.entry} onChange={(entry) => onChange({ entry })} />
      </Form.Item>
      <Form.Item label={t("approvals.designer.onApprove")} validateStatus={status("on_approve")} help={text(problems.get("on_approve"))}>
        <OutcomeEditor object={object} value={draft.on_approve} onChange={(on_approve) => onChange({ on_approve })} which={t("approvals.designer.onApprove")} />
      </Form.Item>
      <Form.Item label={t("approvals.designer.onReject")} validateStatus={status("on_reject")} help={text(problems.get("on_reject"))}>
        <OutcomeEditor object={object} value={draft.on_reject} onChange={(on_reject) => onChange({ on_reject })} which={t("approvals.designer.onReject")} />
      </Form.Item>
      <Form.Item label={t("approvals.active")} htmlFor="process-active" extra={t("approvals.designer.activeHelp")}>
        <Switch id="process-active" checked={draft.active} onChange={(active) => onChange({ active })} />
      </Form.Item>
      {problems.has("steps") && <Typography.Text type="danger">{text(problems.get("steps"))}</Typography.Text>}
    </Form>
  );
}
