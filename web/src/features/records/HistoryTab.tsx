import { useQuery } from "@tanstack/react-query";
import { Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { FieldValue, UserChip } from "../../components/FieldValue";
import { api } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, type FieldDef, type ObjectDef } from "../../lib/meta";
import { useUsers } from "../../lib/users";
import { layoutFields } from "./columns";

interface HistoryEntry {
  action: "create" | "update" | "delete" | "restore" | "attach" | "detach";
  field: string | null;
  old: unknown;
  new: unknown;
  changed_by: string | null;
  changed_at: string;
}

/** Every change of every field the user may see, newest first, filtered by field. */
export function HistoryTab({ object, id, version }: { object: ObjectDef; id: string; version: number }) {
  const { t, i18n } = useTranslation();
  const [field, setField] = useState<string | null>(null);
  const history = useQuery({
    // The record's version is in the key: an edit on the page shows up here at once.
    queryKey: ["records", object.name, "history", id, version],
    queryFn: ({ signal }) => api.get<{ entries: HistoryEntry[] }>(`/records/${object.name}/${id}/history`, signal),
  });
  const fields = layoutFields(object);
  const entries = [...(history.data?.entries ?? [])].reverse();
  const users = useUsers(entries.map((e) => e.changed_by));
  const changed = [...new Set(entries.map((e) => e.field).filter((f): f is string => !!f && fields.has(f)))];
  const shown = entries.filter((e) => (field ? e.field === field : !e.field || fields.has(e.field)));

  return (
    <Space direction="vertical" size={12} style={{ width: "100%" }}>
      <Select
        allowClear
        showSearch
        optionFilterProp="label"
        style={{ minWidth: 220 }}
        placeholder={t("history.allFields")}
        aria-label={t("history.field")}
        value={field}
        onChange={(value: string | undefined) => setField(value ?? null)}
        options={changed.map((name) => ({ value: name, label: label(fields.get(name)?.label, i18n.language) }))}
      />
      <Table<HistoryEntry>
        size="small"
        rowKey={(e) => `${e.changed_at}|${e.action}|${e.field ?? ""}`}
        loading={history.isLoading}
        dataSource={shown}
        pagination={shown.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("history.empty") }}
        columns={[
          { key: "at", title: t("history.when"), width: 170, render: (_: unknown, e) => formatDateTime(e.changed_at) },
          {
            key: "field",
            title: t("history.field"),
            render: (_: unknown, e) =>
              e.field ? label(fields.get(e.field)?.label, i18n.language) : <Typography.Text type="secondary">{t(`history.action.${e.action}`)}</Typography.Text>,
          },
          { key: "old", title: t("history.old"), render: (_: unknown, e) => (e.field ? <Value field={fields.get(e.field)} value={e.old} /> : fileName(e.old)) },
          { key: "new", title: t("history.new"), render: (_: unknown, e) => (e.field ? <Value field={fields.get(e.field)} value={e.new} /> : fileName(e.new)) },
          { key: "by", title: t("history.by"), render: (_: unknown, e) => <UserChip user={users.data?.get(e.changed_by ?? "")} /> },
        ]}
      />
    </Space>
  );
}

/** An attached or removed file's name (attachments are not a field). */
function fileName(value: unknown): string | null {
  return (value as { name?: string } | null)?.name ?? null;
}

function Value({ field, value }: { field: FieldDef | undefined; value: unknown }) {
  if (!field) return null;
  if (field.type === "file") return <span>{(value as { name?: string } | null)?.name ?? "—"}</span>;
  return <FieldValue field={field} value={value} />;
}
