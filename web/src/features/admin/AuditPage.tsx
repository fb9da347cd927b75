import { AuditOutlined } from "@ant-design/icons";
import { AutoComplete, Breadcrumb, Button, DatePicker, Empty, Skeleton, Table, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { UserSelect } from "../../components/UserSelect";
import { formatDateTime } from "../../lib/format";
import { hasRight, useMe } from "../../lib/session";
import { useUsers } from "../../lib/users";
import { useAudit, useDepartments, useRoles, type AuditEntry } from "./api";
import styles from "./Admin.module.css";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUGGESTED = ["role.*", "user.*", "login.*", "department.*", "role.update", "user.deactivate", "user.password_reset"];

/** The security audit log, newest first, narrowed by action, actor and a start date. */
export default function AuditPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const [action, setAction] = useState("");
  const [applied, setApplied] = useState<string | undefined>();
  const [actor, setActor] = useState<string | null>(null);
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [from, to] = range ?? [null, null];
  // Whole days in the reader's calendar: from the first day's start to the last day's end.
  const audit = useAudit({
    action: applied,
    actor_id: actor ?? undefined,
    since: from?.startOf("day").toISOString(),
    until: to?.add(1, "day").startOf("day").toISOString(),
  });
  const rows = useMemo(() => audit.data?.pages.flatMap((p) => p.entries) ?? [], [audit.data]);
  // The directory resolves at most 100 ids a call: the names of the newest entries' people.
  const ids = [...new Set(rows.flatMap((e) => [e.actor_id, e.target && UUID.test(e.target) ? e.target : null]))];
  const people = useUsers(ids.slice(0, 100));
  // Names for role and department targets (roles only when the reader may see them).
  const roles = useRoles(hasRight(me.data, "manage_users"));
  const departments = useDepartments();
  const targetNames = useMemo(
    () => new Map([...(roles.data ?? []), ...(departments.data ?? [])].map((r) => [r.id, r.name])),
    [roles.data, departments.data],
  );
  const filtered = !!(applied || actor || from || to);
  const who = (id: string | null) => (id ? (people.data?.get(id)?.name ?? id.slice(0, 8)) : t("admin.system"));
  // What happened in words, the code kept beside it (it is what the filter takes).
  const actionName = (action: string) => {
    const key = `admin.auditAction.${action.replaceAll(".", "_")}`;
    return i18n.exists(key) ? t(key) : null;
  };
  const target = (value: string | null) => (value ? (targetNames.get(value) ?? people.data?.get(value)?.name ?? value) : "—");

  return (
    <div className={styles.page}>
      <Breadcrumb items={[{ title: t("admin.settings") }, { title: t("admin.audit") }]} />
      <Typography.Title level={2} className={styles.title}>
        {t("admin.audit")}
      </Typography.Title>
      <div className={styles.toolbar} role="search">
        <AutoComplete
          className={styles.filter}
          value={action}
          options={SUGGESTED.map((value) => ({ value }))}
          onChange={setAction}
          onSelect={(value: string) => setApplied(value || undefined)}
          onBlur={() => setApplied(action.trim() || undefined)}
          onKeyDown={(e) => {
            if (e.key === "Enter") setApplied(action.trim() || undefined);
          }}
          placeholder={t("admin.actionFilter")}
          aria-label={t("admin.action")}
          allowClear
          onClear={() => setApplied(undefined)}
        />
        <div className={styles.filter}>
          <UserSelect value={actor} onChange={setActor} aria-label={t("admin.actor")} />
        </div>
        <DatePicker.RangePicker
          className={styles.range}
          value={range}
          onChange={(value) => setRange(value)}
          allowEmpty={[true, true]}
          placeholder={[t("admin.since"), t("admin.until")]}
          aria-label={t("admin.dates")}
        />
      </div>
      {audit.isLoading ? (
        <Skeleton active paragraph={{ rows: 8 }} title={false} />
      ) : rows.length === 0 ? (
        <Empty image={<AuditOutlined style={{ fontSize: 40, color: "#9ca3af" }} />} description={filtered ? t("admin.noEntriesMatch") : t("admin.noEntries")} />
      ) : (
        <>
          {/* A wide log scrolls sideways inside a region keyboard users can focus and scroll. */}
          <div className={styles.scroll} tabIndex={0} role="region" aria-label={t("admin.audit")}>
          <Table<AuditEntry>
            rowKey="id"
            dataSource={rows}
            pagination={false}
            size="middle"
            columns={[
              { key: "at", title: t("admin.when"), render: (_, e) => <span style={{ whiteSpace: "nowrap" }}>{formatDateTime(e.at)}</span> },
              {
                key: "action",
                title: t("admin.action"),
                render: (_, e) => {
                  const name = actionName(e.action);
                  return (
                    <span className={styles.action}>
                      {name && <span>{name}</span>}
                      <Tag className={styles.actionCode}>{e.action}</Tag>
                    </span>
                  );
                },
              },
              { key: "actor", title: t("admin.actor"), render: (_, e) => <span className={styles.cell}>{who(e.actor_id)}</span> },
              {
                key: "target",
                title: t("admin.target"),
                render: (_, e) => {
                  const text = target(e.target);
                  return (
                    <span className={styles.cell} title={text}>
                      {text}
                    </span>
                  );
                },
              },
              {
                key: "details",
                title: t("admin.details"),
                render: (_, e) => {
                  const text = e.details ? JSON.stringify(e.details) : "";
                  return text ? (
                    <span className={styles.details} title={text}>
                      {text}
                    </span>
                  ) : null;
                },
              },
              { key: "ip", title: t("admin.ip"), render: (_, e) => e.ip ?? "—" },
            ]}
          />
          </div>
          {audit.hasNextPage && (
            <div className={styles.more}>
              <Button loading={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()}>
                {t("admin.loadMore")}
              </Button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
