import { CalendarOutlined, CheckCircleOutlined, ExclamationCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Grid, Progress, Skeleton, Table, Tag, Typography } from "antd";
import { Suspense, lazy, useState, type HTMLAttributes } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { FieldValue } from "../../../components/FieldValue";
import type { PanelProps } from "../../../lib/extensions";
import { formatDate, formatMoney } from "../../../lib/format";
import { useObject } from "../../../lib/meta";
import type { RecordData } from "../../../lib/records";
import { can, useMe } from "../../../lib/session";
import { PAYMENTS_SHOWN, refusal, useContractPayments, useContractSummary, type ContractSummary, type Instalment } from "./cashApi";
import { shareOf, toCents } from "./decimal";
import { StatTiles } from "./StatTiles";
import styles from "./cash.module.css";

const PaymentPlanDialog = lazy(() => import("./PaymentPlanDialog"));
const RecordPaymentDialog = lazy(() => import("./RecordPaymentDialog"));

const positive = (amount: string) => (toCents(amount) ?? 0n) > 0n;

/** 回款: the contract's figures, its instalments with what remains of each, and the
 * payments received — with setting up the plan and recording a payment against an
 * instalment. Every figure comes from the server's summary. */
export default function ContractPaymentsTab({ record, onChanged }: PanelProps) {
  const { t } = useTranslation();
  const me = useMe();
  const summary = useContractSummary(record.id);
  const [planning, setPlanning] = useState(false);
  const [paying, setPaying] = useState<Instalment | null>(null);
  const data = summary.data;
  if (summary.isLoading) return <Skeleton active paragraph={{ rows: 6 }} />;
  if (summary.error || !data) return <Alert type="error" showIcon message={refusal(summary.error, t("common.serverError"))} />;
  const mayPlan = can(me.data, "create", "payment_plan");
  const mayPay = can(me.data, "create", "payment");
  const money = (amount: string) => formatMoney(amount, data.currency);
  const changed = () => {
    onChanged();
    void summary.refetch();
  };

  return (
    <div data-testid="contract-payments">
      <ContractTiles summary={data} />
      <div className={styles.facts}>
        {data.next_due && (
          <span data-testid="next-due">
            <CalendarOutlined aria-hidden="true" />{" "}
            {t("cash.nextDue", { name: data.next_due.name, date: formatDate(data.next_due.due_date), amount: money(data.next_due.remaining) })}
          </span>
        )}
        <span>
          {t("cash.invoiced")}{t("cash.colon")}<span className={styles.amount}>{money(data.invoiced)}</span>
        </span>
        {positive(data.unscheduled) && data.instalments.length > 0 && (
          <span>
            {t("cash.unscheduled")}{t("cash.colon")}<span className={styles.amount}>{money(data.unscheduled)}</span>
          </span>
        )}
      </div>

      <div className={styles.sectionHeader}>
        <Typography.Title level={5} className={styles.sectionTitle}>
          {t("cash.instalments")} ({data.instalments.length})
        </Typography.Title>
        {mayPlan && positive(data.unscheduled) && data.instalments.length > 0 && (
          <Button size="small" icon={<PlusOutlined />} onClick={() => setPlanning(true)}>
            {t("cash.addInstalments")}
          </Button>
        )}
      </div>
      {data.instalments.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("cash.noPlan")}>
          {mayPlan && positive(data.unscheduled) && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setPlanning(true)}>
              {t("cash.setUpPlan")}
            </Button>
          )}
        </Empty>
      ) : (
        <Instalments summary={data} mayPay={mayPay} onPay={setPaying} />
      )}

      <Payments contract={record.id} currency={data.currency} />

      <Suspense fallback={null}>
        {planning && (
          <PaymentPlanDialog
            contract={record.id}
            summary={data}
            onClose={() => setPlanning(false)}
            onDone={() => {
              setPlanning(false);
              changed();
            }}
          />
        )}
        {paying && (
          <RecordPaymentDialog
            contract={record.id}
            instalment={paying}
            currency={data.currency}
            onClose={() => setPaying(null)}
            onDone={() => {
              setPaying(null);
              changed();
            }}
          />
        )}
      </Suspense>
    </div>
  );
}

function ContractTiles({ summary }: { summary: ContractSummary }) {
  const { t } = useTranslation();
  const money = (amount: string) => formatMoney(amount, summary.currency);
  const share = shareOf(summary.collected, summary.contracted);
  const late = summary.overdue_instalments.length;
  const settled = positive(summary.contracted) && !positive(summary.outstanding);
  return (
    <StatTiles
      testId="contract-tiles"
      tiles={[
        { key: "contracted", label: t("cash.contracted"), value: money(summary.contracted) },
        {
          key: "collected",
          label: t("cash.collected"),
          value: money(summary.collected),
          tone: settled ? "good" : undefined,
          icon: settled ? <CheckCircleOutlined aria-hidden="true" /> : undefined,
          note: (
            <>
              {t("cash.collectedShare", { percent: share })}
              <Progress className={styles.progress} percent={share} showInfo={false} size="small" strokeColor={settled ? "#16a34a" : "#1d4ed8"} aria-hidden="true" />
            </>
          ),
        },
        { key: "outstanding", label: t("cash.outstanding"), value: money(summary.outstanding) },
        {
          key: "overdue",
          label: t("cash.overdue"),
          value: money(summary.overdue),
          tone: positive(summary.overdue) ? "danger" : undefined,
          icon: positive(summary.overdue) ? <ExclamationCircleOutlined aria-hidden="true" /> : undefined,
          note: late ? t("cash.overdueCount", { count: late }) : t("cash.nothingOverdue"),
        },
      ]}
    />
  );
}

function StatusTag({ instalment }: { instalment: Instalment }) {
  const { t } = useTranslation();
  if (instalment.days_overdue > 0) {
    return (
      <Tag className={styles.overdueTag} icon={<ExclamationCircleOutlined aria-hidden="true" />}>
        {t("cash.overdueDays", { count: instalment.days_overdue })}
      </Tag>
    );
  }
  return (
    <Tag className={`${styles.statusTag} ${styles[instalment.status] ?? ""}`}>
      {t(`cash.status.${instalment.status}`)}
    </Tag>
  );
}

function PayButton({ instalment, onPay, block }: { instalment: Instalment; onPay: (i: Instalment) => void; block?: boolean }) {
  const { t } = useTranslation();
  if (!positive(instalment.remaining)) return null;
  return (
    <Button size="small" block={block} onClick={() => onPay(instalment)} aria-label={t("cash.recordPaymentFor", { name: instalment.name })} data-pay={instalment.id}>
      {t("cash.recordPayment")}
    </Button>
  );
}

function Instalments({ summary, mayPay, onPay }: { summary: ContractSummary; mayPay: boolean; onPay: (i: Instalment) => void }) {
  const { t } = useTranslation();
  const phone = Grid.useBreakpoint().md === false;
  const money = (amount: string) => <span className={styles.amount}>{formatMoney(amount, summary.currency)}</span>;
  if (phone) {
    return (
      <ul className={styles.cards} data-testid="instalments">
        {summary.instalments.map((i) => (
          <li key={i.id} className={`${styles.card} ${i.days_overdue > 0 ? styles.cardOverdue : ""}`} data-instalment={i.id}>
            <div className={styles.cardHead}>
              <Typography.Text strong>{i.name}</Typography.Text>
              <StatusTag instalment={i} />
            </div>
            <dl className={styles.cardGrid}>
              <div>
                <dt>{t("cash.dueDate")}</dt>
                <dd>{formatDate(i.due_date)}</dd>
              </div>
              <div>
                <dt>{t("cash.planned")}</dt>
                <dd>{money(i.amount)}</dd>
              </div>
              <div>
                <dt>{t("cash.paid")}</dt>
                <dd>{money(i.collected)}</dd>
              </div>
              <div>
                <dt>{t("cash.remaining")}</dt>
                <dd>{money(i.remaining)}</dd>
              </div>
            </dl>
            {mayPay && <PayButton instalment={i} onPay={onPay} block />}
          </li>
        ))}
      </ul>
    );
  }
  return (
    <div data-testid="instalments">
      <Table<Instalment>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={summary.instalments}
        rowClassName={(i) => (i.days_overdue > 0 ? (styles.overdueRow ?? "") : "")}
        onRow={(i) => ({ "data-instalment": i.id }) as HTMLAttributes<HTMLElement>}
        scroll={{ x: "max-content" }}
        columns={[
          { key: "name", title: t("cash.instalment"), render: (_, i) => <Link to={`/o/payment_plan/${i.id}`}>{i.name}</Link> },
          { key: "due", title: t("cash.dueDate"), render: (_, i) => formatDate(i.due_date) },
          { key: "amount", title: t("cash.planned"), align: "right", render: (_, i) => money(i.amount) },
          { key: "collected", title: t("cash.paid"), align: "right", render: (_, i) => money(i.collected) },
          { key: "remaining", title: t("cash.remaining"), align: "right", render: (_, i) => money(i.remaining) },
          { key: "status", title: t("cash.statusTitle"), render: (_, i) => <StatusTag instalment={i} /> },
          ...(mayPay ? [{ key: "pay", title: <span className="gx-sr-only">{t("cash.actions")}</span>, render: (_: unknown, i: Instalment) => <PayButton instalment={i} onPay={onPay} /> }] : []),
        ]}
      />
    </div>
  );
}

function Payments({ contract, currency }: { contract: string; currency: string }) {
  const { t } = useTranslation();
  const phone = Grid.useBreakpoint().md === false;
  const payments = useContractPayments(contract);
  const paymentObject = useObject("payment").data;
  const method = paymentObject?.fields.find((f) => f.name === "method");
  const records = payments.data?.records ?? [];
  const total = payments.data?.total ?? records.length;
  const money = (r: RecordData) => {
    const value = r.amount as { amount: string; currency: string | null } | null;
    return value ? <span className={styles.amount}>{formatMoney(value.amount, value.currency ?? currency)}</span> : "—";
  };
  const instalmentName = (r: RecordData) => String(r._related?.payment_plan?.name ?? "—");
  return (
    <div className={styles.section}>
      <div className={styles.sectionHeader}>
        <Typography.Title level={5} className={styles.sectionTitle}>
          {t("cash.paymentsReceived")} {payments.data ? `(${String(total)})` : ""}
        </Typography.Title>
      </div>
      {payments.isLoading ? (
        <Skeleton active />
      ) : payments.error ? (
        <Alert type="error" showIcon message={refusal(payments.error, t("common.serverError"))} />
      ) : records.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("cash.noPayments")} />
      ) : phone ? (
        <ul className={styles.cards} data-testid="payments">
          {records.map((r) => (
            <li key={r.id} className={styles.card}>
              <div className={styles.cardHead}>
                <Link to={`/o/payment/${r.id}`}>{String(r.payment_no ?? r.id.slice(0, 8))}</Link>
                {money(r)}
              </div>
              <Typography.Text type="secondary">
                {formatDate(String(r.paid_on ?? ""))} · {instalmentName(r)}
              </Typography.Text>
            </li>
          ))}
        </ul>
      ) : (
        <div data-testid="payments">
          <Table<RecordData>
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={records}
            scroll={{ x: "max-content" }}
            columns={[
              { key: "no", title: t("cash.paymentNo"), render: (_, r) => <Link to={`/o/payment/${r.id}`}>{String(r.payment_no ?? r.id.slice(0, 8))}</Link> },
              { key: "paid_on", title: t("cash.paidOn"), render: (_, r) => formatDate(String(r.paid_on ?? "")) },
              { key: "amount", title: t("cash.amount"), align: "right", render: (_, r) => money(r) },
              { key: "instalment", title: t("cash.instalment"), render: (_, r) => instalmentName(r) },
              { key: "method", title: t("cash.method"), render: (_, r) => (method ? <FieldValue field={method} value={r.method} record={r} /> : String(r.method ?? "—")) },
              { key: "reference", title: t("cash.reference"), render: (_, r) => String(r.reference ?? "") || "—" },
            ]}
          />
        </div>
      )}
      {total > PAYMENTS_SHOWN && <Link to="/o/payment">{t("records.viewAll")}</Link>}
    </div>
  );
}
