import { Alert, App, Button, Form, Modal, Skeleton } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { FieldInput } from "../../../features/records/FieldInput";
import { fromForm } from "../../../features/records/formValues";
import { ApiError, api } from "../../../lib/api";
import { formatDate, formatMoney } from "../../../lib/format";
import { label, useObject, type FieldDef } from "../../../lib/meta";
import type { RecordData } from "../../../lib/records";
import { refusal, type Instalment } from "./cashApi";
import { MoneyInput } from "./MoneyInput";
import { SubmitButton } from "./SubmitButton";
import styles from "./cash.module.css";

/** The payment's fields the dialog asks for, in this order. */
const ASKED = ["amount", "paid_on", "method", "reference", "description"] as const;

interface Props {
  contract: string;
  instalment: Instalment;
  currency: string;
  onClose: () => void;
  onDone: () => void;
}

/** 登记回款: a payment matched to one instalment, for what remains of it unless told
 * otherwise. More than remains is refused by the server, its words shown at the amount. */
export default function RecordPaymentDialog({ contract, instalment, currency, onClose, onDone }: Props) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const payment = useObject("payment");
  const [form] = Form.useForm<Record<string, unknown>>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const byName = new Map((payment.data?.fields ?? []).map((f) => [f.name, f]));
  // The amount is in the contract's currency, whatever the field's default.
  const fields = ASKED.flatMap((name) => {
    const field = byName.get(name);
    if (!field || field.archived || field.editable?.create === false) return [];
    return [name === "amount" ? ({ ...field, currency } satisfies FieldDef) : field];
  });
  const money = (amount: string) => formatMoney(amount, currency);

  const submit = async (values: Record<string, unknown>) => {
    setBusy(true);
    setProblem(null);
    const body: Record<string, unknown> = { payment_plan: instalment.id, contract };
    for (const field of fields) {
      const value = fromForm(field, values[field.name]);
      if (value !== null) body[field.name] = value;
    }
    try {
      const made = await api.post<RecordData>("/records/payment", body);
      void message.success(t("cash.paymentRecorded", { number: String(made.payment_no ?? ""), amount: money((made.amount as { amount: string }).amount) }));
      onDone();
    } catch (error) {
      const known = new Set(fields.map((f) => f.name));
      const placed = error instanceof ApiError ? (error.problem.errors ?? []).filter((e) => known.has(e.field)) : [];
      form.setFields(placed.map((e) => ({ name: e.field, errors: [e.message] })));
      if (placed.length === 0) setProblem(refusal(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t("cash.recordPaymentTitle", { name: instalment.name })}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t("common.cancel")}
        </Button>,
        <SubmitButton key="ok" busy={busy} disabled={!payment.data} onClick={() => form.submit()}>
          {t("cash.recordPayment")}
        </SubmitButton>,
      ]}
    >
      <dl className={styles.instalmentFacts}>
        <div>
          <dt>{t("cash.dueDate")}</dt>
          <dd>{formatDate(instalment.due_date)}</dd>
        </div>
        <div>
          <dt>{t("cash.planned")}</dt>
          <dd>{money(instalment.amount)}</dd>
        </div>
        <div>
          <dt>{t("cash.paid")}</dt>
          <dd>{money(instalment.collected)}</dd>
        </div>
        <div>
          <dt>{t("cash.remaining")}</dt>
          <dd>{money(instalment.remaining)}</dd>
        </div>
      </dl>
      {problem && <Alert type="error" showIcon className={styles.gap} message={problem} />}
      {payment.isLoading ? (
        <Skeleton active />
      ) : (
        <Form
          form={form}
          layout="vertical"
          requiredMark
          initialValues={{
            amount: instalment.remaining,
            paid_on: dayjs(),
            method: byName.get("method")?.default ?? undefined,
          }}
          onFinish={(values) => void submit(values)}
        >
          {fields.map((field) => (
            <Form.Item
              key={field.name}
              name={field.name}
              label={label(field.label, i18n.language)}
              rules={field.required ? [{ required: true, message: t("form.required") }] : undefined}
            >
              {field.name === "amount" ? <MoneyInput currency={currency} /> : <FieldInput field={field} />}
            </Form.Item>
          ))}
        </Form>
      )}
    </Modal>
  );
}
