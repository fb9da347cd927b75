import { LeftOutlined, RightOutlined } from "@ant-design/icons";
import { Button, Segmented, Select, Tooltip } from "antd";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { useMe } from "../../../lib/session";
import {
  changeKind,
  parsePeriod,
  periodLabel,
  periodOf,
  periodText,
  relativeTo,
  shiftPeriod,
  today,
  type Day,
  type Period,
  type PeriodKind,
} from "./period";
import styles from "./forecast.module.css";

// How many periods the list offers around the current one; the arrows go further.
const AROUND: Record<PeriodKind, [number, number]> = { month: [-12, 6], quarter: [-6, 3], year: [-4, 1] };

/** The period in the address (`?period=2026-Q4`), so a link or a reload shows the same
 * one; the current quarter when there is none or it is not one of `kinds`. */
export function usePeriod(kinds: readonly PeriodKind[]): { period: Period; day: Day; setPeriod: (period: Period) => void } {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const day = today(me.data?.time_zone);
  const given = parsePeriod(params.get("period"));
  const period = given && kinds.includes(given.kind) ? given : periodOf("quarter", day);
  const setPeriod = (next: Period) =>
    setParams(
      (old) => {
        const out = new URLSearchParams(old);
        out.set("period", periodText(next));
        return out;
      },
      { replace: true },
    );
  return { period, day, setPeriod };
}

interface Props {
  period: Period;
  day: Day;
  kinds: readonly PeriodKind[];
  onChange: (period: Period) => void;
}

/** Month / quarter (/ year), the period itself, and the previous and next one. */
export function PeriodPicker({ period, day, kinds, onChange }: Props) {
  const { t, i18n } = useTranslation();
  const now = periodOf(period.kind, day);
  const [before, after] = AROUND[period.kind];
  const choices: Period[] = [];
  for (let step = after; step >= before; step -= 1) choices.push(shiftPeriod(now, step));
  if (!choices.some((p) => periodText(p) === periodText(period))) choices.push(period);
  const describe = (p: Period) => {
    const relative = relativeTo(p, day);
    const name = periodLabel(p, t, i18n.language);
    return relative ? `${name} · ${t(`forecast.period.relative.${p.kind}.${relative}`)}` : name;
  };
  const isCurrent = relativeTo(period, day) === "current";
  return (
    <div className={styles.periodPicker} role="group" aria-label={t("forecast.period.label")}>
      <Segmented<PeriodKind>
        value={period.kind}
        onChange={(kind) => onChange(changeKind(period, kind, day))}
        options={kinds.map((kind) => ({ value: kind, label: t(`forecast.period.${kind}`) }))}
        aria-label={t("forecast.period.kind")}
      />
      <span className={styles.stepper}>
        <Tooltip title={t("forecast.period.previous")}>
          <Button icon={<LeftOutlined />} aria-label={t("forecast.period.previous")} onClick={() => onChange(shiftPeriod(period, -1))} />
        </Tooltip>
        <Select<string>
          className={styles.periodSelect}
          value={periodText(period)}
          onChange={(text) => {
            const next = parsePeriod(text);
            if (next) onChange(next);
          }}
          options={choices.map((p) => ({ value: periodText(p), label: describe(p) }))}
          aria-label={t("forecast.period.label")}
          popupMatchSelectWidth={false}
          data-testid="period-select"
        />
        <Tooltip title={t("forecast.period.next")}>
          <Button icon={<RightOutlined />} aria-label={t("forecast.period.next")} onClick={() => onChange(shiftPeriod(period, 1))} />
        </Tooltip>
      </span>
      {!isCurrent && (
        <Button type="link" onClick={() => onChange(now)}>
          {t(`forecast.period.relative.${period.kind}.current`)}
        </Button>
      )}
    </div>
  );
}
