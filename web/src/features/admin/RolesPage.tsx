import { PlusOutlined, SafetyOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Breadcrumb, Button, Empty, Form, Input, Modal, Skeleton, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../../lib/api";
import { ROLES_KEY, useRoles, type Role } from "./api";
import { placeErrors } from "./errors";
import styles from "./Admin.module.css";

/** Every role, what it carries at a glance, and a dialog to add one. */
export default function RolesPage() {
  const { t } = useTranslation();
  const roles = useRoles();
  const [creating, setCreating] = useState(false);
  return (
    <div className={styles.page}>
      <Breadcrumb items={[{ title: t("admin.settings") }, { title: t("admin.roles") }]} />
      <div className={styles.header}>
        <Typography.Title level={2} className={styles.title}>
          {t("admin.roles")}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t("admin.newRole")}
        </Button>
      </div>
      {roles.isLoading ? (
        <Skeleton active paragraph={{ rows: 6 }} title={false} />
      ) : !roles.data?.length ? (
        <Empty image={<SafetyOutlined style={{ fontSize: 40, color: "#9ca3af" }} />} description={t("admin.noRoles")}>
          <Button type="primary" onClick={() => setCreating(true)}>
            {t("admin.newRole")}
          </Button>
        </Empty>
      ) : (
        <Table<Role>
          rowKey="id"
          dataSource={roles.data}
          pagination={false}
          scroll={{ x: "max-content" }}
          columns={[
            {
              key: "name",
              title: t("admin.name"),
              render: (_, r) => (
                <div>
                  <Link to={`/admin/roles/${r.id}`}>{r.name}</Link>
                  {r.description && <div className={styles.muted}>{r.description}</div>}
                </div>
              ),
            },
            { key: "objects", title: t("admin.objectCount"), align: "right", render: (_, r) => Object.keys(r.objects).length },
            {
              key: "rights",
              title: t("admin.rights"),
              render: (_, r) =>
                r.rights.length ? r.rights.map((right) => <Tag key={right}>{t(`admin.right.${right}`, right)}</Tag>) : <span className={styles.muted}>—</span>,
            },
            { key: "2fa", title: t("admin.require2fa"), render: (_, r) => (r.require_2fa ? <Tag color="blue">{t("admin.required")}</Tag> : null) },
          ]}
        />
      )}
      <NewRoleDialog open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}

function NewRoleDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [form] = Form.useForm<{ name: string; description?: string }>();
  const [busy, setBusy] = useState(false);

  const submit = async (values: { name: string; description?: string }) => {
    setBusy(true);
    try {
      const created = await api.post<{ id: string }>("/admin/roles", { name: values.name, description: values.description || null });
      await client.invalidateQueries({ queryKey: ROLES_KEY });
      onClose();
      navigate(`/admin/roles/${created.id}`);
    } catch (error) {
      const rest = placeErrors(form, error, ["name", "description"], t("common.serverError"));
      if (rest) void message.error(rest);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t("admin.newRole")}
      okText={t("admin.create")}
      cancelText={t("common.cancel")}
      onOk={() => form.submit()}
      okButtonProps={{ loading: busy }}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item name="name" label={t("admin.name")} rules={[{ required: true, whitespace: true, message: t("form.required") }]}>
          <Input maxLength={120} autoFocus />
        </Form.Item>
        <Form.Item name="description" label={t("admin.description")}>
          <Input.TextArea maxLength={500} autoSize={{ minRows: 2 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
