import { App, Form, Modal, Select } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../lib/api";
import { label, type ObjectDef } from "../../lib/meta";
import { FieldInput } from "./FieldInput";
import { editableFields, fromForm } from "./formValues";

interface Props {
  object: ObjectDef;
  /** The records to change, at the versions shown (empty: closed). */
  records: { id: string; version: number }[];
  onClose: (done: boolean) => void;
}

/** Set one field on the selected records in one all-or-nothing request. */
export function MassUpdate({ object, records, onClose }: Props) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const fields = editableFields(object.fields, "update").filter((f) => !["file", "rich_text"].includes(f.type) && !f.unique);
  const [name, setName] = useState<string | undefined>(undefined);
  const [value, setValue] = useState<unknown>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = fields.find((f) => f.name === name);

  const submit = async () => {
    if (!field) return;
    setBusy(true);
    setError(null);
    try {
      const next = fromForm(field, value);
      await api.patch(`/records/${object.name}/bulk`, {
        records: records.map((r) => ({ id: r.id, version: r.version, [field.name]: next })),
        all_or_none: true,
      });
      void message.success(t("records.massUpdated", { count: records.length }));
      onClose(true);
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? (caught.problem.errors?.map((e) => e.message).filter((m, i, all) => all.indexOf(m) === i).join("; ") ?? caught.message)
          : t("common.serverError"),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={records.length > 0}
      title={t("records.massUpdateOf", { count: records.length })}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ disabled: !field, loading: busy }}
      onOk={() => void submit()}
      onCancel={() => onClose(false)}
      destroyOnHidden
    >
      <Form layout="vertical">
        <Form.Item label={t("records.massField")} htmlFor="mass-field">
          <Select
            id="mass-field"
            showSearch
            optionFilterProp="label"
            value={name}
            onChange={(next: string) => {
              setName(next);
              setValue(undefined);
            }}
            options={fields.map((f) => ({ value: f.name, label: label(f.label, i18n.language) }))}
          />
        </Form.Item>
        {field && (
          <Form.Item label={t("records.massValue")} validateStatus={error ? "error" : undefined} help={error ?? undefined} htmlFor="mass-value">
            <FieldInput id="mass-value" field={field} value={value} onChange={setValue} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
