import { Button, Form, Space, Typography } from "antd";
import { useState, type KeyboardEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../lib/api";
import { useLocale } from "../../lib/locale";
import { label, type FieldDef } from "../../lib/meta";
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
 * Enter (or Save) saves against the version shown, Esc cancels; a refusal stays on the cell.
 *
 * A list shows hundreds of these, so the closed cell is plain elements and one state;
 * the editor's state and widgets exist only while it is open. */
export function InlineCell({ object, field, record, children, onSaved }: Props) {
  const { t, language } = useLocale();
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <InlineEditor
        object={object}
        field={field}
        record={record}
        onSaved={(saved) => {
          setEditing(false);
          onSaved(saved);
        }}
        onClose={() => setEditing(false)}
      />
    );
  }
  return (
    <div className={styles.cell} onDoubleClick={() => setEditing(true)}>
      <span className={styles.cellValue}>{children}</span>
      <button type="button" className={styles.pencil} onClick={() => setEditing(true)} aria-label={t("records.editField", { field: label(field.label, language) })}>
        <svg viewBox="64 64 896 896" width="1em" height="1em" fill="currentColor" aria-hidden="true">
          <path d={PENCIL} />
        </svg>
      </button>
    </div>
  );
}

// Ant Design's EditOutlined, drawn directly: its icon component costs a context and a
// style check per cell.
const PENCIL =
  "M257.7 752c2 0 4-.2 6-.5L431.9 722c2-.4 3.9-1.3 5.3-2.8l423.9-423.9a9.96 9.96 0 000-14.1L694.9 114.9c-1.9-1.9-4.4-2.9-7.1-2.9s-5.2 1-7.1 2.9L256.8 538.8c-1.5 1.5-2.4 3.3-2.8 5.3l-29.5 168.2a33.5 33.5 0 009.4 29.8c6.6 6.4 14.9 9.9 23.8 9.9zm67.4-174.4L687.8 215l73.3 73.3-362.7 362.6-88.9 15.7 15.6-89zM880 836H144c-17.7 0-32 14.3-32 32v36c0 4.4 3.6 8 8 8h784c4.4 0 8-3.6 8-8v-36c0-17.7-14.3-32-32-32z";

function InlineEditor({
  object,
  field,
  record,
  onSaved,
  onClose,
}: Omit<Props, "children"> & { onClose: () => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState<unknown>(() => toForm(field, record[field.name]));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setBusy(true);
    try {
      const saved = await api.patch<RecordData>(`/records/${object}/${record.id}`, { [field.name]: fromForm(field, value) }, ifMatch(record.version));
      onSaved(saved);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) setError(t("records.inlineConflict"));
      else if (caught instanceof ApiError) setError(caught.fieldErrors()[field.name] ?? caught.message);
      else setError(t("common.serverError"));
      setBusy(false);
    }
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
    } else if (event.key === "Enter" && !PICKERS.has(field.type) && !event.shiftKey) {
      event.preventDefault();
      void save();
    }
  };

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
        <Button size="small" onClick={onClose}>
          {t("common.cancel")}
        </Button>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t("records.inlineKeys")}
        </Typography.Text>
      </Space>
    </div>
  );
}
