import { EditOutlined } from "@ant-design/icons";
import { Button, Form, Space, Typography } from "antd";
import { useState, type KeyboardEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../lib/api";
import type { FieldDef } from "../../lib/meta";
import { ifMatch, type RecordData } from "../../lib/records";
import { FieldInput } from "./FieldInput";
import { fromForm, toForm } from "./formValues";
import styles from "./ListPage.module.css";

interface Props {
  object: string;
  field: FieldDef;
  record: RecordData;
  children: ReactNode;
  onSaved: (record: RecordData) => void;
}

// Widgets whose value is committed by a choice (Enter inside them picks an option).
const PICKERS = new Set(["picklist", "multi_picklist", "tags", "lookup", "user", "date", "datetime", "boolean", "address"]);

/** A list cell edited in place: double-click or the pencil opens the field's widget,
 * Enter (or Save) saves against the version shown, Esc cancels; a refusal stays on the cell. */
export function InlineCell({ object, field, record, children, onSaved }: Props) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState<unknown>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const open = () => {
    setValue(toForm(field, record[field.name]));
    setError(null);
    setEditing(true);
  };
  const save = async () => {
    setBusy(true);
    try {
      const saved = await api.patch<RecordData>(`/records/${object}/${record.id}`, { [field.name]: fromForm(field, value) }, ifMatch(record.version));
      setEditing(false);
      onSaved(saved);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) setError(t("records.inlineConflict"));
      else if (caught instanceof ApiError) setError(caught.fieldErrors()[field.name] ?? caught.message);
      else setError(t("common.serverError"));
    } finally {
      setBusy(false);
    }
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      setEditing(false);
    } else if (event.key === "Enter" && !PICKERS.has(field.type) && !event.shiftKey) {
      event.preventDefault();
      void save();
    }
  };

  if (!editing) {
    return (
      <div className={styles.cell} onDoubleClick={open}>
        <span className={styles.cellValue}>{children}</span>
        {/* A plain button: a list shows hundreds of these, and Ant Design's costs a lot more. */}
        <button type="button" className={styles.pencil} onClick={open} aria-label={t("records.editCell")}>
          <EditOutlined />
        </button>
      </div>
    );
  }
  return (
    <div onKeyDown={onKeyDown} className={styles.editor} data-testid="inline-editor">
      <Form.Item validateStatus={error ? "error" : undefined} help={error ?? undefined} style={{ margin: 0 }}>
        <Space.Compact style={{ width: "100%" }}>
          <div style={{ flex: 1, minWidth: 160 }}>
            <FieldInput field={field} value={value} onChange={setValue} />
          </div>
        </Space.Compact>
      </Form.Item>
      <Space size={4} style={{ marginTop: 4 }}>
        <Button size="small" type="primary" loading={busy} onClick={() => void save()}>
          {t("common.save")}
        </Button>
        <Button size="small" onClick={() => setEditing(false)}>
          {t("common.cancel")}
        </Button>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t("records.inlineKeys")}
        </Typography.Text>
      </Space>
    </div>
  );
}
