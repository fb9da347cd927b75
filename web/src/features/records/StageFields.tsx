import { Form, Modal, Typography } from "antd";
import { useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../lib/api";
import { label, type FieldDef, type ObjectDef } from "../../lib/meta";
import { FieldInput } from "./FieldInput";
import { fromForm } from "./formValues";
import { askableFields } from "./stagePath";

/** Makes the move again with the values asked for; true once it is done. */
export type Retry = (extra: Record<string, unknown>) => Promise<boolean>;

interface Asking {
  value: string;
  /** The stage's label, for the dialog's title. */
  title: string;
  fields: FieldDef[];
  messages: Record<string, string>;
  retry: Retry;
}

export interface StageFields {
  /** After a refused move to `value`: true when the server named fields the stage needs
   * that the user can fill in. The dialog then asks for exactly those (or, already open,
   * shows the new complaints next to them) and `retry` moves with their values. */
  offer: (error: unknown, value: string, title: string, retry: Retry) => boolean;
  close: () => void;
  /** The dialog, to be drawn by the screen that moves records. */
  dialog: ReactNode;
}

/** What a move to another stage shares wherever it is made (the record page's stage
 * path, a kanban's columns): when the server wants more for that stage (a lost deal's
 * reason, a won one's amount: 422 naming the fields), a small dialog asks for them and the
 * move is tried again with them. `stage` is the field being moved along. */
export function useStageFields(object: ObjectDef, stage: string): StageFields {
  const { t, i18n } = useTranslation();
  const [asking, setAsking] = useState<Asking | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Record<string, unknown>>();
  // The stage being asked for, read by retries made from earlier renders.
  const open = useRef<string | null>(null);

  const close = () => {
    open.current = null;
    setAsking(null);
  };

  const offer = (error: unknown, value: string, title: string, retry: Retry): boolean => {
    if (!(error instanceof ApiError) || error.status !== 422) return false;
    const named = error.fieldErrors();
    const fields = askableFields(object, stage, Object.keys(named));
    if (fields.length === 0) return false;
    if (open.current === value) form.setFields(fields.map((f) => ({ name: f.name, errors: named[f.name] ? [named[f.name] ?? ""] : [] })));
    open.current = value;
    setAsking({ value, title, fields, messages: named, retry });
    return true;
  };

  const submit = async () => {
    if (!asking) return;
    let values: Record<string, unknown>;
    try {
      values = await form.validateFields();
    } catch {
      return; // the form shows what is missing
    }
    const extra: Record<string, unknown> = {};
    for (const f of asking.fields) extra[f.name] = fromForm(f, values[f.name]);
    setBusy(true);
    try {
      if (await asking.retry(extra)) close();
    } finally {
      setBusy(false);
    }
  };

  const dialog = (
    <Modal
      open={asking !== null}
      title={asking ? t("stagePath.askTitle", { stage: asking.title }) : ""}
      okText={t("stagePath.askOk")}
      cancelText={t("common.cancel")}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={close}
      destroyOnHidden
    >
      {asking && (
        <Form form={form} layout="vertical" preserve={false} onFinish={() => void submit()}>
          <Typography.Paragraph type="secondary">{t("stagePath.askHint")}</Typography.Paragraph>
          {asking.fields.map((f) => (
            <Form.Item
              key={f.name}
              name={f.name}
              label={label(f.label, i18n.language)}
              rules={[{ required: true, message: asking.messages[f.name] ?? t("stagePath.required") }]}
            >
              <FieldInput field={f} />
            </Form.Item>
          ))}
        </Form>
      )}
    </Modal>
  );

  return { offer, close, dialog };
}
