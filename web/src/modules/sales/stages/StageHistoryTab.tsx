import { Alert, Empty, Skeleton } from "antd";
import type { CSSProperties } from "react";
import { OptionTag, UserChip, optionColor } from "../../../components/FieldValue";
import type { PanelProps } from "../../../lib/extensions";
import { formatDateTime } from "../../../lib/format";
import { problemMessage } from "../../../lib/api";
import { useLocale } from "../../../lib/locale";
import { label, useObject, type FieldDef } from "../../../lib/meta";
import { useUsers } from "../../../lib/users";
import { barWidths, isCurrent, oneDecimal, useStageHistory, type StageSpan } from "./stages";
import styles from "./stages.module.css";

/** 阶段历史: every stage the deal has been in, oldest first, with how long it stayed and
 * who moved it there; a bar per row shows the stays against the longest. */
export default function StageHistoryTab({ record }: PanelProps) {
  const { t, language } = useLocale();
  const history = useStageHistory(record.id, record.version);
  const object = useObject("opportunity");
  const spans = history.data?.stages ?? [];
  const users = useUsers(spans.map((s) => s.by));
  if (history.isLoading) return <Skeleton active paragraph={{ rows: 4 }} />;
  if (history.error || !history.data) {
    return <Alert type="error" showIcon message={problemMessage(history.error, t("stages.loadFailed"))} />;
  }
  if (spans.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("stages.empty")} />;
  // The label an administrator gave the option now, else the one the server recorded.
  const field: FieldDef | undefined = object.data?.fields.find((f) => f.name === "stage");
  const stageLabel = (span: StageSpan) => {
    const option = field?.options?.find((o) => o.value === span.stage);
    return label(option?.label ?? span.label, language) || span.stage;
  };
  const widths = barWidths(spans);

  return (
    <table className={styles.table} data-testid="stage-history">
      <caption className={styles.caption}>{t("stages.caption")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("stages.stage")}</th>
          <th scope="col">{t("stages.enteredAt")}</th>
          <th scope="col">{t("stages.leftAt")}</th>
          <th scope="col">{t("stages.days")}</th>
          <th scope="col">{t("stages.movedBy")}</th>
        </tr>
      </thead>
      <tbody>
        {spans.map((span, index) => {
          const current = isCurrent(span);
          const days = oneDecimal(span.days);
          return (
            <tr key={`${span.stage}-${span.entered_at}`} data-stage={span.stage} data-current={current || undefined}>
              <th scope="row" className={styles.stage}>
                {field ? <OptionTag color={optionColor(field, span.stage)}>{stageLabel(span)}</OptionTag> : stageLabel(span)}
                {current && (
                  <span className={styles.current} data-testid="current-stage">
                    {t("stages.current")}
                  </span>
                )}
              </th>
              <td data-label={t("stages.enteredAt")}>
                <time dateTime={span.entered_at}>{formatDateTime(span.entered_at)}</time>
              </td>
              <td data-label={t("stages.leftAt")}>
                {span.left_at ? <time dateTime={span.left_at}>{formatDateTime(span.left_at)}</time> : <span className={styles.muted}>—</span>}
              </td>
              <td data-label={t("stages.days")} className={styles.daysCell}>
                <span className={styles.days} data-testid="stage-days">
                  {current ? t("stages.daysSoFar", { days }) : t("stages.daysValue", { days })}
                </span>
                <span className={styles.track} aria-hidden="true">
                  <span
                    className={current ? `${styles.bar} ${styles.barCurrent}` : styles.bar}
                    style={{ "--gx-stage-bar": `${String(widths[index] ?? 0)}%` } as CSSProperties}
                  />
                </span>
              </td>
              <td data-label={t("stages.movedBy")}>
                {span.by ? <UserChip user={users.data?.get(span.by)} /> : <span className={styles.muted}>—</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
