import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Checkbox, Col, Form, Input, Modal, Radio, Row, Skeleton, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { RecordSelect } from "../../components/RecordSelect";
import { FieldInput } from "../../features/records/FieldInput";
import { fromForm } from "../../features/records/formValues";
import { ApiError, api } from "../../lib/api";
import type { ActionDialogProps } from "../../lib/extensions";
import { label, useObject } from "../../lib/meta";
import { recordsKey } from "../../lib/records";
import {
  NO_DUPLICATES,
  conversionBody,
  defaultOpportunityName,
  initialAccount,
  placeErrors,
  type Candidate,
  type Duplicates,
  type Target,
} from "./conversion";
import styles from "./sales.module.css";

const NEW = "__new__";
const SEARCH = "__search__";

interface Values {
  account: string;
  accountSearch?: string | null;
  contact: string;
  contactSearch?: string | null;
  withOpportunity: boolean;
  name?: string;
  amount?: unknown;
  close_date?: unknown;
}

interface Converted {
  account_id: string;
  contact_id: string;
  opportunity_id: string | null;
}

/** Objects whose lists and records a conversion changes. */
const TOUCHED = ["lead", "account", "contact", "opportunity", "activity", "task"];

/** Suggestions of records the lead may already be: none when the check is not there. */
function useDuplicates(lead: string) {
  return useQuery({
    queryKey: ["sales", "lead", lead, "duplicates"],
    queryFn: async ({ signal }) => {
      try {
        return await api.get<Duplicates>(`/sales/leads/${lead}/duplicates`, signal);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return NO_DUPLICATES;
        throw error;
      }
    },
    staleTime: 10_000,
    retry: false,
  });
}

/** 转化: the lead becomes an account (new or existing), a contact (new or existing) and,
 * when asked, an opportunity — in one request; then the user lands on the result. */
export default function ConvertLeadDialog({ record, onClose }: ActionDialogProps) {
  const { t } = useTranslation();
  const duplicates = useDuplicates(record.id);
  const name = String(record.name ?? "");
  return (
    <Modal
      open
      title={t("sales.convertTitle", { name })}
      onCancel={onClose}
      footer={null}
      width={640}
      destroyOnHidden
    >
      {duplicates.isLoading ? (
        <Skeleton active />
      ) : (
        <>
          {duplicates.error && <Alert type="warning" showIcon className={styles.gap} message={t("sales.duplicatesFailed")} />}
          <ConvertForm lead={record.id} name={name} company={String(record.company ?? "") || name} duplicates={duplicates.data ?? NO_DUPLICATES} onClose={onClose} />
        </>
      )}
    </Modal>
  );
}

function target(choice: string, searched: string | null | undefined): Target {
  if (choice === NEW) return { kind: "new" };
  return { kind: "existing", id: choice === SEARCH ? (searched ?? null) : choice };
}

function ConvertForm({ lead, name, company, duplicates, onClose }: { lead: string; name: string; company: string; duplicates: Duplicates; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const opportunity = useObject("opportunity").data;
  const amountField = opportunity?.fields.find((f) => f.name === "amount");
  const dateField = opportunity?.fields.find((f) => f.name === "close_date");
  const withOpportunity = Form.useWatch("withOpportunity", form) ?? true;
  const accountChoice = Form.useWatch("account", form);
  const contactChoice = Form.useWatch("contact", form);
  const first = initialAccount(duplicates);

  const submit = async (values: Values) => {
    setBusy(true);
    setProblems([]);
    const body = conversionBody(
      target(values.account, values.accountSearch),
      target(values.contact, values.contactSearch),
      values.withOpportunity
        ? {
            name: values.name ?? "",
            amount: amountField ? ((fromForm(amountField, values.amount) as { amount: string } | null)?.amount ?? null) : null,
            close_date: dateField ? (fromForm(dateField, values.close_date) as string | null) : null,
          }
        : null,
    );
    try {
      const made = await api.post<Converted>(`/sales/leads/${lead}/convert`, body);
      for (const object of TOUCHED) void client.invalidateQueries({ queryKey: recordsKey(object) });
      void message.success(t("sales.converted", { name }));
      onClose();
      navigate(made.opportunity_id ? `/o/opportunity/${made.opportunity_id}` : `/o/account/${made.account_id}`);
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) {
        const placed = placeErrors(error.problem.errors, values.withOpportunity);
        form.setFields([
          { name: values.account === SEARCH ? "accountSearch" : "account", errors: placed.account ? [placed.account] : [] },
          { name: values.contact === SEARCH ? "contactSearch" : "contact", errors: placed.contact ? [placed.contact] : [] },
          ...(["name", "amount", "close_date"] as const).map((f) => ({ name: f, errors: placed.opportunity[f] ? [placed.opportunity[f] ?? ""] : [] })),
        ]);
        setProblems(placed.other.length ? placed.other : placed.account || placed.contact || Object.keys(placed.opportunity).length ? [] : [error.message]);
      } else {
        setProblems([error instanceof ApiError ? error.message : t("common.serverError")]);
      }
      if (error instanceof ApiError && error.status === 409) void client.invalidateQueries({ queryKey: recordsKey("lead") });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form<Values>
      id="convert-lead"
      form={form}
      layout="vertical"
      requiredMark="optional"
      disabled={busy}
      onFinish={(values) => void submit(values)}
      initialValues={{
        account: first.kind === "new" ? NEW : first.id,
        contact: NEW,
        withOpportunity: true,
        name: defaultOpportunityName(company, i18n.language),
      }}
    >
      {problems.length > 0 && (
        <Alert type="error" showIcon className={styles.gap} message={t("sales.notConverted")} description={problems.join(" ")} role="alert" />
      )}
      <Choice
        field="account"
        object="account"
        title={t("sales.account")}
        createLabel={t("sales.newAccount", { name: company })}
        searchLabel={t("sales.existingAccount")}
        candidates={duplicates.accounts}
        searching={accountChoice === SEARCH}
      />
      <Choice
        field="contact"
        object="contact"
        title={t("sales.contact")}
        createLabel={t("sales.newContact", { name })}
        searchLabel={t("sales.existingContact")}
        candidates={duplicates.contacts}
        searching={contactChoice === SEARCH}
      />
      <Form.Item name="withOpportunity" valuePropName="checked" className={styles.tight}>
        <Checkbox>{t("sales.withOpportunity")}</Checkbox>
      </Form.Item>
      {withOpportunity && (
        <div className={styles.opportunity}>
          <Form.Item name="name" label={t("sales.opportunityName")} rules={[{ required: true, whitespace: true, message: t("sales.opportunityNameRequired") }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Row gutter={16}>
            {amountField && (
              <Col xs={24} sm={12}>
                <Form.Item name="amount" label={label(amountField.label, i18n.language)}>
                  <FieldInput field={amountField} />
                </Form.Item>
              </Col>
            )}
            {dateField && (
              <Col xs={24} sm={12}>
                <Form.Item name="close_date" label={label(dateField.label, i18n.language)}>
                  <FieldInput field={dateField} />
                </Form.Item>
              </Col>
            )}
          </Row>
        </div>
      )}
      <div className={styles.footer}>
        <Button onClick={onClose} disabled={false}>
          {t("common.cancel")}
        </Button>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t("sales.convert")}
        </Button>
      </div>
    </Form>
  );
}

interface ChoiceProps {
  field: "account" | "contact";
  object: string;
  title: string;
  createLabel: string;
  searchLabel: string;
  candidates: Candidate[];
  searching: boolean;
}

/** New record, one of the suggestions, or a record searched for. */
function Choice({ field, object, title, createLabel, searchLabel, candidates, searching }: ChoiceProps) {
  const { t } = useTranslation();
  return (
    <fieldset className={styles.fieldset}>
      <legend className={styles.legend}>{title}</legend>
      {candidates.length > 0 && (
        <Typography.Text type="secondary" className={styles.hint}>
          {t("sales.duplicatesFound", { count: candidates.length })}
        </Typography.Text>
      )}
      <Form.Item name={field} className={styles.tight}>
        <Radio.Group className={styles.choices} aria-label={title}>
          <Radio value={NEW}>{createLabel}</Radio>
          {candidates.map((c) => (
            <Radio key={c.id} value={c.id} data-testid={`duplicate-${field}`}>
              <Space size={6} wrap>
                <span>{c.name}</span>
                <Tag className={styles.score}>
                  {t("sales.similarity", { percent: Math.round(c.score * 100) })}
                </Tag>
                {c.reasons.length > 0 && (
                  <Typography.Text type="secondary" className={styles.reasons}>
                    {c.reasons.map((r) => t(`sales.reason.${r}`, { defaultValue: r })).join(" · ")}
                  </Typography.Text>
                )}
              </Space>
            </Radio>
          ))}
          <Radio value={SEARCH}>{searchLabel}</Radio>
        </Radio.Group>
      </Form.Item>
      {searching && (
        <Form.Item
          name={`${field}Search`}
          label={searchLabel}
          className={styles.search}
          rules={[{ required: true, message: t("sales.pickOne") }]}
          htmlFor={`convert-${field}-search`}
        >
          <RecordSelect object={object} id={`convert-${field}-search`} />
        </Form.Item>
      )}
    </fieldset>
  );
}
