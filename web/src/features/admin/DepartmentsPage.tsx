import { ApartmentOutlined, PlusOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Breadcrumb, Button, Card, Descriptions, Empty, Form, Input, Modal, Skeleton, Space, Tree, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api } from "../../lib/api";
import { DEPARTMENTS_KEY, departmentTree, useDepartments, type Department } from "./api";
import { placeErrors } from "./errors";
import styles from "./Admin.module.css";

/** The departments tree: pick one to see it, add a department under it or at the top. */
export default function DepartmentsPage() {
  const { t } = useTranslation();
  const departments = useDepartments();
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState<{ parent: Department | null } | null>(null);
  const tree = useMemo(() => departmentTree(departments.data ?? []), [departments.data]);
  const current = departments.data?.find((d) => d.id === selected) ?? null;
  const parent = current?.parent_id ? departments.data?.find((d) => d.id === current.parent_id) : null;

  return (
    <div className={styles.page}>
      <Breadcrumb items={[{ title: t("admin.settings") }, { title: t("admin.departments") }]} />
      <div className={styles.header}>
        <Typography.Title level={2} className={styles.title}>
          {t("admin.departments")}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding({ parent: null })}>
          {t("admin.newTopDepartment")}
        </Button>
      </div>
      <div className={styles.split}>
        <Card variant="borderless" aria-busy={departments.isLoading}>
          {departments.isLoading ? (
            <Skeleton active paragraph={{ rows: 6 }} title={false} />
          ) : tree.length === 0 ? (
            <Empty image={<ApartmentOutlined style={{ fontSize: 40, color: "#9ca3af" }} />} description={t("admin.noDepartments")}>
              <Button type="primary" onClick={() => setAdding({ parent: null })}>
                {t("admin.newTopDepartment")}
              </Button>
            </Empty>
          ) : (
            <Tree
              showLine
              blockNode
              defaultExpandAll
              treeData={tree}
              selectedKeys={selected ? [selected] : []}
              onSelect={(keys) => setSelected(keys.length ? String(keys[0]) : null)}
              aria-label={t("admin.departments")}
            />
          )}
        </Card>
        <Card variant="borderless">
          {current ? (
            <Space direction="vertical" size={16} style={{ width: "100%" }}>
              <Typography.Title level={4} style={{ margin: 0 }}>
                {current.name}
              </Typography.Title>
              <Descriptions column={1} size="small">
                <Descriptions.Item label={t("admin.parentDepartment")}>{parent?.name ?? t("admin.topLevel")}</Descriptions.Item>
              </Descriptions>
              <Space wrap>
                <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding({ parent: current })}>
                  {t("admin.newChildDepartment")}
                </Button>
                <Link to={`/admin/users?department=${current.id}`}>{t("admin.seePeople")}</Link>
              </Space>
            </Space>
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("admin.pickDepartment")} />
          )}
        </Card>
      </div>
      <NewDepartmentDialog adding={adding} onClose={() => setAdding(null)} onCreated={setSelected} />
    </div>
  );
}

function NewDepartmentDialog({
  adding,
  onClose,
  onCreated,
}: {
  adding: { parent: Department | null } | null;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<{ name: string }>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ name }: { name: string }) => {
    setBusy(true);
    try {
      const created = await api.post<{ id: string }>("/admin/departments", { name, parent_id: adding?.parent?.id ?? null });
      await client.invalidateQueries({ queryKey: DEPARTMENTS_KEY });
      void message.success(t("admin.departmentCreated"));
      onCreated(created.id);
      onClose();
    } catch (error) {
      const rest = placeErrors(form, error, ["name"], t("common.serverError"));
      if (rest) void message.error(rest);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={adding !== null}
      title={adding?.parent ? t("admin.newChildOf", { name: adding.parent.name }) : t("admin.newTopDepartment")}
      okText={t("admin.create")}
      cancelText={t("common.cancel")}
      onOk={() => form.submit()}
      okButtonProps={{ loading: busy }}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item name="name" label={t("admin.departmentName")} rules={[{ required: true, whitespace: true, message: t("form.required") }]}>
          <Input maxLength={120} autoFocus />
        </Form.Item>
      </Form>
    </Modal>
  );
}
