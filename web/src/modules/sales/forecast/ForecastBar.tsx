import { useTranslation } from "react-i18next";
import type { Amounts } from "./api";
import { segments } from "./bars";
import styles from "./forecast.module.css";

/** A horizontal bar of closed / commit / best case / pipeline, `scale` long. Hidden from
 * screen readers: the same figures are in the row's cells. */
export function ForecastBar({ amounts, scale }: { amounts: Amounts; scale: number }) {
  const { t } = useTranslation();
  return (
    <div className={styles.bar} aria-hidden="true">
      {segments(amounts, scale).map(({ category, percent }) => (
        <span
          key={category}
          className={`${styles.segment} ${styles[category] ?? ""}`}
          style={{ width: `${String(percent)}%` }}
          title={t(`forecast.measure.${category}`)}
        />
      ))}
    </div>
  );
}
