import { DeleteOutlined, UndoOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Empty, Result, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, query, problemMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, useObjects } from "../../lib/meta";
import { recordsKey, type RecordData } from "../../lib/records";
import { can, useMe } from "../../lib/session";

interface BinPage {
  records: (RecordData & { deleted_at: string; title?: string | null })[];
  next_cursor: string | null;
}

/** Deleted records of one object, newest first: restore them, or purge them for good. */
export default function RecycleBin() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const me = useMe();
  const objects = useObjects();
  const deletable = (objects.data ?? []).filter((o) => can(me.data, "delete", o.name) || can(me.data, "read", o.name));
  const [chosen, setChosen] = useState<string | null>(null);
  const object = deletable.find((o) => o.name === chosen) ?? deletable[0];
  const key = ["recycle-bin", object?.name] as const;
  const bin = useInfiniteQuery({
    queryKey: key,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api.get<BinPage>(`/recycle-bin/${object?.name ?? ""}${query({ limit: 50, cursor: pageParam })}`, signal),
    getNextPageParam: (last) => last.next_cursor,
    enabled: !!object,
  });
  if (!objects.isLoading && !object) return <Result status="info" title={t("bin.nothing")} />;
  const rows = bin.data?.pages.flatMap((p) => p.records) ?? [];
  const titleOf = (r: BinPage["records"][number]) =>
    String(r.title ?? (object?.name_field ? r[object.name_field] : null) ?? t("common.untitled"));

  const restore = async (record: RecordData) => {
    try {
      await api.post(`/records/${object?.name ?? ""}/${record.id}/restore`);
      void message.success(t("bin.restored"));
      void client.invalidateQueries({ queryKey: key });
      void client.invalidateQueries({ queryKey: recordsKey(object?.name ?? "") });
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    }
  };
  const purge = (record: BinPage["records"][number]) =>
    modal.confirm({
      title: t("bin.purgeTitle", { title: titleOf(record) }),
      content: t("bin.purgeHint"),
      okText: t("bin.purge"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await api.delete(`/recycle-bin/${object?.name ?? ""}/${record.id}`);
          void client.invalidateQueries({ queryKey: key });
        } catch (error) {
          void message.error(problemMessage(error, t("common.serverError")));
        }
      },
    });

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Space wrap align="baseline">
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t("bin.title")}
        </Typography.Title>
        <Select
          aria-label={t("bin.object")}
          value={object?.name}
          onChange={setChosen}
          options={deletable.map((o) => ({ value: o.name, label: label(o.plural_label, i18n.language) }))}
          style={{ minWidth: 160 }}
        />
      </Space>
      <Table<BinPage["records"][number]>
        rowKey="id"
        loading={bin.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty description={t("bin.empty")} /> }}
        columns={[
          { key: "title", title: t("bin.record"), render: (_, r) => <Typography.Text strong>{titleOf(r)}</Typography.Text> },
          { key: "deleted", title: t("bin.deletedAt"), render: (_, r) => formatDateTime(r.deleted_at) },
          {
            key: "actions",
            title: t("builder.actions"),
            render: (_, r) => (
              <Space>
                <Button size="small" icon={<UndoOutlined />} onClick={() => void restore(r)}>
                  {t("bin.restore")}
                </Button>
                {object && can(me.data, "delete", object.name) && (
                  <Button size="small" danger icon={<DeleteOutlined />} onClick={() => purge(r)}>
                    {t("bin.purge")}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      {bin.hasNextPage && (
        <Button onClick={() => void bin.fetchNextPage()} loading={bin.isFetchingNextPage}>
          {t("records.loadMore")}
        </Button>
      )}
      <Typography.Text type="secondary">
        <Link to={object ? `/o/${object.name}` : "/"}>{t("bin.back")}</Link>
      </Typography.Text>
    </Space>
  );
}
