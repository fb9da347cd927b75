import { Typography } from "antd";
import { useTranslation } from "react-i18next";
import { FilterBuilder } from "../../../features/records/FilterBuilder";
import type { FilterModel } from "../../../features/records/filters";
import { useObjects } from "../../../lib/meta";
import styles from "./assignment.module.css";

interface Props {
  object: string;
  value?: FilterModel | null;
  onChange?: (model: FilterModel) => void;
  /** Said instead of the builder when the condition read is deeper than it draws. */
  kept?: string;
}

/** Which records count as open for a fewest-open rule, or which a criterion takes: the
 * list's own filter builder (fields and picklist options from the object's metadata), so
 * a rule and a list with the same filter agree. A condition deeper than the builder draws
 * (set through the API) is kept as it is. */
export function OpenFilter({ object, value, onChange, kept }: Props) {
  const { t } = useTranslation();
  const objects = useObjects();
  const def = objects.data?.find((o) => o.name === object);
  if (value === null) return <Typography.Text type="secondary">{kept ?? t("assignmentRules.openKept")}</Typography.Text>;
  if (!def || !objects.data) return null;
  return (
    <div className={styles.openFilter}>
      <FilterBuilder object={def} objects={objects.data} value={value ?? { join: "and", conditions: [] }} onChange={(m) => onChange?.(m)} />
    </div>
  );
}
