/**
 * 销售预测 / Forecast: per owner or department, the won amount, the open deals by forecast
 * category (commit, best case, pipeline — not cumulative) and the weighted pipeline of a
 * month or quarter, as the server totals them (GET /sales/forecast). The browser only
 * formats the amounts; the bar beside each row is a picture of the same figures.
 */
import { ApartmentOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Empty, Grid, Result, Segmented, Skeleton, Table, Typography } from "antd";
import type { TableColumnsType } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { ApiError, problemMessage } from "../../../lib/api";
import { formatMoney } from "../../../lib/format";
import { can, useMe } from "../../../lib/session";
import { useUsers } from "../../../lib/users";
import { CATEGORIES, MEASURES, useForecast, type Amounts, type Forecast, type ForecastGroup, type GroupBy, type Measure } from "./api";
import { barLength } from "./bars";
import { compareDecimals } from "./decimal";
import { ForecastBar } from "./ForecastBar";
import { PeriodPicker, usePeriod } from "./PeriodPicker";
import { periodLabel, periodText, type PeriodKind } from "./period";
import styles from "./forecast.module.css";

const KINDS: readonly PeriodKind[] = ["month", "quarter"];

export default function ForecastPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const phone = Grid.useBreakpoint().md === false;
  const [params, setParams] = useSearchParams();
  const { period, day, setPeriod } = usePeriod(KINDS);
  const groupBy: GroupBy = params.get("group_by") === "department" ? "department" : "owner";
  const currency = params.get("currency");
  const forecast = useForecast(periodText(period), groupBy, currency);
  const data = forecast.data;
  const name = periodLabel(period, t, i18n.language);

  const setParam = (key: string, value: string | null) =>
    setParams(
      (old) => {
        const out = new URLSearchParams(old);
        if (value === null) out.delete(key);
        else out.set(key, value);
        return out;
      },
      { replace: true },
    );

  let body;
  if (forecast.error && !data) {
    const denied = forecast.error instanceof ApiError && forecast.error.status === 403;
    body = (
      <Result
        status={denied ? "403" : "error"}
        title={denied ? t("forecast.denied") : t("forecast.loadFailed")}
        subTitle={problemMessage(forecast.error, t("common.serverError"))}
        extra={
          denied ? undefined : (
            <Button type="primary" onClick={() => void forecast.refetch()}>
              {t("common.retry")}
            </Button>
          )
        }
      />
    );
  } else if (!data) {
    body = <ForecastSkeleton />;
  } else {
    body = (
      <>
        {forecast.error && (
          <Alert
            type="error"
            showIcon
            message={problemMessage(forecast.error, t("forecast.loadFailed"))}
            action={<Button onClick={() => void forecast.refetch()}>{t("common.retry")}</Button>}
          />
        )}
        {data.other_currencies.length > 0 && (
          <Alert
            type="info"
            showIcon
            message={data.other_currencies
              .map((o) => t("forecast.otherCurrency", { count: o.deals, currency: o.currency }))
              .join(" · ")}
            action={
              <span className={styles.currencies}>
                {data.other_currencies.map((o) => (
                  <Button key={o.currency} size="small" onClick={() => setParam("currency", o.currency)}>
                    {t("forecast.showCurrency", { currency: o.currency })}
                  </Button>
                ))}
              </span>
            }
          />
        )}
        {/* A phone shows the totals as the first card instead; nothing to total, no cards. */}
        {!phone && data.groups.length > 0 && <Totals data={data} />}
        <div className={forecast.isPlaceholderData ? styles.stale : undefined} aria-busy={forecast.isFetching}>
          {data.groups.length === 0 ? (
            <Card>
              <Empty description={t("forecast.empty", { period: name })}>
                <Typography.Paragraph type="secondary">{t("forecast.emptyHint")}</Typography.Paragraph>
                {can(me.data, "read", "opportunity") && (
                  <Link to="/o/opportunity">
                    <Button>{t("forecast.openDeals")}</Button>
                  </Link>
                )}
              </Empty>
            </Card>
          ) : phone ? (
            <GroupCards data={data} />
          ) : (
            <GroupTable data={data} />
          )}
        </div>
        <Typography.Paragraph type="secondary" className={styles.note}>
          {t("forecast.notCumulative")}
        </Typography.Paragraph>
      </>
    );
  }

  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <div className={styles.heading}>
          <Typography.Title level={2} className={styles.title}>
            {t("forecast.title")}
          </Typography.Title>
          <Typography.Text type="secondary" data-testid="forecast-range">
            {data && data.period === periodText(period)
              ? t("forecast.subtitle", { period: name, start: data.start, end: data.end, currency: data.currency })
              : name}
          </Typography.Text>
        </div>
      </div>
      <div className={styles.toolbar}>
        <PeriodPicker period={period} day={day} kinds={KINDS} onChange={setPeriod} />
        <Segmented<GroupBy>
          value={groupBy}
          onChange={(value) => setParam("group_by", value === "owner" ? null : value)}
          options={[
            { value: "owner", label: t("forecast.byOwner") },
            { value: "department", label: t("forecast.byDepartment") },
          ]}
          aria-label={t("forecast.groupBy")}
          data-testid="group-by"
        />
      </div>
      {body}
    </div>
  );
}

function money(value: string, currency: string) {
  return <span className="gx-amount">{formatMoney(value, currency)}</span>;
}

/** The period's totals, one card per measure; the cards' dots are the bar's legend. */
function Totals({ data }: { data: Forecast }) {
  const { t } = useTranslation();
  return (
    <ul className={styles.kpis} aria-label={t("forecast.totals")} data-testid="forecast-kpis">
      {MEASURES.map((measure) => (
        <li key={measure} className={styles.kpi}>
          <span className={styles.kpiLabel}>
            <span className={`${styles.dot} ${styles[measure] ?? ""}`} aria-hidden="true" />
            {t(`forecast.measure.${measure}`)}
          </span>
          <span className={`${styles.kpiValue} gx-amount`}>{formatMoney(data.totals[measure], data.currency)}</span>
          <span className={styles.kpiHint}>{t(`forecast.hint.${measure}`)}</span>
        </li>
      ))}
    </ul>
  );
}

function useGroupNames(data: Forecast) {
  const { t } = useTranslation();
  const owners = useUsers(data.group_by === "owner" ? data.groups.map((g) => g.key) : []);
  return (group: ForecastGroup) => {
    const label = group.label ?? (data.group_by === "department" ? t("forecast.noDepartment") : t("common.untitled"));
    if (data.group_by === "department") {
      return (
        <span className="gx-user">
          <ApartmentOutlined aria-hidden="true" className={styles.groupIcon} />
          <span className="gx-ellipsis" title={label}>
            {label}
          </span>
        </span>
      );
    }
    const initials = (group.key ? owners.data?.get(group.key)?.initials : undefined) ?? label.slice(0, 1);
    return (
      <span className="gx-user">
        <span className="gx-avatar" aria-hidden="true">
          {initials.slice(0, 2)}
        </span>
        <span className="gx-ellipsis" title={label}>
          {label}
        </span>
      </span>
    );
  };
}

const byAmount = (measure: Measure) => (a: Amounts, b: Amounts) => compareDecimals(a[measure], b[measure]);

function GroupTable({ data }: { data: Forecast }) {
  const { t } = useTranslation();
  const nameOf = useGroupNames(data);
  const scale = Math.max(0, ...data.groups.map(barLength));
  const columns: TableColumnsType<ForecastGroup> = [
    {
      key: "label",
      title: data.group_by === "owner" ? t("forecast.owner") : t("forecast.department"),
      width: 240,
      ellipsis: true,
      sorter: (a, b) => (a.label ?? "").localeCompare(b.label ?? ""),
      render: (_: unknown, group) => nameOf(group),
    },
    {
      key: "bar",
      title: t("forecast.breakdown"),
      width: 200,
      render: (_: unknown, group) => <ForecastBar amounts={group} scale={scale} />,
    },
    ...MEASURES.map((measure) => ({
      key: measure,
      dataIndex: measure,
      title: t(`forecast.measure.${measure}`),
      align: "right" as const,
      sorter: byAmount(measure),
      render: (value: string) => money(value, data.currency),
    })),
  ];
  return (
    <Card className={styles.tableCard} styles={{ body: { padding: 0 } }}>
      <Table<ForecastGroup>
        rowKey={(g) => g.key ?? "none"}
        columns={columns}
        dataSource={data.groups}
        pagination={false}
        tableLayout="fixed"
        scroll={{ x: 1040 }}
        data-testid="forecast-table"
        summary={() => (
          <Table.Summary fixed="bottom">
            <Table.Summary.Row className={styles.totalRow} data-testid="forecast-totals">
              <Table.Summary.Cell index={0}>
                <strong>{t("forecast.total")}</strong>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={1}>
                <ForecastBar amounts={data.totals} scale={barLength(data.totals)} />
              </Table.Summary.Cell>
              {MEASURES.map((measure, i) => (
                <Table.Summary.Cell key={measure} index={i + 2} align="right">
                  <strong data-measure={measure}>{money(data.totals[measure], data.currency)}</strong>
                </Table.Summary.Cell>
              ))}
            </Table.Summary.Row>
          </Table.Summary>
        )}
      />
    </Card>
  );
}

/** On a phone: one card per group, the total first. */
function GroupCards({ data }: { data: Forecast }) {
  const { t } = useTranslation();
  const nameOf = useGroupNames(data);
  const scale = Math.max(0, ...data.groups.map(barLength));
  const card = (key: string, title: ReactNode, amounts: Amounts, barScale: number, testId?: string) => (
    <li key={key} className={styles.card} data-testid={testId}>
      <div className={styles.cardTitle}>{title}</div>
      <ForecastBar amounts={amounts} scale={barScale} />
      <dl className={styles.figures}>
        {MEASURES.map((measure) => (
          <div key={measure} className={styles.figure}>
            <dt>
              {CATEGORIES.includes(measure as (typeof CATEGORIES)[number]) && (
                <span className={`${styles.dot} ${styles[measure] ?? ""}`} aria-hidden="true" />
              )}
              {t(`forecast.measure.${measure}`)}
            </dt>
            <dd data-measure={measure}>{money(amounts[measure], data.currency)}</dd>
          </div>
        ))}
      </dl>
    </li>
  );
  return (
    <ul className={styles.cards} aria-label={t("forecast.title")}>
      {card("total", <strong>{t("forecast.total")}</strong>, data.totals, barLength(data.totals), "forecast-totals")}
      {data.groups.map((group) => card(group.key ?? "none", nameOf(group), group, scale))}
    </ul>
  );
}

function ForecastSkeleton() {
  return (
    <div aria-busy="true" className={styles.skeleton}>
      <div className={styles.kpis}>
        {MEASURES.map((m) => (
          <div key={m} className={styles.kpi}>
            <Skeleton active title={false} paragraph={{ rows: 2 }} />
          </div>
        ))}
      </div>
      <Card>
        <Skeleton active title={false} paragraph={{ rows: 6 }} />
      </Card>
    </div>
  );
}
