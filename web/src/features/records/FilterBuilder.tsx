import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, DatePicker, Empty, InputNumber, Input, Radio, Select, Space, Typography } from "antd";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";
import { label, type ObjectDef } from "../../lib/meta";
import {
  filterFields,
  isDateType,
  operatorsFor,
  RELATIVE_DATES,
  type Condition,
  type FilterField,
  type FilterModel,
  type Operator,
} from "./filters";
import styles from "./FilterBuilder.module.css";

interface Props {
  object: ObjectDef;
  objects: ObjectDef[];
  value: FilterModel;
  onChange: (model: FilterModel) => void;
}

let counter = 0;
const nextKey = () => `c${String(++counter)}`;

/** A visual editor of the engine's filter tree: conditions on fields of the object and
 * of the records its lookups point to, joined by AND or OR. */
export function FilterBuilder({ object, objects, value, onChange }: Props) {
  const { t, i18n } = useTranslation();
  const fields = filterFields(object, objects);
  const byPath = new Map(fields.map((f) => [f.path, f]));
  const fieldLabel = (f: FilterField) =>
    f.via ? `${label(f.via.label, i18n.language)} › ${label(f.field.label, i18n.language)}` : label(f.field.label, i18n.language);

  const update = (key: string, change: Partial<Condition>) =>
    onChange({ ...value, conditions: value.conditions.map((c) => (c.key === key ? { ...c, ...change } : c)) });
  const remove = (key: string) => onChange({ ...value, conditions: value.conditions.filter((c) => c.key !== key) });
  const add = () => {
    const first = fields[0];
    if (!first) return;
    const op = operatorsFor(first.field.type)[0] ?? "eq";
    onChange({ ...value, conditions: [...value.conditions, { key: nextKey(), field: first.path, op, value: null }] });
  };

  const fieldOptions = [
    { label: label(object.label, i18n.language), options: fields.filter((f) => !f.via).map((f) => ({ value: f.path, label: fieldLabel(f) })) },
    ...object.fields
      .filter((f) => f.type === "lookup" && !f.archived)
      .map((lookup) => ({
        label: label(lookup.label, i18n.language),
        options: fields.filter((f) => f.via?.name === lookup.name).map((f) => ({ value: f.path, label: fieldLabel(f) })),
      }))
      .filter((group) => group.options.length > 0),
  ];

  return (
    <div className={styles.builder}>
      {value.conditions.length > 1 && (
        <Radio.Group
          size="small"
          value={value.join}
          onChange={(e) => onChange({ ...value, join: e.target.value as "and" | "or" })}
          optionType="button"
          options={[
            { value: "and", label: t("filter.all") },
            { value: "or", label: t("filter.any") },
          ]}
          aria-label={t("filter.join")}
        />
      )}
      {value.conditions.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("filter.none")} />}
      {value.conditions.map((condition) => {
        const def = byPath.get(condition.field);
        const ops = def ? operatorsFor(def.field.type) : [];
        return (
          <div key={condition.key} className={styles.row} data-testid="filter-condition">
            <Select
              showSearch
              optionFilterProp="label"
              className={styles.field}
              value={condition.field}
              options={fieldOptions}
              aria-label={t("filter.field")}
              onChange={(path: string) => {
                const next = byPath.get(path);
                const op = next ? (operatorsFor(next.field.type)[0] ?? "eq") : "eq";
                update(condition.key, { field: path, op, value: null });
              }}
            />
            <Select
              className={styles.op}
              value={condition.op}
              aria-label={t("filter.operator")}
              options={ops.map((op) => ({ value: op, label: t(`filter.op.${op}`) }))}
              onChange={(op: Operator) => update(condition.key, { op, value: op === "is_null" ? true : null })}
            />
            {def && (
              <ValueEditor
                field={def}
                op={condition.op}
                value={condition.value}
                onChange={(v) => update(condition.key, { value: v })}
              />
            )}
            <Button type="text" icon={<DeleteOutlined />} aria-label={t("filter.remove")} onClick={() => remove(condition.key)} />
          </div>
        );
      })}
      <Space>
        <Button icon={<PlusOutlined />} onClick={add} size="small">
          {t("filter.add")}
        </Button>
        {value.conditions.length > 0 && (
          <Button type="link" size="small" onClick={() => onChange({ ...value, conditions: [] })}>
            {t("filter.clear")}
          </Button>
        )}
      </Space>
    </div>
  );
}

interface ValueProps {
  field: FilterField;
  op: Operator;
  value: unknown;
  onChange: (value: unknown) => void;
}

function ValueEditor({ field: { field }, op, value, onChange }: ValueProps) {
  const { t, i18n } = useTranslation();
  const aria = t("filter.value");
  if (op === "is_null") {
    return (
      <Select
        className={styles.value}
        aria-label={aria}
        value={value === false ? "no" : "yes"}
        onChange={(v: string) => onChange(v === "yes")}
        options={[
          { value: "yes", label: t("filter.empty") },
          { value: "no", label: t("filter.notEmpty") },
        ]}
      />
    );
  }
  if (field.type === "picklist" || field.type === "multi_picklist") {
    return (
      <Select
        mode="multiple"
        className={styles.value}
        aria-label={aria}
        value={Array.isArray(value) ? (value as string[]) : value ? [String(value)] : []}
        onChange={(v: string[]) => onChange(op === "eq" || op === "ne" ? v[0] : v)}
        options={(field.options ?? []).map((o) => ({ value: o.value, label: label(o.label, i18n.language) }))}
        maxTagCount="responsive"
      />
    );
  }
  if (field.type === "tags") {
    return (
      <Select
        mode="tags"
        className={styles.value}
        aria-label={aria}
        value={Array.isArray(value) ? (value as string[]) : []}
        onChange={(v: string[]) => onChange(v)}
        tokenSeparators={[",", "，"]}
      />
    );
  }
  if (field.type === "boolean") {
    return (
      <Select
        className={styles.value}
        aria-label={aria}
        value={value === null || value === undefined ? undefined : value ? "true" : "false"}
        onChange={(v: string) => onChange(v === "true")}
        options={[
          { value: "true", label: t("common.yes") },
          { value: "false", label: t("common.no") },
        ]}
      />
    );
  }
  if (isDateType(field.type)) {
    if (op === "between") {
      const pair = Array.isArray(value) ? (value as string[]) : [];
      return (
        <DatePicker.RangePicker
          className={styles.value}
          aria-label={aria}
          value={pair.length === 2 ? [dayjs(pair[0]), dayjs(pair[1])] : null}
          onChange={(range) => onChange(range?.[0] && range[1] ? [range[0].format("YYYY-MM-DD"), range[1].format("YYYY-MM-DD")] : null)}
        />
      );
    }
    const relative = typeof value === "string" && (RELATIVE_DATES as readonly string[]).includes(value);
    return (
      <Space.Compact className={styles.value}>
        <Select
          aria-label={t("filter.relative")}
          style={{ width: "55%" }}
          value={relative ? (value as string) : "exact"}
          onChange={(v: string) => onChange(v === "exact" ? null : v)}
          options={[
            { value: "exact", label: t("filter.exactDate") },
            ...RELATIVE_DATES.map((token) => ({ value: token, label: t(`filter.date.${token}`) })),
          ]}
        />
        {!relative && (
          <DatePicker
            aria-label={aria}
            style={{ width: "45%" }}
            value={typeof value === "string" ? dayjs(value) : null}
            onChange={(d) => onChange(d ? d.format("YYYY-MM-DD") : null)}
          />
        )}
      </Space.Compact>
    );
  }
  if (["integer", "decimal", "percent", "currency", "rollup"].includes(field.type)) {
    if (op === "between") {
      const pair = Array.isArray(value) ? (value as (string | null)[]) : [null, null];
      return (
        <Space.Compact className={styles.value}>
          <InputNumber aria-label={t("filter.from")} stringMode value={pair[0]} onChange={(v) => onChange([v, pair[1] ?? null])} />
          <InputNumber aria-label={t("filter.to")} stringMode value={pair[1]} onChange={(v) => onChange([pair[0] ?? null, v])} />
        </Space.Compact>
      );
    }
    return (
      <InputNumber
        className={styles.value}
        aria-label={aria}
        stringMode
        value={value as string | null}
        onChange={(v) => onChange(v)}
      />
    );
  }
  return (
    <Input
      className={styles.value}
      aria-label={aria}
      value={typeof value === "string" ? value : ""}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

export function FilterSummary({ count }: { count: number }) {
  const { t } = useTranslation();
  return count ? <Typography.Text>{t("filter.active", { count })}</Typography.Text> : null;
}
