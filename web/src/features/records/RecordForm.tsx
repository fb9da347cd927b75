import { App, Button, Card, Col, Form, Modal, Row, Space, Typography } from "antd";
import type { Rule } from "antd/es/form";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useBlocker } from "react-router-dom";
import { ApiError, api, problemMessage } from "../../lib/api";
import { label, type FieldDef, type ObjectDef } from "../../lib/meta";
import { ifMatch, type RecordData } from "../../lib/records";
import { FieldValue } from "../../components/FieldValue";
import { useLayout, type LayoutSection } from "../../lib/layouts";
import { FieldInput } from "./FieldInput";
import { changedValues, differences, editableFields, recordToForm, type FormValues } from "./formValues";
import styles from "./RecordForm.module.css";

interface Props {
  object: ObjectDef;
  /** The record being edited, or null to create one. */
  record: RecordData | null;
  onSaved: (record: RecordData, again?: boolean) => void;
  onCancel: () => void;
  /** Values a new record starts with (e.g. the lookup to the record it is created from),
   * with the titles of the records those lookups point at. */
  defaults?: Prefill;
}

export interface Prefill {
  values: Record<string, unknown>;
  related: Record<string, { id: string; name: string }>;
}

/** While a form holds unsaved changes, leaving the page (a link, back, closing the tab)
 * asks first. */
function useLeaveGuard(): [boolean, (dirty: boolean) => void] {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const [dirty, setDirtyState] = useState(false);
  // Read when a navigation starts, which may be in the same tick as a save that cleared it.
  const dirtyNow = useRef(false);
  const setDirty = useCallback((value: boolean) => {
    dirtyNow.current = value;
    setDirtyState(value);
  }, []);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirtyNow.current && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    modal.confirm({
      title: t("form.leaveTitle"),
      content: t("form.leaveText"),
      okText: t("form.leave"),
      okButtonProps: { danger: true },
      cancelText: t("form.stay"),
      onOk: () => blocker.proceed(),
      onCancel: () => blocker.reset(),
    });
  }, [blocker, modal, t]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
  return [dirty, setDirty];
}

const WIDE = new Set(["long_text", "rich_text", "address"]);

function rules(field: FieldDef, t: (key: string, options?: Record<string, unknown>) => string): Rule[] {
  const out: Rule[] = [];
  if (field.required && field.type !== "boolean") out.push({ required: true, message: t("form.required") });
  if (field.max_length) out.push({ max: field.max_length, message: t("form.tooLong", { max: field.max_length }) });
  if (field.type === "email") out.push({ type: "email", message: t("form.email") });
  if (field.type === "url") out.push({ pattern: /^https?:\/\/\S+$/i, message: t("form.url") });
  if (field.type === "phone") out.push({ pattern: /^\+?[\d\s()-]{5,20}$/, message: t("form.phone") });
  return out;
}

/** The form for any object's record, generated from its fields; server refusals land on
 * their fields, and a version conflict offers to reload and re-apply the user's changes. */
export function RecordForm({ object, record, onSaved, onCancel, defaults }: Props) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const operation = record ? "update" : "create";
  const fields = editableFields(object.fields, operation);
  const writable = new Map(fields.map((f) => [f.name, f]));
  const shown = new Map(object.fields.filter((f) => !f.archived).map((f) => [f.name, f]));
  const layout = useLayout(object.name, "form");
  // Until the layout arrives (or if it cannot), one section with every writable field.
  const sections: LayoutSection[] = layout.data?.sections ?? [
    { key: "details", title: { en: "Details", "zh-CN": "详细信息" }, columns: 2, fields: fields.map((f) => f.name) },
  ];
  const [base, setBase] = useState<RecordData | null>(record);
  const [form] = Form.useForm<FormValues>();
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<{ fresh: RecordData; changed: FieldDef[] } | null>(null);
  const [dirty, setDirty] = useLeaveGuard();

  const save = async (again = false) => {
    let values: FormValues;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    const changes = changedValues(fields, values, base);
    if (base && Object.keys(changes).length === 0) {
      onSaved(base);
      return;
    }
    setBusy(true);
    try {
      const saved = base
        ? await api.patch<RecordData>(`/records/${object.name}/${base.id}`, changes, ifMatch(base.version))
        : await api.post<RecordData>(`/records/${object.name}`, changes);
      void message.success(t("form.saved"));
      setDirty(false);
      if (again) form.resetFields();
      onSaved(saved, again);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412 && base) {
        const fresh = await api.get<RecordData>(`/records/${object.name}/${base.id}`);
        setConflict({ fresh, changed: differences(object.fields, base, fresh) });
      } else if (error instanceof ApiError && error.problem.errors?.length) {
        const known = new Set(fields.map((f) => f.name));
        const placed = error.problem.errors.filter((e) => known.has(e.field.split(".")[0] ?? ""));
        form.setFields(placed.map((e) => ({ name: e.field.split(".")[0] ?? e.field, errors: [e.message] })));
        const others = error.problem.errors.filter((e) => !placed.includes(e));
        void message.error(others.length ? others.map((e) => `${e.field}: ${e.message}`).join("; ") : t("form.fixErrors"));
      } else {
        void message.error(problemMessage(error, t("common.serverError")));
      }
    } finally {
      setBusy(false);
    }
  };

  /** Take the other person's version as the base and put the user's own changes on top. */
  const reapply = () => {
    if (!conflict || !base) return;
    const mine = changedValues(fields, form.getFieldsValue(true), base);
    const next = recordToForm(fields, conflict.fresh);
    const overlay = recordToForm(fields, { ...conflict.fresh, ...mine });
    for (const name of Object.keys(mine)) next[name] = overlay[name];
    setBase(conflict.fresh);
    form.setFieldsValue(next);
    setConflict(null);
    void message.info(t("form.reapplied"));
  };

  // The title a lookup shows for its current value, without asking the server.
  const relatedTitle = (name: string): string | undefined => {
    const target = record ? record._related?.[name] : defaults?.related[name];
    return target ? String(target.name ?? "") : undefined;
  };
  return (
    <>
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={record ? recordToForm(fields, record) : recordToForm(fields, null, defaults?.values)}
        onFinish={() => void save()}
        onValuesChange={() => {
          if (!dirty) setDirty(true);
        }}
        scrollToFirstError
        className={styles.form}
      >
        {sections.map((section) => (
          <Card key={section.key} size="small" title={label(section.title, i18n.language)} className={styles.section}>
            <Row gutter={24}>
              {section.fields
                .map((name) => writable.get(name) ?? shown.get(name))
                .filter((f): f is FieldDef => !!f)
                .map((field) => (
                  <Col
                    key={field.name}
                    xs={24}
                    md={WIDE.has(field.type) ? 24 : 24 / section.columns}
                  >
                    {writable.has(field.name) ? (
                      <Form.Item
                        name={field.name}
                        label={label(field.label, i18n.language)}
                        tooltip={field.help ? label(field.help, i18n.language) : undefined}
                        rules={rules(field, t)}
                      >
                        <FieldInput field={field} currentTitle={relatedTitle(field.name)} />
                      </Form.Item>
                    ) : (
                      <Form.Item label={label(field.label, i18n.language)} tooltip={t("form.readOnly")}>
                        <FieldValue field={field} value={base?.[field.name]} record={base ?? undefined} />
                      </Form.Item>
                    )}
                  </Col>
                ))}
            </Row>
          </Card>
        ))}
        <div className={styles.footer}>
          <Space>
            <Button type="primary" htmlType="submit" loading={busy}>
              {t("common.save")}
            </Button>
            {!record && (
              <Button onClick={() => void save(true)} disabled={busy}>
                {t("form.saveAndNew")}
              </Button>
            )}
            <Button
              onClick={() => {
                setDirty(false);
                onCancel();
              }}
            >
              {t("common.cancel")}
            </Button>
          </Space>
        </div>
      </Form>
      <Modal
        open={!!conflict}
        title={t("form.conflictTitle")}
        onCancel={() => setConflict(null)}
        footer={[
          <Button key="discard" onClick={() => conflict && onSaved(conflict.fresh)}>
            {t("form.discardMine")}
          </Button>,
          <Button key="reapply" type="primary" onClick={reapply}>
            {t("form.reapply")}
          </Button>,
        ]}
      >
        <Typography.Paragraph>{t("form.conflictText")}</Typography.Paragraph>
        {conflict && conflict.changed.length > 0 && (
          <ul data-testid="conflict-fields">
            {conflict.changed.map((f) => (
              <li key={f.name}>{label(f.label, i18n.language)}</li>
            ))}
          </ul>
        )}
      </Modal>
    </>
  );
}
