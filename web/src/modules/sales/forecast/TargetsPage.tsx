/**
 * 目标完成 / Target attainment: each sales target of the period the user may read, with
 * what was achieved (won deals or collected payments, as the target counts) and the
 * attainment the server works out (GET /sales/targets/attainment), its state against the
 * time gone by, and the totals of the salespeople's own targets.
 */
import { ApartmentOutlined, BankOutlined, PlusOutlined, TeamOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Empty, Grid, Result, Skeleton, Table, Tooltip, Typography } from "antd";
import type { TableColumnsType } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { OptionTag } from "../../../components/FieldValue";
import { ApiError, problemMessage } from "../../../lib/api";
import { formatMoney } from "../../../lib/format";
import { can, useMe } from "../../../lib/session";
import { useUsers } from "../../../lib/users";
import { useAttainment, type Target } from "./api";
import { compareDecimals } from "./decimal";
import { PeriodPicker, usePeriod } from "./PeriodPicker";
import { elapsed, parsePeriod, periodLabel, periodText, type Day, type PeriodKind } from "./period";
import { individualTotals, targetState, type TargetState, type TargetTotal } from "./targets";
import styles from "./forecast.module.css";

const KINDS: readonly PeriodKind[] = ["month", "quarter", "year"];

// A state's colour, as the bar's; the tag's words say the state too (colour is never the
// only sign), in dark text that passes contrast on the tint.
const STATE_COLOR: Record<TargetState, string> = {
  met: "#15803d",
  onTrack: "#1d4ed8",
  behind: "#d97706",
  missed: "#cf1322",
  notStarted: "#94a3b8",
  unknown: "#94a3b8",
};

export default function TargetsPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const phone = Grid.useBreakpoint().md === false;
  const { period, day, setPeriod } = usePeriod(KINDS);
  const attainment = useAttainment(periodText(period));
  const data = attainment.data;
  const name = periodLabel(period, t, i18n.language);
  const where = elapsed(period, day);

  let body;
  if (attainment.error && !data) {
    const denied = attainment.error instanceof ApiError && attainment.error.status === 403;
    body = (
      <Result
        status={denied ? "403" : "error"}
        title={denied ? t("forecast.targets.denied") : t("forecast.targets.loadFailed")}
        subTitle={problemMessage(attainment.error, t("common.serverError"))}
        extra={
          denied ? undefined : (
            <Button type="primary" onClick={() => void attainment.refetch()}>
              {t("common.retry")}
            </Button>
          )
        }
      />
    );
  } else if (!data) {
    body = (
      <Card aria-busy="true">
        <Skeleton active title={false} paragraph={{ rows: 7 }} />
      </Card>
    );
  } else if (data.targets.length === 0) {
    body = (
      <Card>
        <Empty description={t("forecast.targets.empty", { period: name })}>
          <Typography.Paragraph type="secondary" className={styles.emptyText}>
            {t("forecast.targets.emptyHint")}
          </Typography.Paragraph>
          {can(me.data, "create", "sales_target") && (
            <Link to="/o/sales_target/new">
              <Button type="primary" icon={<PlusOutlined />}>
                {t("forecast.targets.create")}
              </Button>
            </Link>
          )}
        </Empty>
      </Card>
    );
  } else {
    const totals = individualTotals(data.targets);
    body = (
      <>
        {attainment.error && (
          <Alert
            type="error"
            showIcon
            message={problemMessage(attainment.error, t("forecast.targets.loadFailed"))}
            action={<Button onClick={() => void attainment.refetch()}>{t("common.retry")}</Button>}
          />
        )}
        <div className={attainment.isPlaceholderData ? styles.stale : undefined} aria-busy={attainment.isFetching}>
          {phone ? (
            <TargetCards targets={data.targets} totals={totals} day={day} shown={periodText(period)} />
          ) : (
            <TargetTable targets={data.targets} totals={totals} day={day} shown={periodText(period)} />
          )}
        </div>
        {totals.length > 0 && (
          <Typography.Paragraph type="secondary" className={styles.note}>
            {t("forecast.targets.totalsHint")}
          </Typography.Paragraph>
        )}
      </>
    );
  }

  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <div className={styles.heading}>
          <Typography.Title level={2} className={styles.title}>
            {t("forecast.targets.title")}
          </Typography.Title>
          <Typography.Text type="secondary">
            {where.state === "during"
              ? t("forecast.targets.timeProgress", { period: name, percent: Math.floor(where.share * 100) })
              : name}
          </Typography.Text>
        </div>
        {can(me.data, "create", "sales_target") && data && data.targets.length > 0 && (
          <Link to="/o/sales_target/new">
            <Button icon={<PlusOutlined />}>{t("forecast.targets.create")}</Button>
          </Link>
        )}
      </div>
      <div className={styles.toolbar}>
        <PeriodPicker period={period} day={day} kinds={KINDS} onChange={setPeriod} />
      </div>
      {body}
    </div>
  );
}

function money(value: string | null, currency: string, hidden: string): ReactNode {
  if (value === null) {
    return (
      <Tooltip title={hidden}>
        <span className="gx-amount" aria-label={hidden} role="img">
          —
        </span>
      </Tooltip>
    );
  }
  return <span className="gx-amount">{formatMoney(value, currency)}</span>;
}

/** Whose target it is: a salesperson, a department, a team, or the whole company. */
function Holder({ target }: { target: Target }) {
  const { t } = useTranslation();
  const users = useUsers(target.assignee ? [target.assignee.id] : []);
  if (target.assignee) {
    const name = target.assignee.name ?? t("common.untitled");
    const initials = users.data?.get(target.assignee.id)?.initials ?? name.slice(0, 1);
    return (
      <span className="gx-user">
        <span className="gx-avatar" aria-hidden="true">
          {initials.slice(0, 2)}
        </span>
        <span className="gx-ellipsis" title={name}>
          {name}
        </span>
      </span>
    );
  }
  const group = target.department?.name ?? target.team?.name;
  return (
    <span className="gx-user">
      {target.team ? (
        <TeamOutlined aria-hidden="true" className={styles.groupIcon} />
      ) : group ? (
        <ApartmentOutlined aria-hidden="true" className={styles.groupIcon} />
      ) : (
        <BankOutlined aria-hidden="true" className={styles.groupIcon} />
      )}
      <span className="gx-ellipsis" title={group ?? t("forecast.targets.company")}>
        {group ?? t("forecast.targets.company")}
      </span>
    </span>
  );
}

/** The attainment as a bar (full at 100 %), the time gone by as a mark on it when the
 * target's period is running, and the percentage in words. */
function Progress({ attainment, state, period, day }: { attainment: string | null; state: TargetState; period: string | null; day: Day }) {
  const { t } = useTranslation();
  const parsed = parsePeriod(period);
  const where = parsed ? elapsed(parsed, day) : null;
  const width = attainment === null ? 0 : Math.min(100, Math.max(0, Number(attainment)));
  return (
    <span className={styles.progress}>
      <span className={styles.trackWrap} aria-hidden="true">
        <span className={styles.track}>
          <span className={`${styles.fill} ${styles[state] ?? ""}`} style={{ width: `${String(width)}%` }} />
        </span>
        {where?.state === "during" && (
          <span
            className={styles.timeMark}
            style={{ left: `${String(where.share * 100)}%` }}
            title={t("forecast.targets.timeMark", { percent: Math.floor(where.share * 100) })}
          />
        )}
      </span>
      <span className={styles.percent} data-testid="attainment">
        {attainment === null ? "—" : `${attainment}%`}
      </span>
    </span>
  );
}

function StateTag({ state }: { state: TargetState }) {
  const { t } = useTranslation();
  return (
    <OptionTag color={STATE_COLOR[state]}>{t(`forecast.targets.states.${state}`)}</OptionTag>
  );
}

interface ListProps {
  targets: Target[];
  totals: TargetTotal[];
  day: Day;
  /** The period shown: a total over several periods is judged against it. */
  shown: string;
}

function TargetTable({ targets, totals, day, shown }: ListProps) {
  const { t } = useTranslation();
  const hidden = t("forecast.targets.noActual");
  const columns: TableColumnsType<Target> = [
    {
      key: "name",
      title: t("forecast.targets.name"),
      ellipsis: true,
      render: (_: unknown, target) => (
        <span className={styles.targetName}>
          <Link to={`/o/sales_target/${target.id}`} className="gx-ellipsis">
            {target.name || t("common.untitled")}
          </Link>
          {/* A year or quarter shown holds targets of its quarters and months. */}
          {target.period !== shown && (
            <Typography.Text type="secondary" className={styles.cardMeta}>
              {target.period}
            </Typography.Text>
          )}
        </span>
      ),
    },
    { key: "holder", title: t("forecast.targets.holder"), width: 230, ellipsis: true, render: (_: unknown, target) => <Holder target={target} /> },
    {
      key: "measure",
      title: t("forecast.targets.measure"),
      width: 120,
      render: (_: unknown, target) => t(`forecast.targets.measures.${target.measure}`),
    },
    {
      key: "target",
      title: t("forecast.targets.target"),
      align: "right",
      width: 150,
      sorter: (a, b) => compareDecimals(a.target ?? "0", b.target ?? "0"),
      render: (_: unknown, target) => money(target.target, target.currency, hidden),
    },
    {
      key: "actual",
      title: t("forecast.targets.actual"),
      align: "right",
      width: 150,
      sorter: (a, b) => compareDecimals(a.actual ?? "0", b.actual ?? "0"),
      render: (_: unknown, target) => money(target.actual, target.currency, hidden),
    },
    {
      key: "attainment",
      title: t("forecast.targets.attainment"),
      width: 210,
      sorter: (a, b) => compareDecimals(a.attainment ?? "-1", b.attainment ?? "-1"),
      render: (_: unknown, target) => (
        <Progress attainment={target.attainment} state={targetState(target, day)} period={target.period} day={day} />
      ),
    },
    {
      key: "state",
      title: t("forecast.targets.state"),
      width: 110,
      render: (_: unknown, target) => <StateTag state={targetState(target, day)} />,
    },
  ];
  return (
    <Card className={styles.tableCard} styles={{ body: { padding: 0 } }}>
      <Table<Target>
        rowKey="id"
        columns={columns}
        dataSource={targets}
        pagination={false}
        tableLayout="fixed"
        scroll={{ x: 1080 }}
        data-testid="targets-table"
        summary={() =>
          totals.length === 0 ? null : (
            <Table.Summary>
              {totals.map((total) => {
                const state = targetState({ period: total.period ?? shown, attainment: total.attainment }, day);
                return (
                  <Table.Summary.Row key={`${total.measure}-${total.currency}`} className={styles.totalRow} data-testid="targets-total">
                    <Table.Summary.Cell index={0} colSpan={2}>
                      <strong>{t("forecast.targets.totalPeople", { count: total.count })}</strong>
                    </Table.Summary.Cell>
                    <Table.Summary.Cell index={2}>{t(`forecast.targets.measures.${total.measure}`)}</Table.Summary.Cell>
                    <Table.Summary.Cell index={3} align="right">
                      <strong>{money(total.target, total.currency, hidden)}</strong>
                    </Table.Summary.Cell>
                    <Table.Summary.Cell index={4} align="right">
                      <strong>{money(total.actual, total.currency, hidden)}</strong>
                    </Table.Summary.Cell>
                    <Table.Summary.Cell index={5}>
                      <Progress attainment={total.attainment} state={state} period={total.period ?? shown} day={day} />
                    </Table.Summary.Cell>
                    <Table.Summary.Cell index={6}>
                      <StateTag state={state} />
                    </Table.Summary.Cell>
                  </Table.Summary.Row>
                );
              })}
            </Table.Summary>
          )
        }
      />
    </Card>
  );
}

/** On a phone: one card per target, the totals first. */
function TargetCards({ targets, totals, day, shown }: ListProps) {
  const { t } = useTranslation();
  const hidden = t("forecast.targets.noActual");
  return (
    <ul className={styles.cards} aria-label={t("forecast.targets.title")}>
      {totals.map((total) => {
        const state = targetState({ period: total.period ?? shown, attainment: total.attainment }, day);
        return (
        <li key={`${total.measure}-${total.currency}`} className={styles.card} data-testid="targets-total">
          <div className={styles.cardTitle}>
            <strong>
              {t("forecast.targets.totalPeople", { count: total.count })} · {t(`forecast.targets.measures.${total.measure}`)}
            </strong>
            <StateTag state={state} />
          </div>
          <Progress attainment={total.attainment} state={state} period={total.period ?? shown} day={day} />
          <dl className={styles.figures}>
            <div className={styles.figure}>
              <dt>{t("forecast.targets.actual")}</dt>
              <dd>{money(total.actual, total.currency, hidden)}</dd>
            </div>
            <div className={styles.figure}>
              <dt>{t("forecast.targets.target")}</dt>
              <dd>{money(total.target, total.currency, hidden)}</dd>
            </div>
          </dl>
        </li>
        );
      })}
      {targets.map((target) => {
        const state = targetState(target, day);
        return (
          <li key={target.id} className={styles.card} data-testid="target-card">
            <div className={styles.cardTitle}>
              <Link to={`/o/sales_target/${target.id}`} className="gx-ellipsis">
                {target.name || t("common.untitled")}
              </Link>
              <StateTag state={state} />
            </div>
            <div className={styles.cardTitle}>
              <Holder target={target} />
              <Typography.Text type="secondary" className={styles.cardMeta}>
                {target.period} · {t(`forecast.targets.measures.${target.measure}`)}
              </Typography.Text>
            </div>
            <Progress attainment={target.attainment} state={state} period={target.period} day={day} />
            <dl className={styles.figures}>
              <div className={styles.figure}>
                <dt>{t("forecast.targets.actual")}</dt>
                <dd>{money(target.actual, target.currency, hidden)}</dd>
              </div>
              <div className={styles.figure}>
                <dt>{t("forecast.targets.target")}</dt>
                <dd>{money(target.target, target.currency, hidden)}</dd>
              </div>
            </dl>
          </li>
        );
      })}
    </ul>
  );
}
