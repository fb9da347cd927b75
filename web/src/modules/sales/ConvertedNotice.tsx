import { Alert } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { NoticeProps } from "../../lib/extensions";
import { formatDateTime } from "../../lib/format";
import { label } from "../../lib/meta";
import styles from "./sales.module.css";

/** The lookups a converted lead keeps to what it became. */
const LINKS = ["converted_account", "converted_contact", "converted_opportunity"] as const;

/** "已转化 / Converted" over a converted lead, with links to its account, contact and
 * opportunity; nothing for any other lead. */
export function ConvertedNotice({ object, record }: NoticeProps) {
  const { t, i18n } = useTranslation();
  if (record.status !== "converted") return null;
  const links = LINKS.flatMap((name) => {
    const id = record[name];
    const field = object.fields.find((f) => f.name === name);
    if (typeof id !== "string" || !field?.target) return [];
    const related = record._related?.[name];
    return [
      <span key={name}>
        {label(field.label, i18n.language)}:{" "}
        <Link to={`/o/${field.target}/${id}`}>{String(related?.name ?? id.slice(0, 8))}</Link>
      </span>,
    ];
  });
  const at = typeof record.converted_at === "string" ? formatDateTime(record.converted_at) : null;
  return (
    <Alert
      className={styles.banner}
      type="success"
      showIcon
      data-testid="converted-notice"
      message={at ? t("sales.convertedOn", { at }) : t("sales.convertedBanner")}
      description={
        <div>
          <div>{t("sales.convertedHint")}</div>
          {links.length > 0 && <div className={styles.links}>{links}</div>}
        </div>
      }
    />
  );
}
