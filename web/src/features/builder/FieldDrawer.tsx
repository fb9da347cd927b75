import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Drawer, Form, Input, InputNumber, Select, Space, Switch, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, problemMessage } from "../../lib/api";
import { label, useObjects, type FieldDef, type FieldType, type ObjectDef, type PicklistOption } from "../../lib/meta";
import { BilingualFields } from "../../components/BilingualFields";
import { apiName, NAME_PATTERN } from "./names";
import { OptionsEditor } from "./OptionsEditor";
import styles from "./Builder.module.css";

/** The field types an administrator may add, in the order the palette shows them. */
export const FIELD_TYPES: FieldType[] = [
  "text", "long_text", "rich_text", "integer", "decimal", "currency", "percent", "date", "datetime",
  "boolean", "picklist", "multi_picklist", "tags", "email", "phone", "url", "lookup", "user",
  "address", "file", "auto_number", "formula",
];

interface Values {
  type: FieldType;
  label_zh: string;
  label_en: string;
  name: string;
  help_zh?: string;
  help_en?: string;
  required?: boolean;
  unique?: boolean;
  max_length?: number;
  scale?: number;
  currency?: string;
  target?: string;
  options?: PicklistOption[];
  expression?: string;
  format?: string;
}

interface Props {
  object: ObjectDef;
  /** The field to edit, "new" to add one, or null when closed (give a key per field). */
  field: FieldDef | "new" | null;
  onClose: () => void;
}

function initialValues(field: FieldDef): Values {
  const extra = field as FieldDef & { expression?: string; format?: string };
  return {
    type: field.type,
    label_zh: field.label["zh-CN"] ?? "",
    label_en: field.label.en ?? "",
    name: field.name,
    help_zh: typeof field.help === "object" ? field.help?.["zh-CN"] : undefined,
    help_en: typeof field.help === "object" ? field.help?.en : undefined,
    required: field.required,
    unique: field.unique,
    max_length: field.max_length,
    scale: field.scale,
    currency: field.currency,
    target: field.target,
    options: field.options,
    expression: extra.expression,
    format: extra.format,
  };
}

/** Add or change a field: the settings its type has, and nothing else. */
export function FieldDrawer({ object, field, onClose }: Props) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const objects = useObjects();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const editing = field !== null && field !== "new" ? field : null;
  const [nameTouched, setNameTouched] = useState(!!editing);
  const type = Form.useWatch("type", form) ?? editing?.type ?? "text";
  const expression = Form.useWatch("expression", form) ?? "";

  // The formula is compiled by the server as the administrator types (after a pause).
  const [debounced, setDebounced] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(expression), 350);
    return () => clearTimeout(timer);
  }, [expression]);
  const formula = useQuery({
    queryKey: ["meta", "formula-check", object.name, debounced],
    queryFn: () => api.post<{ result_type: string }>(`/meta/objects/${object.name}/formula-check`, { expression: debounced }),
    enabled: type === "formula" && debounced.trim().length > 0,
    retry: false,
  });

  const submit = async (values: Values) => {
    setBusy(true);
    const help = values.help_en || values.help_zh ? { en: values.help_en || values.help_zh, "zh-CN": values.help_zh || values.help_en } : undefined;
    const settings: Record<string, unknown> = {
      label: { en: values.label_en || values.label_zh, "zh-CN": values.label_zh || values.label_en },
      help,
      required: values.required,
      unique: values.unique,
      max_length: values.max_length,
      scale: values.scale,
      currency: values.currency,
      target: values.target,
      options: values.options?.map((o) => ({ ...o, label: { en: o.label.en || o.label["zh-CN"], "zh-CN": o.label["zh-CN"] || o.label.en } })),
      expression: values.expression,
      format: values.format,
    };
    const body = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined && v !== null && v !== ""));
    try {
      if (editing) await api.patch(`/meta/objects/${object.name}/fields/${editing.name}`, body);
      else await api.post(`/meta/objects/${object.name}/fields`, { ...body, name: values.name, type: values.type });
      await client.invalidateQueries({ queryKey: ["meta"] });
      void message.success(t("builder.fieldSaved"));
      onClose();
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) {
        const known = new Set(["name", "type", "max_length", "scale", "currency", "target", "options", "expression", "format", "required", "unique"]);
        form.setFields(
          error.problem.errors.map((e) => {
            const head = e.field.split(".")[0] ?? "";
            return { name: (known.has(head) ? head : head === "label" ? "label_en" : "name") as keyof Values, errors: [e.message] };
          }),
        );
      } else {
        void message.error(problemMessage(error, t("common.serverError")));
      }
    } finally {
      setBusy(false);
    }
  };

  const formulaError = formula.error instanceof ApiError ? (formula.error.problem.errors?.[0]?.message ?? formula.error.message) : null;
  return (
    <Drawer
      open={field !== null}
      onClose={onClose}
      width={560}
      title={editing ? t("builder.editField", { field: label(editing.label, i18n.language) }) : t("builder.newField")}
      destroyOnHidden
      footer={
        <Space>
          <Button type="primary" loading={busy} onClick={() => form.submit()}>
            {t("common.save")}
          </Button>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
        </Space>
      }
    >
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={editing ? initialValues(editing) : { type: "text", required: false, options: [] }}
        onFinish={(v) => void submit(v)}
        onValuesChange={(changed: Partial<Values>) => {
          if (changed.name !== undefined) setNameTouched(true);
          if (changed.label_en !== undefined && !nameTouched) form.setFieldValue("name", apiName(changed.label_en));
        }}
      >
        <Form.Item name="type" label={t("builder.fieldType")} rules={[{ required: true }]}>
          <Select
            disabled={!!editing}
            showSearch
            optionFilterProp="label"
            options={FIELD_TYPES.map((ft) => ({ value: ft, label: t(`builder.type.${ft}`) }))}
          />
        </Form.Item>
        <BilingualFields
          zh="label_zh"
          en="label_en"
          zhLabel={t("builder.labelZh")}
          enLabel={t("builder.labelEn")}
          rules={[{ required: true, message: t("form.required") }]}
        />
        <Form.Item
          name="name"
          label={t("builder.apiName")}
          extra={editing ? undefined : t("builder.apiNameHelp")}
          rules={[
            { required: true, message: t("form.required") },
            { pattern: NAME_PATTERN, message: t("builder.apiNameRule") },
          ]}
        >
          <Input maxLength={48} disabled={!!editing} />
        </Form.Item>
        <BilingualFields zh="help_zh" en="help_en" zhLabel={t("builder.helpZh")} enLabel={t("builder.helpEn")} />
        {!["formula", "auto_number", "boolean"].includes(type) && (
          <Space size={24}>
            <Form.Item name="required" label={t("builder.required")} valuePropName="checked">
              <Switch />
            </Form.Item>
            {["text", "email", "phone", "integer"].includes(type) && (
              <Form.Item name="unique" label={t("builder.unique")} valuePropName="checked">
                <Switch />
              </Form.Item>
            )}
          </Space>
        )}
        {["text", "long_text"].includes(type) && (
          <Form.Item name="max_length" label={t("builder.maxLength")}>
            <InputNumber min={1} max={type === "text" ? 1000 : 100000} />
          </Form.Item>
        )}
        {["decimal", "percent", "currency"].includes(type) && (
          <Form.Item name="scale" label={t("builder.scale")}>
            <InputNumber min={0} max={10} />
          </Form.Item>
        )}
        {type === "currency" && (
          <Form.Item name="currency" label={t("builder.currency")} initialValue="CNY">
            <Select options={["CNY", "USD", "EUR", "HKD", "JPY", "GBP"].map((c) => ({ value: c, label: c }))} />
          </Form.Item>
        )}
        {type === "lookup" && (
          <Form.Item name="target" label={t("builder.target")} rules={[{ required: true, message: t("form.required") }]}>
            <Select
              disabled={!!editing}
              options={(objects.data ?? []).map((o) => ({ value: o.name, label: label(o.label, i18n.language) }))}
            />
          </Form.Item>
        )}
        {(type === "picklist" || type === "multi_picklist") && (
          <Form.Item name="options" label={t("builder.options")}>
            <OptionsEditor />
          </Form.Item>
        )}
        {type === "auto_number" && (
          <Form.Item name="format" label={t("builder.format")} initialValue="NO-{000000}" extra={t("builder.formatHelp")}>
            <Input />
          </Form.Item>
        )}
        {type === "formula" && (
          <Form.Item
            name="expression"
            label={t("builder.expression")}
            rules={[{ required: true, message: t("form.required") }]}
            validateStatus={formulaError ? "error" : undefined}
            help={
              formulaError ? (
                <span role="alert" data-testid="formula-error">
                  {formulaError}
                </span>
              ) : formula.data ? (
                <Typography.Text type="success" className={styles.formulaResult} data-testid="formula-ok">
                  {t("builder.formulaGives", { type: t(`builder.result.${formula.data.result_type}`, { defaultValue: formula.data.result_type }) })}
                </Typography.Text>
              ) : (
                t("builder.formulaHelp")
              )
            }
          >
            <Input.TextArea
              autoSize={{ minRows: 3 }}
              spellCheck={false}
              style={{ fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" }}
              placeholder="IF(amount > 1000000, &quot;big&quot;, &quot;small&quot;)"
            />
          </Form.Item>
        )}
      </Form>
    </Drawer>
  );
}
