import { ClockCircleOutlined, EditOutlined } from "@ant-design/icons";
import { useQueries } from "@tanstack/react-query";
import { Button, Card, Col, Empty, Row, Skeleton, Space, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, useModules, useObjects, type ObjectDef } from "../../lib/meta";
import type { Page } from "../../lib/records";
import { recentItems } from "../../lib/recent";
import { can, useMe } from "../../lib/session";
import { objectIcon } from "../shell/icons";
import { listedObjects, navigationGroups } from "../shell/navigation";
import styles from "./Home.module.css";

const CHANGED_PER_OBJECT = 5;

/** A moment kept in UTC ("…Z") as the user's own clock reads it: "2026-12-07 14:23". */
function localDateTime(iso: string, timeZone: string | undefined): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  try {
    // Sweden's format is ISO-like: "2026-12-07 14:23".
    return new Intl.DateTimeFormat("sv-SE", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }).format(at);
  } catch {
    return formatDateTime(iso);
  }
}

/** One line of a home list: icon, the record's title (cut with "…"), its object, when. */
function HomeItem({ icon, to, title, object, when }: { icon: ReactNode; to: string; title: string; object: string; when: string }) {
  return (
    <li className={styles.item}>
      <span className={styles.icon} aria-hidden="true">
        {icon}
      </span>
      <Link to={to} className={styles.title} title={title}>
        {title}
      </Link>
      <Typography.Text type="secondary" className={styles.object}>
        {object}
      </Typography.Text>
      <Typography.Text type="secondary" className={styles.when}>
        {when}
      </Typography.Text>
    </li>
  );
}

export default function Home() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const objects = useObjects();
  const modules = useModules();
  const readable = (objects.data ?? []).filter((o) => can(me.data, "read", o.name));
  // What the navigation lists, in its order: child objects (a quote's lines) are created
  // and followed from their parent, not from here.
  const listed = listedObjects(navigationGroups(readable, modules.data ?? [], []));
  const creatable = listed.filter((o) => can(me.data, "create", o.name));
  // Any readable object: a record opened from its parent was still viewed.
  const byName = new Map(readable.map((o) => [o.name, o]));
  const recent = me.data ? recentItems(me.data.id).filter((i) => byName.has(i.object)).slice(0, 8) : [];

  // Records the user owns that changed lately, per object (the first few listed objects).
  const watched = listed.slice(0, 4);
  const changed = useQueries({
    queries: watched.map((o) => ({
      queryKey: ["records", o.name, "home", me.data?.id],
      queryFn: () =>
        api.post<Page>(`/records/${o.name}/query`, {
          filter: { field: "owner_id", op: "eq", value: me.data?.id },
          sort: ["-updated_at"],
          limit: CHANGED_PER_OBJECT,
          fields: o.name_field ? [o.name_field, "updated_at"] : ["updated_at"],
        }),
      enabled: !!me.data,
    })),
  });
  const changedRows = changed
    .flatMap((result, index) => {
      const object = watched[index] as ObjectDef;
      return (result.data?.records ?? []).map((r) => ({ object, record: r }));
    })
    .sort((a, b) => b.record.updated_at.localeCompare(a.record.updated_at))
    .slice(0, 10);
  const loadingChanged = changed.some((r) => r.isLoading);

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={2} className={styles.greeting} ellipsis={{ tooltip: true }}>
        {t("home.greeting", { name: me.data?.name ?? "" })}
      </Typography.Title>
      <Card title={t("home.quickCreate")} size="small">
        {creatable.length === 0 ? (
          <Typography.Text type="secondary">{t("home.nothingToCreate")}</Typography.Text>
        ) : (
          <Space wrap>
            {creatable.map((o) => (
              <Link key={o.name} to={`/o/${o.name}/new`}>
                <Button icon={objectIcon(o.name, o.icon)}>{t("home.newOf", { object: label(o.label, i18n.language) })}</Button>
              </Link>
            ))}
          </Space>
        )}
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={<><ClockCircleOutlined /> {t("home.recent")}</>} size="small">
            {recent.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("home.noRecent")} />
            ) : (
              <ul className={styles.list}>
                {recent.map((item) => {
                  const object = byName.get(item.object) as ObjectDef;
                  return (
                    <HomeItem
                      key={`${item.object}/${item.id}`}
                      icon={objectIcon(item.object, object.icon)}
                      to={`/o/${item.object}/${item.id}`}
                      title={item.title || t("common.untitled")}
                      object={label(object.label, i18n.language)}
                      when={localDateTime(item.at, me.data?.time_zone)}
                    />
                  );
                })}
              </ul>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={<><EditOutlined /> {t("home.changed")}</>} size="small">
            {loadingChanged ? (
              <Skeleton active />
            ) : changedRows.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("home.noChanged")} />
            ) : (
              <ul className={styles.list}>
                {changedRows.map(({ object, record }) => (
                  <HomeItem
                    key={`${object.name}/${record.id}`}
                    icon={objectIcon(object.name, object.icon)}
                    to={`/o/${object.name}/${record.id}`}
                    title={String((object.name_field && record[object.name_field]) || t("common.untitled"))}
                    object={label(object.label, i18n.language)}
                    when={formatDateTime(record.updated_at)}
                  />
                ))}
              </ul>
            )}
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
