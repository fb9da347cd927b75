import { ClockCircleOutlined, ExclamationCircleOutlined } from "@ant-design/icons";
import { Alert, Skeleton } from "antd";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";
import type { PanelProps } from "../../../lib/extensions";
import { formatDate, formatDateTime, formatMoney } from "../../../lib/format";
import { refusal, useAccountSummary } from "./cashApi";
import { shareOf, toCents } from "./decimal";
import { StatTiles, type Tile } from "./StatTiles";

/** Whole days from today to an ISO date (negative: in the past), in the browser's zone. */
function daysFrom(value: string): number {
  return dayjs(value.slice(0, 10)).startOf("day").diff(dayjs().startOf("day"), "day");
}

/** The account at a glance (客户 360): its pipeline and wins, what it signed and paid and
 * what is late, and when it was last and will next be followed up. Amounts are the
 * server's summary; dates are the account's own fields. */
export default function AccountSummary({ record }: PanelProps) {
  const { t } = useTranslation();
  const summary = useAccountSummary(record.id);
  if (summary.isLoading) return <Skeleton active title={false} paragraph={{ rows: 2 }} />;
  if (summary.error || !summary.data) return <Alert type="warning" showIcon message={refusal(summary.error, t("common.serverError"))} style={{ marginBottom: 12 }} />;
  const data = summary.data;
  const money = (amount: string) => formatMoney(amount, data.currency);
  const late = (toCents(data.overdue) ?? 0n) > 0n;
  const lastActivity = typeof record.last_activity_at === "string" ? record.last_activity_at : null;
  const nextFollowUp = typeof record.next_follow_up === "string" ? record.next_follow_up : null;
  const since = lastActivity ? -daysFrom(lastActivity) : null;
  const until = nextFollowUp ? daysFrom(nextFollowUp) : null;
  const others = data.deals_in_other_currencies;
  const tiles: Tile[] = [
    {
      key: "open_pipeline",
      label: t("cash.openPipeline"),
      value: money(data.open_pipeline),
      note: others ? `${t("cash.deals", { count: data.open_deals })} · ${t("cash.otherCurrencies", { count: others })}` : t("cash.deals", { count: data.open_deals }),
    },
    { key: "won_this_year", label: t("cash.wonThisYear"), value: money(data.won_this_year), note: t("cash.deals", { count: data.won_deals }) },
    { key: "contracted", label: t("cash.contracted"), value: money(data.contracted) },
    {
      key: "collected",
      label: t("cash.collected"),
      value: money(data.collected),
      note: (toCents(data.contracted) ?? 0n) > 0n ? t("cash.collectedShare", { percent: shareOf(data.collected, data.contracted) }) : undefined,
    },
    { key: "outstanding", label: t("cash.outstanding"), value: money(data.outstanding) },
    {
      key: "overdue",
      label: t("cash.overdue"),
      value: money(data.overdue),
      tone: late ? "danger" : undefined,
      icon: late ? <ExclamationCircleOutlined aria-hidden="true" /> : undefined,
      note: late ? t("cash.overdueCount", { count: data.overdue_instalments.length }) : t("cash.nothingOverdue"),
    },
    {
      key: "last_activity",
      label: t("cash.lastActivity"),
      value: lastActivity ? formatDateTime(lastActivity).slice(0, 10) : "—",
      note: since === null ? t("cash.noActivity") : since <= 0 ? t("cash.today") : t("cash.daysAgo", { count: since }),
    },
    {
      key: "next_follow_up",
      label: t("cash.nextFollowUp"),
      value: nextFollowUp ? formatDate(nextFollowUp) : "—",
      icon: nextFollowUp ? <ClockCircleOutlined aria-hidden="true" /> : undefined,
      tone: until !== null && until < 0 ? "danger" : undefined,
      note: until === null ? t("cash.noneScheduled") : until === 0 ? t("cash.today") : until > 0 ? t("cash.inDays", { count: until }) : t("cash.daysLate", { count: -until }),
    },
  ];
  return <StatTiles tiles={tiles} testId="account-summary" />;
}
