import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, DatePicker, Form, InputNumber, Modal, Segmented, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../../lib/api";
import { formatMoney } from "../../../lib/format";
import { refusal, type ContractSummary } from "./cashApi";
import { toCents } from "./decimal";
import { MoneyInput } from "./MoneyInput";
import { checkPlan, evenSplit, placeServerErrors, type PlanMode, type PlanRow, type RowProblem } from "./plan";
import { SubmitButton } from "./SubmitButton";
import styles from "./cash.module.css";

interface FormRow {
  due_date?: Dayjs | null;
  value?: string | null;
}

interface Values {
  rows: FormRow[];
}

function planRows(rows: FormRow[] | undefined): PlanRow[] {
  return (rows ?? []).map((row) => ({
    due_date: row.due_date ? row.due_date.format("YYYY-MM-DD") : null,
    value: row.value === undefined || row.value === null ? null : String(row.value),
  }));
}

function formRows(rows: PlanRow[]): FormRow[] {
  return rows.map((row) => ({ due_date: row.due_date ? dayjs(row.due_date) : null, value: row.value }));
}

interface Props {
  contract: string;
  summary: ContractSummary;
  onClose: () => void;
  onDone: () => void;
}

/** 回款计划: instalments by amount or by percentage of the contract, each with its due
 * date, checked as one types (what is planned, what stays unscheduled) and sent in one
 * request; the server's refusals land on the rows they name. */
export default function PaymentPlanDialog({ contract, summary, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [mode, setMode] = useState<PlanMode>("amount");
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [count, setCount] = useState<number>(2);
  const watched = Form.useWatch("rows", form);
  const firstDue = dayjs().add(1, "month").format("YYYY-MM-DD");
  const initial = formRows(evenSplit(1, mode, summary.contracted, summary.unscheduled, firstDue));
  const check = checkPlan(planRows(watched ?? initial), mode, summary.contracted, summary.unscheduled);
  const money = (amount: string) => formatMoney(amount, summary.currency);
  const start = summary.instalments.length;

  const problemText = (p: RowProblem) => t(`cash.plan.${p.key}`, p.values);
  const clearErrors = (rows: unknown[]) =>
    form.setFields(rows.flatMap((_, i) => (["due_date", "value"] as const).map((field) => ({ name: ["rows", i, field], errors: [] }))));
  const split = () => {
    const rows = evenSplit(count, mode, summary.contracted, summary.unscheduled, firstDue);
    form.setFieldsValue({ rows: formRows(rows) });
    clearErrors(rows);
  };
  const switchMode = (next: PlanMode) => {
    setMode(next);
    // The rows keep their dates; their values mean something else now: split afresh.
    const current = watched ?? initial;
    const rows = formRows(evenSplit(current.length || 1, next, summary.contracted, summary.unscheduled, firstDue));
    form.setFieldsValue({ rows: rows.map((row, i) => ({ ...row, due_date: current[i]?.due_date ?? row.due_date })) });
    clearErrors(rows);
  };

  const submit = async () => {
    setProblems([]);
    const rows = planRows(form.getFieldValue("rows") as FormRow[]);
    const result = checkPlan(rows, mode, summary.contracted, summary.unscheduled);
    const fieldErrors = new Map<string, string[]>();
    for (const p of result.problems) {
      const key = `${String(p.index)}.${p.field}`;
      fieldErrors.set(key, [...(fieldErrors.get(key) ?? []), problemText(p)]);
    }
    form.setFields(
      rows.flatMap((_, i) => (["due_date", "value"] as const).map((field) => ({ name: ["rows", i, field], errors: fieldErrors.get(`${String(i)}.${field}`) ?? [] }))),
    );
    if (rows.length === 0) {
      setProblems([t("cash.plan.empty")]);
      return;
    }
    if (result.problems.length) return;
    setBusy(true);
    try {
      await api.post(`/sales/contracts/${contract}/payment-plan`, { instalments: result.instalments });
      void message.success(t("cash.planSaved", { count: rows.length }));
      onDone();
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) {
        const placed = placeServerErrors(error.problem.errors as { field: string; message: string; index?: number }[]);
        form.setFields(placed.rows.map((r) => ({ name: ["rows", r.index, r.field], errors: [r.message] })));
        setProblems(placed.other);
      } else {
        setProblems([refusal(error, t("common.serverError"))]);
      }
    } finally {
      setBusy(false);
    }
  };

  const over = (toCents(check.left) ?? 0n) < 0n;
  return (
    <Modal
      open
      width={680}
      title={start ? t("cash.addInstalments") : t("cash.setUpPlan")}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t("common.cancel")}
        </Button>,
        <SubmitButton key="ok" busy={busy} onClick={() => void submit()}>
          {t("cash.savePlan")}
        </SubmitButton>,
      ]}
    >
      <Typography.Paragraph type="secondary">
        {t("cash.planHint", { contracted: money(summary.contracted), unscheduled: money(summary.unscheduled) })}
      </Typography.Paragraph>
      <div className={styles.modeBar}>
        <Segmented<PlanMode>
          value={mode}
          onChange={switchMode}
          aria-label={t("cash.planMode")}
          options={[
            { value: "amount", label: t("cash.byAmount") },
            { value: "percent", label: t("cash.byPercent") },
          ]}
        />
        <div className={styles.split}>
          <InputNumber
            min={1}
            max={24}
            precision={0}
            value={count}
            onChange={(v) => setCount(v ?? 1)}
            aria-label={t("cash.splitCount")}
            style={{ width: 64 }}
          />
          <Button onClick={split}>{t("cash.splitEvenly")}</Button>
        </div>
      </div>
      {problems.length > 0 && <Alert type="error" showIcon className={styles.gap} message={problems.join("; ")} data-testid="plan-problems" />}
      <Form form={form} layout="vertical" initialValues={{ rows: initial }} requiredMark={false}>
        <Form.List name="rows">
          {(items, { add, remove }) => (
            <>
              {items.map((item, index) => (
                <div key={item.key} className={styles.planRow} data-plan-row={index}>
                  <span className={styles.planRowName}>{t("cash.instalmentN", { n: start + index + 1 })}</span>
                  <Form.Item name={[item.name, "due_date"]} label={t("cash.dueDate")}>
                    <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
                  </Form.Item>
                  <Form.Item
                    name={[item.name, "value"]}
                    label={mode === "percent" ? t("cash.percentOfContract") : t("cash.amount")}
                    extra={
                      mode === "percent" && check.amounts[index] ? (
                        <span className={styles.planComputed}>= {money(check.amounts[index] ?? "0")}</span>
                      ) : undefined
                    }
                  >
                    {mode === "percent" ? (
                      <InputNumber<string> stringMode min="0" max="100" precision={2} suffix="%" style={{ width: "100%" }} />
                    ) : (
                      <MoneyInput currency={summary.currency} />
                    )}
                  </Form.Item>
                  <Button
                    type="text"
                    icon={<DeleteOutlined />}
                    aria-label={t("cash.removeInstalment", { n: start + index + 1 })}
                    onClick={() => remove(item.name)}
                    disabled={items.length === 1}
                    style={{ marginTop: 30 }}
                  />
                </div>
              ))}
              <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({ due_date: null, value: null })} className={styles.gap}>
                {t("cash.addRow")}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
      <div className={styles.planTotals} data-testid="plan-totals">
        <span>
          {t("cash.planTotal")}{t("cash.colon")}<strong>{money(check.total)}</strong>
        </span>
        <span className={over ? styles.negative : undefined}>
          {t("cash.leftUnscheduled")}{t("cash.colon")}<strong>{money(check.left)}</strong>
        </span>
      </div>
    </Modal>
  );
}
