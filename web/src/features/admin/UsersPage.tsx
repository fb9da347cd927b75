import { KeyOutlined, PlusOutlined, TeamOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Badge, Breadcrumb, Button, Drawer, Empty, Form, Input, Modal, Popconfirm, Select, Skeleton, Space, Table, Tag, TreeSelect, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { UserSelect } from "../../components/UserSelect";
import { api } from "../../lib/api";
import { useMe } from "../../lib/session";
import { AUDIT_KEY, USERS_KEY, departmentTree, useAdminUsers, useDepartments, useRoles, type AdminUser } from "./api";
import { placeErrors } from "./errors";
import styles from "./Admin.module.css";
import { forgetUsers } from "../../lib/users";

type Editing = AdminUser | "new" | null;

/** Users: find them, invite one, change their department, manager and roles, switch them off. */
export default function UsersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get("q") ?? "");
  const departmentId = params.get("department") ?? undefined;
  const state = params.get("active");
  const filters = {
    q: params.get("q") ?? undefined,
    department_id: departmentId,
    active: state === null ? undefined : state === "true",
  };
  const users = useAdminUsers(filters);
  const departments = useDepartments();
  const tree = useMemo(() => departmentTree(departments.data ?? []), [departments.data]);
  const names = useMemo(() => new Map((departments.data ?? []).map((d) => [d.id, d.name])), [departments.data]);
  const [editing, setEditing] = useState<Editing>(null);
  const [resetting, setResetting] = useState<AdminUser | null>(null);
  const rows = users.data?.pages.flatMap((p) => p.users) ?? [];
  const filtered = !!(filters.q || filters.department_id || state !== null);

  const setParam = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const setActive = async (user: AdminUser, active: boolean) => {
    try {
      await api.patch(`/admin/users/${user.id}`, { active });
      await client.invalidateQueries({ queryKey: USERS_KEY });
      forgetUsers(); // the directory's names and departments everyone sees
      void client.invalidateQueries({ queryKey: AUDIT_KEY });
      void message.success(active ? t("admin.reactivated", { name: user.name }) : t("admin.deactivated", { name: user.name }));
    } catch (error) {
      void message.error(error instanceof Error ? error.message : t("common.serverError"));
    }
  };

  return (
    <div className={styles.page}>
      <Breadcrumb items={[{ title: t("admin.settings") }, { title: t("admin.users") }]} />
      <div className={styles.header}>
        <Typography.Title level={2} className={styles.title}>
          {t("admin.users")}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")}>
          {t("admin.invite")}
        </Button>
      </div>
      <div className={styles.toolbar} role="search">
        <Input.Search
          className={styles.filter}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onSearch={(v) => setParam("q", v.trim() || undefined)}
          placeholder={t("admin.searchUsers")}
          aria-label={t("admin.searchUsers")}
          allowClear
        />
        <TreeSelect
          className={styles.filter}
          treeData={tree}
          value={departmentId}
          onChange={(v: string | undefined) => setParam("department", v)}
          placeholder={t("admin.anyDepartment")}
          aria-label={t("admin.department")}
          allowClear
          treeDefaultExpandAll
        />
        <Select
          className={styles.filter}
          value={state ?? "any"}
          onChange={(v: string) => setParam("active", v === "any" ? undefined : v)}
          aria-label={t("admin.status")}
          options={[
            { value: "any", label: t("admin.anyStatus") },
            { value: "true", label: t("admin.active") },
            { value: "false", label: t("admin.inactive") },
          ]}
        />
      </div>
      {users.isLoading ? (
        <Skeleton active paragraph={{ rows: 8 }} title={false} />
      ) : rows.length === 0 ? (
        <Empty image={<TeamOutlined style={{ fontSize: 40, color: "#9ca3af" }} />} description={filtered ? t("admin.noUsersMatch") : t("admin.noUsers")}>
          {!filtered && (
            <Button type="primary" onClick={() => setEditing("new")}>
              {t("admin.invite")}
            </Button>
          )}
        </Empty>
      ) : (
        <>
          <Table<AdminUser>
            rowKey="id"
            dataSource={rows}
            pagination={false}
            scroll={{ x: "max-content" }}
            columns={[
              {
                key: "name",
                title: t("admin.name"),
                render: (_, u) => (
                  <div className={styles.person}>
                    <div className={styles.personName}>
                      <Typography.Link onClick={() => setEditing(u)} className={styles.cell} title={u.name}>
                        {u.name}
                      </Typography.Link>
                      {u.is_admin && <Tag color="#92400e">{t("admin.superuser")}</Tag>}
                    </div>
                    <div className={`${styles.muted} ${styles.cell}`} title={u.email}>
                      {u.email}
                    </div>
                  </div>
                ),
              },
              { key: "department", title: t("admin.department"), render: (_, u) => (u.department_id ? names.get(u.department_id) : "—") },
              {
                key: "roles",
                title: t("admin.roles"),
                render: (_, u) => (u.roles.length ? u.roles.map((r) => <Tag key={r.id}>{r.name}</Tag>) : <span className={styles.muted}>{t("admin.noRolesHeld")}</span>),
              },
              {
                key: "status",
                title: t("admin.status"),
                render: (_, u) => <Badge status={u.active ? "success" : "default"} text={u.active ? t("admin.active") : t("admin.inactive")} />,
              },
              {
                key: "actions",
                title: <span className="gx-sr-only">{t("admin.actions")}</span>,
                render: (_, u) => (
                  <Space size={4} wrap={false}>
                    <Button size="small" onClick={() => setEditing(u)}>
                      {t("common.edit")}
                    </Button>
                    <Button size="small" icon={<KeyOutlined />} onClick={() => setResetting(u)}>
                      {t("admin.resetPassword")}
                    </Button>
                    {u.id === me.data?.id ? null : u.active ? (
                      <Popconfirm
                        title={t("admin.deactivateConfirm", { name: u.name })}
                        description={t("admin.deactivateHelp")}
                        okText={t("admin.deactivate")}
                        cancelText={t("common.cancel")}
                        okButtonProps={{ danger: true }}
                        onConfirm={() => setActive(u, false)}
                      >
                        <Button size="small" danger>
                          {t("admin.deactivate")}
                        </Button>
                      </Popconfirm>
                    ) : (
                      <Button size="small" onClick={() => void setActive(u, true)}>
                        {t("admin.reactivate")}
                      </Button>
                    )}
                  </Space>
                ),
              },
            ]}
          />
          {users.hasNextPage && (
            <div className={styles.more}>
              <Button loading={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()}>
                {t("admin.loadMore")}
              </Button>
            </div>
          )}
        </>
      )}
      <UserDrawer key={editing === null ? "closed" : editing === "new" ? "new" : editing.id} editing={editing} onClose={() => setEditing(null)} />
      <PasswordDialog user={resetting} onClose={() => setResetting(null)} />
    </div>
  );
}

interface UserValues {
  name: string;
  email: string;
  password?: string;
  department_id?: string | null;
  manager_id?: string | null;
  role_ids: string[];
}

const USER_FIELDS = ["name", "email", "password", "department_id", "manager_id", "role_ids"] as const;

function UserDrawer({ editing, onClose }: { editing: Editing; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const departments = useDepartments();
  const roles = useRoles();
  const tree = useMemo(() => departmentTree(departments.data ?? []), [departments.data]);
  const [form] = Form.useForm<UserValues>();
  const [busy, setBusy] = useState(false);
  const user = editing !== null && editing !== "new" ? editing : null;

  const submit = async (values: UserValues) => {
    setBusy(true);
    try {
      const placement = { department_id: values.department_id ?? null, manager_id: values.manager_id ?? null, role_ids: values.role_ids };
      if (user) await api.patch(`/admin/users/${user.id}`, placement);
      else await api.post("/admin/users", { name: values.name, email: values.email, password: values.password || undefined, ...placement });
      await client.invalidateQueries({ queryKey: USERS_KEY });
      forgetUsers(); // the directory's names and departments everyone sees
      void client.invalidateQueries({ queryKey: AUDIT_KEY });
      void message.success(user ? t("admin.userSaved") : t("admin.userInvited"));
      onClose();
    } catch (error) {
      const rest = placeErrors(form, error, USER_FIELDS, t("common.serverError"));
      if (rest) void message.error(rest);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer
      open={editing !== null}
      onClose={onClose}
      width={480}
      title={user ? user.name : t("admin.invite")}
      destroyOnHidden
      footer={
        <Space>
          <Button type="primary" loading={busy} onClick={() => form.submit()}>
            {user ? t("common.save") : t("admin.invite")}
          </Button>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
        </Space>
      }
    >
      <Form<UserValues>
        form={form}
        layout="vertical"
        initialValues={
          user
            ? { name: user.name, email: user.email, department_id: user.department_id, manager_id: user.manager_id, role_ids: user.roles.map((r) => r.id) }
            : { role_ids: [] }
        }
        onFinish={(v) => void submit(v)}
      >
        <Form.Item name="name" label={t("admin.name")} rules={[{ required: true, whitespace: true, message: t("form.required") }]}>
          <Input maxLength={120} disabled={!!user} />
        </Form.Item>
        <Form.Item
          name="email"
          label={t("admin.email")}
          rules={[
            { required: true, message: t("form.required") },
            { type: "email", message: t("admin.emailInvalid") },
          ]}
        >
          <Input maxLength={254} type="email" disabled={!!user} />
        </Form.Item>
        {!user && (
          <Form.Item name="password" label={t("admin.initialPassword")} extra={t("admin.initialPasswordHelp")}>
            <Input.Password maxLength={1000} autoComplete="new-password" />
          </Form.Item>
        )}
        <Form.Item name="department_id" label={t("admin.department")}>
          <TreeSelect treeData={tree} allowClear treeDefaultExpandAll placeholder={t("admin.noDepartment")} />
        </Form.Item>
        <Form.Item name="manager_id" label={t("admin.manager")}>
          <UserSelect />
        </Form.Item>
        <Form.Item name="role_ids" label={t("admin.roles")}>
          <Select mode="multiple" loading={roles.isLoading} options={(roles.data ?? []).map((r) => ({ value: r.id, label: r.name }))} optionFilterProp="label" />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

/** A new password the administrator hands over; the user's sessions and tokens end. */
function PasswordDialog({ user, onClose }: { user: AdminUser | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<{ password: string }>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ password }: { password: string }) => {
    if (!user) return;
    setBusy(true);
    try {
      await api.patch(`/admin/users/${user.id}`, { password });
      void client.invalidateQueries({ queryKey: AUDIT_KEY });
      void message.success(t("admin.passwordReset", { name: user.name }));
      onClose();
    } catch (error) {
      const rest = placeErrors(form, error, ["password"], t("common.serverError"));
      if (rest) void message.error(rest);
    } finally {
      setBusy(false);
    }
  };

  const generate = () => {
    // 16 characters from a set without look-alikes (0/O, 1/l), mixing letters and digits.
    const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const body = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
    form.setFieldValue("password", `${body.slice(0, 8)}-${body.slice(8)}7`);
  };

  return (
    <Modal
      open={user !== null}
      title={t("admin.resetPasswordOf", { name: user?.name ?? "" })}
      okText={t("admin.resetPassword")}
      cancelText={t("common.cancel")}
      onOk={() => form.submit()}
      okButtonProps={{ loading: busy, danger: true }}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t("admin.resetPasswordHelp")}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item label={t("admin.newPassword")} required>
          <Space.Compact block>
            <Form.Item name="password" noStyle rules={[{ required: true, message: t("form.required") }]}>
              <Input maxLength={1000} autoComplete="off" spellCheck={false} aria-label={t("admin.newPassword")} />
            </Form.Item>
            <Button onClick={generate}>{t("admin.generate")}</Button>
          </Space.Compact>
        </Form.Item>
      </Form>
    </Modal>
  );
}
