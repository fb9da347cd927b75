import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, DatePicker, Form, Input, Modal, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { ApiError, api } from "../../../lib/api";
import type { ActionDialogProps } from "../../../lib/extensions";
import { formatMoney } from "../../../lib/format";
import { recordsKey, type RecordData } from "../../../lib/records";
import { existingContract, refusal } from "./cashApi";
import { SubmitButton } from "./SubmitButton";
import styles from "./cash.module.css";

interface Values {
  name: string;
  signed_on?: Dayjs | null;
  start_date?: Dayjs | null;
  end_date?: Dayjs | null;
}

const DATES = ["signed_on", "start_date", "end_date"] as const;
const FIELDS = new Set<string>(["name", ...DATES]);

interface Money {
  amount: string;
  currency: string | null;
}

/** 新建合同: a draft contract from a won deal or an accepted quote — its account, contact
 * and amount copied by the server — then the user lands on it. A second contract from
 * the same deal or quote is refused (409): the refusal and a link to the one that
 * exists are shown instead. */
export default function CreateContractDialog({ object, record, onClose }: ActionDialogProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [existing, setExisting] = useState<RecordData | null>(null);
  const source = object.name === "quote" ? "quote" : "opportunity";
  const amount = (source === "quote" ? record.total : record.amount) as Money | null | undefined;
  const name = String(record.name ?? "");

  const submit = async (values: Values) => {
    setBusy(true);
    setProblem(null);
    setExisting(null);
    const body: Record<string, string> = { name: values.name.trim() };
    for (const field of DATES) {
      const value = values[field];
      if (value) body[field] = value.format("YYYY-MM-DD");
    }
    try {
      const made = await api.post<RecordData>(`/sales/contracts/from-${source}/${record.id}`, body);
      for (const touched of ["contract", source, "account"]) void client.invalidateQueries({ queryKey: recordsKey(touched) });
      void message.success(t("cash.contractCreated", { number: String(made.contract_no ?? "") }));
      onClose();
      navigate(`/o/contract/${made.id}`);
    } catch (error) {
      const fields = error instanceof ApiError ? (error.problem.errors ?? []).filter((e) => FIELDS.has(e.field)) : [];
      form.setFields(fields.map((e) => ({ name: e.field as keyof Values, errors: [e.message] })));
      if (fields.length === 0) setProblem(refusal(error, t("common.serverError")));
      if (error instanceof ApiError && error.code === "contract_exists") {
        setExisting(await existingContract(source, record.id).catch(() => null));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t("cash.createContractTitle")}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t("common.cancel")}
        </Button>,
        <SubmitButton key="ok" busy={busy} onClick={() => form.submit()}>
          {t("cash.createContract")}
        </SubmitButton>,
      ]}
    >
      <Typography.Paragraph type="secondary">
        {t(source === "quote" ? "cash.fromQuoteHint" : "cash.fromOpportunityHint", { name })}
      </Typography.Paragraph>
      {amount?.amount && (
        <div className={styles.keyValue}>
          <Typography.Text type="secondary">{t("cash.contractAmount")}</Typography.Text>
          <Typography.Text strong className="gx-amount">
            {formatMoney(amount.amount, amount.currency)}
          </Typography.Text>
        </div>
      )}
      {problem && (
        <Alert
          type="error"
          showIcon
          className={styles.gap}
          data-testid="contract-refusal"
          message={problem}
          description={
            existing ? (
              <Link to={`/o/contract/${existing.id}`} onClick={onClose} className={styles.underlined}>
                {t("cash.openExisting", { number: String(existing.contract_no ?? existing.name ?? "") })}
              </Link>
            ) : undefined
          }
        />
      )}
      <Form form={form} layout="vertical" initialValues={{ name }} onFinish={(values) => void submit(values)} requiredMark>
        <Form.Item name="name" label={t("cash.contractName")} rules={[{ required: true, whitespace: true, message: t("cash.contractNameRequired") }]}>
          <Input maxLength={200} />
        </Form.Item>
        <div className={styles.dates}>
          {DATES.map((field) => (
            <Form.Item key={field} name={field} label={t(`cash.${field}`)}>
              <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
            </Form.Item>
          ))}
        </div>
      </Form>
    </Modal>
  );
}
