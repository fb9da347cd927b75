import { ArrowDownOutlined, ArrowUpOutlined } from "@ant-design/icons";
import { Button, Checkbox, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { label, type FieldDef } from "../../../lib/meta";
import styles from "./forms.module.css";

export interface Picked {
  fields: string[];
  required: string[];
}

interface Props {
  /** Every field a form may ask for; the lead's own required ones cannot be left out. */
  available: FieldDef[];
  value?: Picked;
  onChange?: (value: Picked) => void;
  id?: string;
}

/** The fields a form asks for: a checkbox each, the chosen ones first in the form's order
 * (moved with the arrow buttons), each with "required". */
export function FieldPicker({ available, value = { fields: [], required: [] }, onChange, id }: Props) {
  const { t, i18n } = useTranslation();
  const byName = new Map(available.map((f) => [f.name, f]));
  const chosen = value.fields;
  const rest = available.filter((f) => !chosen.includes(f.name));
  const change = (next: Picked) => onChange?.({ fields: next.fields, required: next.required.filter((n) => next.fields.includes(n)) });
  const name = (field: string) => {
    const def = byName.get(field);
    return def ? label(def.label, i18n.language) || field : field;
  };

  const move = (index: number, by: number) => {
    const fields = [...chosen];
    const [item] = fields.splice(index, 1);
    if (item === undefined) return;
    fields.splice(index + by, 0, item);
    change({ ...value, fields });
  };

  return (
    <div className={styles.picker} id={id} role="group" aria-label={t("webForms.fields")}>
      <ol className={styles.chosen} aria-label={t("webForms.onTheForm")}>
        {chosen.map((field, index) => {
          const def = byName.get(field);
          const locked = !!def?.required;
          const title = name(field);
          return (
            <li key={field} className={styles.row} data-field={field}>
              <Checkbox checked disabled={locked} onChange={() => change({ ...value, fields: chosen.filter((f) => f !== field) })}>
                <span className={styles.fieldName}>{title}</span>
              </Checkbox>
              <span className={styles.rowEnd}>
                <Checkbox
                  checked={locked || value.required.includes(field)}
                  disabled={locked}
                  onChange={(e) => change({ ...value, required: e.target.checked ? [...value.required, field] : value.required.filter((f) => f !== field) })}
                  aria-label={t("webForms.requiredOne", { field: title })}
                >
                  <span aria-hidden="true">{t("webForms.required")}</span>
                </Checkbox>
                <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => move(index, -1)} aria-label={t("webForms.moveUp", { field: title })} />
                <Button
                  size="small"
                  type="text"
                  icon={<ArrowDownOutlined />}
                  disabled={index === chosen.length - 1}
                  onClick={() => move(index, 1)}
                  aria-label={t("webForms.moveDown", { field: title })}
                />
              </span>
            </li>
          );
        })}
      </ol>
      {rest.length > 0 && (
        <>
          <Typography.Text type="secondary" className={styles.more}>
            {t("webForms.moreFields")}
          </Typography.Text>
          <ul className={styles.rest} aria-label={t("webForms.moreFields")}>
            {rest.map((field) => (
              <li key={field.name} className={styles.row}>
                <Checkbox checked={false} onChange={() => change({ ...value, fields: [...chosen, field.name] })}>
                  <span className={styles.fieldName}>{label(field.label, i18n.language) || field.name}</span>
                </Checkbox>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
