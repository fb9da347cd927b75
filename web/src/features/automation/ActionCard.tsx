import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Form, Input, InputNumber, Radio, Select, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { UserSelect } from "../../components/UserSelect";
import { UsersMultiSelect } from "../../components/UsersMultiSelect";
import { COMPUTED_TYPES, label, type FieldDef, type ObjectDef } from "../../lib/meta";
import { FieldInput } from "../records/FieldInput";
import { useChoices, type ChoiceKind } from "./api";
import { MergeInput } from "./MergeInput";
import { ACTIONS, MANAGER, newAction, OWNER, updatedObject, type ActionType, type ValueEntry } from "./rules";
import styles from "./automation.module.css";

interface Props {
  /** The action's place in the form's `actions` list. */
  name: number;
  count: number;
  object: ObjectDef | undefined;
  objects: ObjectDef[];
  onMove: (to: number) => void;
  onRemove: () => void;
}

/** One action of a rule: its type, then the form of that type. */
export function ActionCard({ name, count, object, objects, onMove, onRemove }: Props) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const type = Form.useWatch(["actions", name, "type"], form) as ActionType | undefined;
  const n = name + 1;
  const changeType = (next: ActionType) => form.setFieldValue(["actions", name], newAction(next));
  return (
    <Card
      size="small"
      className={styles.action}
      data-testid="automation-action"
      title={
        <Space wrap>
          <span className={styles.step}>{n}</span>
          <Form.Item name={[name, "type"]} noStyle>
            <Select
              className={styles.actionType}
              aria-label={t("automation.actionType", { n })}
              options={ACTIONS.map((a) => ({ value: a, label: t(`automation.actions.${a}`) }))}
              onChange={changeType}
            />
          </Form.Item>
        </Space>
      }
      extra={
        <Space size={2}>
          <Button type="text" size="small" icon={<ArrowUpOutlined />} disabled={name === 0} onClick={() => onMove(name - 1)} aria-label={t("automation.up", { n })} />
          <Button type="text" size="small" icon={<ArrowDownOutlined />} disabled={name === count - 1} onClick={() => onMove(name + 1)} aria-label={t("automation.down", { n })} />
          <Button type="text" size="small" danger icon={<DeleteOutlined />} disabled={count === 1} onClick={onRemove} aria-label={t("automation.removeAction", { n })} />
        </Space>
      }
    >
      {type && <ActionFields type={type} name={name} object={object} objects={objects} />}
    </Card>
  );
}

function required(message: string) {
  return [{ required: true, whitespace: true, message }];
}

function ActionFields({ type, name, object, objects }: { type: ActionType; name: number; object: ObjectDef | undefined; objects: ObjectDef[] }) {
  const { t, i18n } = useTranslation();
  const form = Form.useFormInstance();
  const objectName = object?.name ?? "";
  const language = i18n.language;
  const task = objects.find((o) => o.name === "task");
  const priority = task?.fields.find((f) => f.name === "priority" && f.type === "picklist");
  switch (type) {
    case "create_task":
      return (
        <>
          <Form.Item name={[name, "subject"]} label={t("automation.subject")} rules={required(t("automation.subjectRequired"))}>
            <MergeInput object={object} maxLength={200} aria-label={t("automation.subject")} />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name={[name, "assignee"]} label={t("automation.assignee")}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: OWNER, label: t("automation.recipients.owner") },
                  { value: MANAGER, label: t("automation.recipients.manager") },
                  { value: "user", label: t("automation.recipients.user") },
                ]}
              />
            </Form.Item>
            <Form.Item noStyle dependencies={[["actions", name, "assignee"]]}>
              {() =>
                form.getFieldValue(["actions", name, "assignee"]) === "user" && (
                  <Form.Item name={[name, "assignee_user"]} label={t("automation.recipients.user")} rules={[{ required: true, message: t("automation.userRequired") }]}>
                    <UserSelect aria-label={t("automation.recipients.user")} />
                  </Form.Item>
                )
              }
            </Form.Item>
            <Form.Item name={[name, "due_in_days"]} label={t("automation.dueInDays")}>
              <InputNumber min={0} max={3660} precision={0} addonAfter={t("automation.days")} />
            </Form.Item>
            {priority && (
              <Form.Item name={[name, "priority"]} label={label(priority.label, language)}>
                <Select allowClear className={styles.narrow} placeholder={t("automation.priorityDefault")} options={(priority.options ?? []).filter((o) => o.active).map((o) => ({ value: o.value, label: label(o.label, language) }))} />
              </Form.Item>
            )}
          </Space>
          <Form.Item name={[name, "description"]} label={t("automation.description")}>
            <MergeInput object={object} multiline maxLength={2000} aria-label={t("automation.description")} />
          </Form.Item>
        </>
      );
    case "notify":
    case "send_email":
      return (
        <>
          <Form.Item name={[name, "to"]} label={t("automation.to")} rules={[{ required: true, type: "array", min: 1, message: t("automation.toRequired") }]}>
            <Recipients />
          </Form.Item>
          {type === "notify" ? (
            <>
              <Form.Item name={[name, "title"]} label={t("automation.notifyTitle")} rules={required(t("automation.titleRequired"))}>
                <MergeInput object={object} maxLength={200} aria-label={t("automation.notifyTitle")} />
              </Form.Item>
              <Form.Item name={[name, "body"]} label={t("automation.notifyBody")}>
                <MergeInput object={object} multiline maxLength={2000} aria-label={t("automation.notifyBody")} />
              </Form.Item>
            </>
          ) : (
            <>
              <Form.Item name={[name, "subject"]} label={t("automation.emailSubject")} rules={required(t("automation.subjectRequired"))}>
                <MergeInput object={object} maxLength={200} aria-label={t("automation.emailSubject")} />
              </Form.Item>
              <Form.Item name={[name, "text"]} label={t("automation.emailText")} rules={required(t("automation.textRequired"))}>
                <MergeInput object={object} multiline maxLength={20000} aria-label={t("automation.emailText")} />
              </Form.Item>
            </>
          )}
        </>
      );
    case "post_to_robot":
      return (
        <>
          <ChoiceItem name={[name, "robot_id"]} label={t("automation.robot")} kind="robots" object={objectName} none={t("automation.noRobots")} />
          <Form.Item name={[name, "text"]} label={t("automation.robotText")} rules={required(t("automation.textRequired"))}>
            <MergeInput object={object} multiline maxLength={2000} aria-label={t("automation.robotText")} />
          </Form.Item>
        </>
      );
    case "webhook":
      return <ChoiceItem name={[name, "webhook_id"]} label={t("automation.webhook")} kind="webhooks" object={objectName} none={t("automation.noWebhooks")} />;
    case "assign":
      return <ChoiceItem name={[name, "rule_id"]} label={t("automation.assignmentRule")} kind="assignment" object={objectName} none={t("automation.noAssignmentRules")} />;
    case "submit_for_approval":
      return (
        <>
          <ChoiceItem name={[name, "process_id"]} label={t("automation.process")} kind="approvals" object={objectName} none={t("automation.firstProcess")} optional />
          <Form.Item name={[name, "comment"]} label={t("automation.comment")}>
            <Input maxLength={2000} />
          </Form.Item>
        </>
      );
    case "update_fields":
    case "create_record":
      return <ValuesFields type={type} name={name} object={object} objects={objects} />;
  }
}

/** The record's owner, the owner's manager, and users by name. */
function Recipients({ id, value, onChange }: { id?: string; value?: string[]; onChange?: (v: string[]) => void }) {
  const { t } = useTranslation();
  const chosen = value ?? [];
  const users = chosen.filter((v) => v !== OWNER && v !== MANAGER);
  const toggle = (who: string, on: boolean) => onChange?.(on ? [...chosen.filter((v) => v !== who), who] : chosen.filter((v) => v !== who));
  return (
    <div id={id} className={styles.recipients}>
      <Space wrap>
        {[OWNER, MANAGER].map((who) => (
          <Button key={who} size="small" type={chosen.includes(who) ? "primary" : "default"} aria-pressed={chosen.includes(who)} onClick={() => toggle(who, !chosen.includes(who))}>
            {t(`automation.recipients.${who}`)}
          </Button>
        ))}
      </Space>
      <UsersMultiSelect aria-label={t("automation.recipients.users")} value={users} onChange={(ids) => onChange?.([...chosen.filter((v) => v === OWNER || v === MANAGER), ...ids])} />
    </div>
  );
}

function ChoiceItem({ name, label: text, kind, object, none, optional }: { name: (string | number)[]; label: string; kind: ChoiceKind; object: string; none: string; optional?: boolean }) {
  const { t, i18n } = useTranslation();
  const choices = useChoices(kind, object, i18n.language);
  return (
    <Form.Item name={name} label={text} rules={optional ? [] : [{ required: true, message: t("automation.choose", { what: text }) }]}>
      <Select
        allowClear={optional}
        loading={choices.isLoading}
        placeholder={optional ? none : undefined}
        notFoundContent={none}
        aria-label={text}
        options={(choices.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
      />
    </Form.Item>
  );
}

/** Fields a rule may set on an object: stored, not computed, not archived; the owner too. */
function settable(object: ObjectDef | undefined): FieldDef[] {
  return (object?.fields ?? []).filter((f) => !f.archived && !COMPUTED_TYPES.has(f.type) && f.type !== "file");
}

function ValuesFields({ type, name, object, objects }: { type: "update_fields" | "create_record"; name: number; object: ObjectDef | undefined; objects: ObjectDef[] }) {
  const { t, i18n } = useTranslation();
  const form = Form.useFormInstance();
  const target = Form.useWatch(["actions", name, "target"], form) as string | null | undefined;
  const made = Form.useWatch(["actions", name, "object"], form) as string | undefined;
  const written = type === "create_record" ? objects.find((o) => o.name === made) : updatedObject(object, target, objects);
  const fields = settable(written);
  const lookups = (object?.fields ?? []).filter((f) => f.type === "lookup" && !f.archived);
  const sourceFields = (object?.fields ?? []).filter((f) => !f.archived && f.type !== "file");
  const resetValues = () => form.setFieldValue(["actions", name, "values"], [{ mode: "value" }]);
  return (
    <>
      {type === "update_fields" ? (
        <Form.Item name={[name, "target"]} label={t("automation.updateWhich")}>
          <Select
            onChange={resetValues}
            options={[
              { value: null, label: t("automation.thisRecord") },
              ...lookups.map((f) => ({ value: f.name, label: t("automation.relatedRecord", { name: label(f.label, i18n.language) }) })),
            ]}
          />
        </Form.Item>
      ) : (
        <Form.Item name={[name, "object"]} label={t("automation.newRecordOf")} rules={[{ required: true, message: t("automation.objectRequired") }]}>
          <Select showSearch optionFilterProp="label" onChange={resetValues} options={objects.map((o) => ({ value: o.name, label: label(o.label, i18n.language) }))} />
        </Form.Item>
      )}
      <Typography.Text type="secondary" className={styles.hint}>
        {t("automation.valuesHelp")}
      </Typography.Text>
      <Form.List name={[name, "values"]}>
        {(rows, { add, remove }) => (
          <div className={styles.values}>
            {rows.map((row) => (
              <ValueRow key={row.key} action={name} row={row.name} count={rows.length} fields={fields} sourceFields={sourceFields} object={object} onRemove={() => remove(row.name)} />
            ))}
            <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add({ mode: "value" } satisfies ValueEntry)}>
              {t("automation.addValue")}
            </Button>
          </div>
        )}
      </Form.List>
    </>
  );
}

interface ValueRowProps {
  action: number;
  row: number;
  count: number;
  /** The fields of the object written, and of the record a copy comes from. */
  fields: FieldDef[];
  sourceFields: FieldDef[];
  object: ObjectDef | undefined;
  onRemove: () => void;
}

/** One field an action sets: the field, how it is set, and the input that fits its type. */
function ValueRow({ action, row, count, fields, sourceFields, object, onRemove }: ValueRowProps) {
  const { t, i18n } = useTranslation();
  const form = Form.useFormInstance();
  const entry = (Form.useWatch(["actions", action, "values", row], form) ?? { mode: "value" }) as ValueEntry;
  const field = fields.find((f) => f.name === entry.field);
  const fieldName = field ? label(field.label, i18n.language) : "";
  return (
    <div className={styles.valueRow} data-testid="automation-value">
      <Form.Item name={[row, "field"]} rules={[{ required: true, message: t("automation.fieldRequired") }]} className={styles.valueField}>
        <Select
          showSearch
          optionFilterProp="label"
          placeholder={t("automation.field")}
          aria-label={t("automation.field")}
          options={fields.map((f) => ({ value: f.name, label: label(f.label, i18n.language) }))}
          onChange={() => form.setFieldValue(["actions", action, "values", row], { field: form.getFieldValue(["actions", action, "values", row, "field"]) as string, mode: "value" } satisfies ValueEntry)}
        />
      </Form.Item>
      <Form.Item name={[row, "mode"]} className={styles.valueMode}>
        <Select
          aria-label={t("automation.valueMode")}
          options={[
            { value: "value", label: t("automation.modes.value") },
            { value: "copy", label: t("automation.modes.copy") },
            ...(field?.type === "date" || field?.type === "datetime" ? [{ value: "today", label: t("automation.modes.today") }] : []),
          ]}
        />
      </Form.Item>
      <div className={styles.valueInput}>
        {entry.mode === "copy" ? (
          <Form.Item name={[row, "copy"]} rules={[{ required: true, message: t("automation.fieldRequired") }]}>
            <Select showSearch optionFilterProp="label" aria-label={t("automation.copyFrom")} options={sourceFields.map((f) => ({ value: f.name, label: label(f.label, i18n.language) }))} />
          </Form.Item>
        ) : entry.mode === "today" ? (
          <Form.Item name={[row, "today"]}>
            <InputNumber precision={0} min={-3660} max={3660} addonAfter={t("automation.daysFromRun")} aria-label={t("automation.modes.today")} />
          </Form.Item>
        ) : field && (field.type === "text" || field.type === "long_text") ? (
          <Form.Item name={[row, "value"]}>
            <MergeInput object={object} multiline={field.type === "long_text"} aria-label={t("automation.valueOf", { name: fieldName })} />
          </Form.Item>
        ) : field ? (
          <Form.Item name={[row, "value"]}>
            <FieldInput field={field} />
          </Form.Item>
        ) : null}
      </div>
      <Button type="text" danger icon={<DeleteOutlined />} disabled={count === 1} onClick={onRemove} aria-label={t("automation.removeValue")} />
    </div>
  );
}
