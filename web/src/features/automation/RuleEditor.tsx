import { PlusOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Drawer, Form, Grid, Input, InputNumber, Radio, Select, Space, Switch, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { BilingualFields, eitherLanguage } from "../../components/BilingualFields";
import { FormAlerts } from "../../components/FormAlerts";
import { api, ApiError, problemMessage } from "../../lib/api";
import { COMPUTED_TYPES, label, type FieldDef, type ObjectDef } from "../../lib/meta";
import { ifMatch } from "../../lib/records";
import { FilterBuilder } from "../records/FilterBuilder";
import { toTree, type FilterModel } from "../records/filters";
import { FieldInput } from "../records/FieldInput";
import { ActionCard } from "./ActionCard";
import { RULES_KEY } from "./api";
import { cronText, cronValid, newAction, placeRuleErrors, ruleBody, ruleValues, TRIGGERS, type Rule, type RuleValues } from "./rules";
import { RunsTab } from "./RunsTab";
import styles from "./automation.module.css";

export type Editing = Rule | "new" | null;

/** Fields whose change a rule may watch: stored values people or rules write. */
function watchable(object: ObjectDef | undefined): FieldDef[] {
  return (object?.fields ?? []).filter((f) => !f.archived && !COMPUTED_TYPES.has(f.type) && f.type !== "file" && f.type !== "rich_text");
}

/** The drawer creating a rule or publishing its next version, with the rule's run history. */
export function RuleEditor({ editing, objects, onClose }: { editing: Editing; objects: ObjectDef[]; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const phone = Grid.useBreakpoint().md === false;
  const rule = editing === "new" ? null : editing;
  const [tab, setTab] = useState("rule");
  const close = () => {
    setTab("rule");
    onClose();
  };
  return (
    <Drawer
      open={editing !== null}
      onClose={close}
      width={phone ? "100%" : 820}
      destroyOnHidden
      title={
        rule ? (
          <Space>
            {t("automation.editTitle", { name: label(rule.name, i18n.language) })}
            <Tag color="blue">{t("automation.version", { n: rule.version })}</Tag>
          </Space>
        ) : (
          t("automation.new")
        )
      }
    >
      {editing !== null &&
        (rule ? (
          <Tabs
            activeKey={tab}
            onChange={setTab}
            items={[
              { key: "rule", label: t("automation.ruleTab"), children: <RuleForm rule={rule} objects={objects} onDone={close} /> },
              { key: "runs", label: t("automation.runsTab"), children: <RunsTab rule={rule} object={objects.find((o) => o.name === rule.object)} /> },
            ]}
          />
        ) : (
          <RuleForm rule={null} objects={objects} onDone={close} />
        ))}
    </Drawer>
  );
}

function RuleForm({ rule, objects, onDone }: { rule: Rule | null; objects: ObjectDef[]; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<RuleValues>();
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const [initial] = useState(() => ruleValues(rule ?? undefined, objects));
  const objectName = (Form.useWatch("object", form) as string | undefined) ?? initial.object;
  const triggerType = (Form.useWatch("trigger_type", form) as RuleValues["trigger_type"] | undefined) ?? initial.trigger_type;
  const triggerField = Form.useWatch("trigger_field", form) as string | undefined;
  const cron = Form.useWatch("cron", form) as string | undefined;
  const object = objects.find((o) => o.name === objectName);
  const field = object?.fields.find((f) => f.name === triggerField);
  const language = i18n.language;
  const fieldOptions = (fields: FieldDef[]) => fields.map((f) => ({ value: f.name, label: label(f.label, language) }));

  const submit = async () => {
    const values = form.getFieldsValue(true) as RuleValues;
    setBusy(true);
    setProblems([]);
    setStale(false);
    try {
      const body = ruleBody(values, objects, rule ?? undefined);
      const saved = rule ? await api.patch<Rule>(`/automation/rules/${rule.id}`, body, ifMatch(rule.version)) : await api.post<Rule>("/automation/rules", body);
      await client.invalidateQueries({ queryKey: RULES_KEY });
      void message.success(t(rule ? "automation.published" : "automation.created", { name: label(saved.name, language), n: saved.version }));
      onDone();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) setStale(true);
      else if (error instanceof ApiError && error.problem.errors?.length) {
        const placed = placeRuleErrors(error.problem.errors, values);
        form.setFields(placed.fields);
        setProblems(placed.other);
        if (placed.fields[0]) form.scrollToField(placed.fields[0].name, { block: "center" });
      } else setProblems([problemMessage(error, t("common.serverError"))]);
    } finally {
      setBusy(false);
    }
  };

  // A new object, or a new watched field: what was chosen for the old one means nothing.
  const changed = (change: Partial<RuleValues>) => {
    if ("object" in change) {
      form.setFieldsValue({ trigger_field: undefined, from: undefined, to: undefined, condition: { join: "and", conditions: [] }, condition_kept: null, actions: [newAction("create_task")] });
    } else if ("trigger_field" in change) {
      form.setFieldsValue({ from: undefined, to: undefined });
    }
  };

  const reload = async () => {
    await client.invalidateQueries({ queryKey: RULES_KEY });
    onDone();
  };

  const side = (end: "from" | "to") => (
    <div className={styles.side}>
      <Form.Item name={`${end}_any`} label={t(end === "from" ? "automation.sideFrom" : "automation.sideTo")} className={styles.sideMode}>
        <Radio.Group
          optionType="button"
          options={[
            { value: true, label: t("automation.anyValue") },
            { value: false, label: t("automation.aValue") },
          ]}
        />
      </Form.Item>
      <Form.Item noStyle dependencies={[`${end}_any`]}>
        {() =>
          form.getFieldValue(`${end}_any`) === false && field ? (
            <Form.Item name={end} label={t(end === "from" ? "automation.fromValue" : "automation.toValue")} className={styles.sideValue}>
              <FieldInput field={field} />
            </Form.Item>
          ) : null
        }
      </Form.Item>
    </div>
  );

  const cronWords = cronText(cron, t);
  return (
    <Form<RuleValues> form={form} layout="vertical" initialValues={initial} onFinish={() => void submit()} onValuesChange={changed} disabled={busy} className={styles.form}>
      <FormAlerts stale={stale} staleText={t("automation.stale")} reloadText={t("automation.reload")} onReload={() => void reload()} problems={problems} className={styles.gap} />
      <BilingualFields
        zh="name_zh"
        en="name_en"
        zhLabel={t("automation.nameZh")}
        enLabel={t("automation.nameEn")}
        rules={[eitherLanguage("name_zh", "name_en", t("automation.nameRequired"))]}
      />
      <Form.Item name="object" label={t("automation.object")} extra={rule ? t("automation.objectFixed") : undefined}>
        <Select disabled={!!rule} showSearch optionFilterProp="label" options={objects.map((o) => ({ value: o.name, label: label(o.label, language) }))} />
      </Form.Item>

      <Typography.Title level={5} className={styles.section}>
        {t("automation.when")}
      </Typography.Title>
      <Form.Item name="trigger_type" label={t("automation.trigger")}>
        <Select options={TRIGGERS.map((type) => ({ value: type, label: t(`automation.triggers.${type}`) }))} />
      </Form.Item>
      {triggerType === "field_changed" && (
        <>
          <Form.Item name="trigger_field" label={t("automation.watchedField")} rules={[{ required: true, message: t("automation.fieldRequired") }]}>
            <Select showSearch optionFilterProp="label" options={fieldOptions(watchable(object))} />
          </Form.Item>
          {field && (
            <div className={styles.sides}>
              {side("from")}
              {side("to")}
            </div>
          )}
        </>
      )}
      {triggerType === "date" && (
        <Space wrap align="start">
          <Form.Item name="offset_days" label={t("automation.offset")}>
            <InputNumber min={0} max={3660} precision={0} addonAfter={t("automation.days")} />
          </Form.Item>
          <Form.Item name="offset_dir" label=" ">
            <Select
              className={styles.narrow}
              aria-label={t("automation.offsetDirection")}
              options={[
                { value: "before", label: t("automation.before") },
                { value: "after", label: t("automation.after") },
              ]}
            />
          </Form.Item>
          <Form.Item name="trigger_field" label={t("automation.dateField")} rules={[{ required: true, message: t("automation.fieldRequired") }]}>
            <Select className={styles.wide} showSearch optionFilterProp="label" options={fieldOptions((object?.fields ?? []).filter((f) => !f.archived && (f.type === "date" || f.type === "datetime")))} />
          </Form.Item>
        </Space>
      )}
      {triggerType === "cron" && (
        <Form.Item
          name="cron"
          label={t("automation.cron.label")}
          extra={cronWords ?? t("automation.cron.help")}
          rules={[{ validator: (_, v: string | undefined) => (cronValid(v) ? Promise.resolve() : Promise.reject(new Error(t("automation.cron.invalid")))) }]}
        >
          <Input className={styles.cron} placeholder="0 9 * * 1" />
        </Form.Item>
      )}
      <Form.Item name="run_when" label={t("automation.runWhen")}>
        <Radio.Group className={styles.stack}>
          <Radio value="every_time">{t("automation.everyTime")}</Radio>
          <Radio value="starts_matching">
            {t("automation.startsMatching")}
            <span className={styles.explain}>{t("automation.startsMatchingHelp")}</span>
          </Radio>
        </Radio.Group>
      </Form.Item>
      <Form.Item
        name="condition"
        label={t("automation.condition")}
        extra={t("automation.conditionHelp")}
        dependencies={["run_when"]}
        rules={[
          ({ getFieldValue }) => ({
            // "Starts to match" means nothing without a condition to start matching.
            validator: (_, model: FilterModel | null | undefined) =>
              getFieldValue("run_when") !== "starts_matching" || model === null || (model && toTree(model))
                ? Promise.resolve()
                : Promise.reject(new Error(t("automation.startsMatchingNeedsCondition"))),
          }),
        ]}
      >
        <ConditionInput object={object} objects={objects} />
      </Form.Item>

      <Typography.Title level={5} className={styles.section}>
        {t("automation.then")}
      </Typography.Title>
      <Form.List name="actions" rules={[{ validator: (_, list: unknown[]) => (list.length ? Promise.resolve() : Promise.reject(new Error(t("automation.actionsRequired")))) }]}>
        {(rows, { add, remove, move }, { errors }) => (
          <div className={styles.actions}>
            {rows.map((row) => (
              <ActionCard key={row.key} name={row.name} count={rows.length} object={object} objects={objects} onMove={(to) => move(row.name, to)} onRemove={() => remove(row.name)} />
            ))}
            <Form.ErrorList errors={errors} />
            <Button type="dashed" icon={<PlusOutlined />} onClick={() => add(newAction("notify"))} disabled={rows.length >= 20}>
              {t("automation.addAction")}
            </Button>
          </div>
        )}
      </Form.List>
      <Form.Item name="active" valuePropName="checked" label={t("automation.active")} className={styles.activeItem}>
        <Switch />
      </Form.Item>
      <div className={styles.footer}>
        <Space>
          <Button type="primary" htmlType="submit" loading={busy} disabled={stale}>
            {rule ? t("automation.publish") : t("automation.create")}
          </Button>
          <Button onClick={onDone}>{t("common.cancel")}</Button>
          {rule && <Typography.Text type="secondary">{t("automation.publishHelp", { n: rule.version + 1 })}</Typography.Text>}
        </Space>
      </div>
    </Form>
  );
}

/** The list view's filter builder as a form control; a condition deeper than it draws
 * (set through the API) is kept as it is. */
function ConditionInput({ object, objects, value, onChange }: { object: ObjectDef | undefined; objects: ObjectDef[]; value?: FilterModel | null; onChange?: (m: FilterModel) => void }) {
  const { t } = useTranslation();
  if (value === null) return <Typography.Text type="secondary">{t("automation.conditionKept")}</Typography.Text>;
  if (!object) return null;
  return (
    <div className={styles.condition}>
      <FilterBuilder object={object} objects={objects} value={value ?? { join: "and", conditions: [] }} onChange={(m) => onChange?.(m)} />
    </div>
  );
}
