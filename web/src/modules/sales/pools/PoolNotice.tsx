import { Alert } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { NoticeProps } from "../../../lib/extensions";
import { formatDateTime } from "../../../lib/format";
import { usePools } from "./api";
import styles from "./pools.module.css";

/** "在公海中 / In a pool" over an account nobody owns, naming the pool and since when;
 * nothing for an owned account. */
export function PoolNotice({ record }: NoticeProps) {
  if (record.pool_state !== "in_pool") return null;
  return <InPool pool={typeof record.pool === "string" ? record.pool : null} since={typeof record.released_at === "string" ? record.released_at : null} />;
}

function InPool({ pool, since }: { pool: string | null; since: string | null }) {
  const { t } = useTranslation();
  const pools = usePools();
  const found = pools.data?.find((p) => p.id === pool);
  const name = found?.name ?? t("pools.aPool");
  return (
    <Alert
      className={styles.banner}
      type="warning"
      showIcon
      data-testid="pool-notice"
      message={since ? t("pools.inPoolSince", { name, at: formatDateTime(since) }) : t("pools.inPool", { name })}
      description={
        found ? (
          <span>
            {t("pools.inPoolHint")} <Link to={`/sales/pools?pool=${found.id}`}>{t("pools.openPool", { name })}</Link>
          </span>
        ) : (
          t("pools.inPoolHint")
        )
      }
    />
  );
}
