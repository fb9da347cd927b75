import { DeleteOutlined, EditOutlined, PlusOutlined, UndoOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Breadcrumb, Button, Card, Result, Skeleton, Space, Switch, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, problemMessage } from "../../lib/api";
import { label, useObject, type FieldDef, type ObjectDef } from "../../lib/meta";
import { objectIcon } from "../shell/icons";
import { FieldDrawer } from "./FieldDrawer";
import { LayoutDesigner } from "./LayoutDesigner";
import styles from "./Builder.module.css";

/** One object in the builder: its fields (add, change, archive, restore). */
export default function ObjectPage() {
  const { object: name = "" } = useParams();
  const { t } = useTranslation();
  const object = useObject(name);
  if (object.isLoading) return <Skeleton active />;
  if (!object.data) return <Result status="404" title={t("records.noSuchObject")} />;
  return <ObjectSettings object={object.data} />;
}

function ObjectSettings({ object }: { object: ObjectDef }) {
  const { t, i18n } = useTranslation();
  const [drawer, setDrawer] = useState<FieldDef | "new" | null>(null);
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Breadcrumb
        items={[
          { title: t("builder.settings") },
          { title: <Link to="/admin/objects">{t("builder.objects")}</Link> },
          { title: label(object.label, i18n.language) },
        ]}
      />
      <div className={styles.header}>
        <Space align="center">
          <span style={{ fontSize: 24 }}>{objectIcon(object.name, object.icon)}</span>
          <Typography.Title level={2} style={{ margin: 0 }}>
            {label(object.label, i18n.language)}
          </Typography.Title>
          <Typography.Text code>{object.name}</Typography.Text>
        </Space>
        <Space>
          <Link to={`/o/${object.name}`}>
            <Button>{t("builder.openRecords")}</Button>
          </Link>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDrawer("new")}>
            {t("builder.newField")}
          </Button>
        </Space>
      </div>
      <NavigationSwitch object={object} />
      <Card variant="borderless">
        <Tabs
          items={[
            { key: "fields", label: t("builder.fields"), children: <FieldTable object={object} onEdit={setDrawer} /> },
            { key: "archived", label: t("builder.archived"), children: <ArchivedFields object={object} /> },
            { key: "layout", label: t("designer.tab"), children: <LayoutDesigner object={object} /> },
          ]}
        />
      </Card>
      <FieldDrawer
        key={drawer === null ? "closed" : drawer === "new" ? "new" : drawer.name}
        object={object}
        field={drawer}
        onClose={() => setDrawer(null)}
      />
    </Space>
  );
}

/** Whether the navigation lists the object: child objects (a quote's lines) are opened
 * from their parent instead, and stay reachable by URL, search and related lists. */
function NavigationSwitch({ object }: { object: ObjectDef }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const id = `nav-${object.name}`;
  const change = async (nav: boolean) => {
    setBusy(true);
    try {
      await api.patch(`/meta/objects/${object.name}`, { nav });
      await client.invalidateQueries({ queryKey: ["meta"] });
      void message.success(nav ? t("nav.shown") : t("nav.hidden"));
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className={styles.setting}>
      <Switch id={id} checked={object.nav !== false} loading={busy} onChange={(nav) => void change(nav)} />
      <div>
        <label htmlFor={id} className={styles.settingLabel}>
          {t("nav.show")}
        </label>
        <Typography.Text type="secondary" className={styles.settingHint}>
          {t("nav.showHint")}
        </Typography.Text>
      </div>
    </div>
  );
}

function FieldTable({ object, onEdit }: { object: ObjectDef; onEdit: (f: FieldDef) => void }) {
  const { t, i18n } = useTranslation();
  const { modal, message } = App.useApp();
  const client = useQueryClient();
  const archive = (f: FieldDef) =>
    modal.confirm({
      title: t("builder.archiveField", { field: label(f.label, i18n.language) }),
      content: t("builder.archiveHint"),
      okText: t("builder.archive"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await api.delete(`/meta/objects/${object.name}/fields/${f.name}`);
          await client.invalidateQueries({ queryKey: ["meta"] });
          void message.success(t("builder.fieldArchived"));
        } catch (error) {
          void message.error(problemMessage(error, t("common.serverError")));
        }
      },
    });
  return (
    <Table<FieldDef>
      rowKey="name"
      size="middle"
      pagination={false}
      dataSource={object.fields}
      scroll={{ x: "max-content" }}
      locale={{ emptyText: t("builder.noFields") }}
      columns={[
        { key: "label", title: t("builder.label"), render: (_, f) => <Typography.Text strong>{label(f.label, i18n.language)}</Typography.Text> },
        { key: "name", title: t("builder.apiName"), render: (_, f) => <Typography.Text code>{f.name}</Typography.Text> },
        { key: "type", title: t("builder.fieldType"), render: (_, f) => t(`builder.type.${f.type}`) },
        {
          key: "flags",
          title: t("builder.properties"),
          render: (_, f) => (
            <Space size={4} wrap>
              {f.required && <Tag>{t("builder.required")}</Tag>}
              {f.unique && <Tag>{t("builder.unique")}</Tag>}
              {f.name === object.name_field && <Tag color="blue">{t("builder.titleField")}</Tag>}
              {f.standard && <Tag>{t("builder.standard")}</Tag>}
            </Space>
          ),
        },
        {
          key: "actions",
          title: t("builder.actions"),
          render: (_, f) => (
            <Space>
              <Button size="small" icon={<EditOutlined />} onClick={() => onEdit(f)} aria-label={t("builder.editField", { field: label(f.label, i18n.language) })} />
              {!f.standard && (
                <Button size="small" icon={<DeleteOutlined />} onClick={() => archive(f)} aria-label={t("builder.archiveField", { field: label(f.label, i18n.language) })} />
              )}
            </Space>
          ),
        },
      ]}
    />
  );
}

function ArchivedFields({ object }: { object: ObjectDef }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const archived = useQuery({
    queryKey: ["meta", "archived", object.name],
    queryFn: ({ signal }) => api.get<{ fields: FieldDef[] }>(`/meta/objects/${object.name}/fields?archived=true`, signal),
  });
  const restore = async (f: FieldDef) => {
    try {
      await api.post(`/meta/objects/${object.name}/fields/${f.name}/restore`);
      await client.invalidateQueries({ queryKey: ["meta"] });
      void message.success(t("builder.fieldRestored"));
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    }
  };
  return (
    <Table<FieldDef>
      rowKey="name"
      pagination={false}
      loading={archived.isLoading}
      dataSource={archived.data?.fields ?? []}
      locale={{ emptyText: t("builder.noArchived") }}
      columns={[
        { key: "label", title: t("builder.label"), render: (_, f) => label(f.label, i18n.language) },
        { key: "name", title: t("builder.apiName"), render: (_, f) => <Typography.Text code>{f.name}</Typography.Text> },
        { key: "type", title: t("builder.fieldType"), render: (_, f) => t(`builder.type.${f.type}`) },
        {
          key: "restore",
          title: t("builder.actions"),
          render: (_, f) => (
            <Button size="small" icon={<UndoOutlined />} onClick={() => void restore(f)}>
              {t("builder.restore")}
            </Button>
          ),
        },
      ]}
    />
  );
}
