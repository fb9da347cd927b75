import { EyeInvisibleOutlined, LockOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Breadcrumb, Button, Card, Checkbox, Drawer, Empty, Radio, Result, Select, Skeleton, Space, Switch, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { ApiError, api } from "../../lib/api";
import { label, useObjects, type ObjectDef } from "../../lib/meta";
import { AUDIT_KEY, OPERATIONS, RIGHTS, ROLES_KEY, SCOPES, useRoles, type FieldLevel, type ObjectGrant, type Operation, type Role, type Scope } from "./api";
import styles from "./Admin.module.css";

interface Draft {
  objects: Record<string, ObjectGrant>;
  fields: Record<string, FieldLevel>;
  rights: string[];
  require_2fa: boolean;
}

/** What the server keeps of a grant: the operations granted (true only) and the scope. */
function tidy(objects: Record<string, ObjectGrant>): Record<string, ObjectGrant> {
  const out: Record<string, ObjectGrant> = {};
  for (const [name, grant] of Object.entries(objects)) {
    const kept: ObjectGrant = {};
    for (const op of OPERATIONS) if (grant[op]) kept[op] = true;
    if (Object.keys(kept).length) out[name] = { ...kept, scope: grant.scope ?? "own" };
  }
  return out;
}

function same(a: Draft, b: Draft): boolean {
  const key = (d: Draft) =>
    JSON.stringify([tidy(d.objects), Object.entries(d.fields).sort(), [...d.rights].sort(), d.require_2fa]);
  return key(a) === key(b);
}

/** One role: its permission matrix (object × operation, a scope per object), field access and rights. */
export default function RolePage() {
  const { t } = useTranslation();
  const { id } = useParams();
  const roles = useRoles();
  const objects = useObjects();
  if (roles.isLoading || objects.isLoading) return <Skeleton active paragraph={{ rows: 10 }} />;
  const role = roles.data?.find((r) => r.id === id);
  if (!role || !objects.data) {
    return <Result status="404" title={t("admin.roleNotFound")} extra={<Link to="/admin/roles">{t("admin.backToRoles")}</Link>} />;
  }
  // A fresh editor per saved version of the role: its draft starts from what is stored.
  return <RoleEditor key={JSON.stringify(role)} role={role} objects={objects.data} />;
}

function RoleEditor({ role, objects }: { role: Role; objects: ObjectDef[] }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const saved: Draft = useMemo(
    () => ({ objects: role.objects, fields: role.fields, rights: role.rights, require_2fa: role.require_2fa }),
    [role],
  );
  const [draft, setDraft] = useState<Draft>(saved);
  // The object stays after the drawer closes so its title lasts through the closing motion.
  const [fieldsOf, setFieldsOf] = useState<ObjectDef | null>(null);
  const [fieldsOpen, setFieldsOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const dirty = !same(draft, saved);

  const grant = (object: string): ObjectGrant => draft.objects[object] ?? {};
  const setGrant = (object: string, change: Partial<ObjectGrant>) =>
    setDraft((d) => ({ ...d, objects: { ...d.objects, [object]: { ...d.objects[object], ...change } } }));

  const save = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.patch(`/admin/roles/${role.id}`, {
        objects: tidy(draft.objects),
        fields: draft.fields,
        rights: draft.rights,
        require_2fa: draft.require_2fa,
      });
      void client.invalidateQueries({ queryKey: AUDIT_KEY });
      await client.invalidateQueries({ queryKey: ROLES_KEY });
      void message.success(t("admin.roleSaved"));
    } catch (error) {
      if (error instanceof ApiError) {
        const details = (error.problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
        setProblem([error.message, ...details].join(" · "));
      } else setProblem(t("common.serverError"));
    } finally {
      setBusy(false);
    }
  };

  const opLabel = (op: Operation) => t(`admin.op.${op}`);
  const ruleCount = (object: string) => Object.keys(draft.fields).filter((k) => k.startsWith(`${object}.`)).length;

  return (
    <div className={styles.page}>
      <Breadcrumb
        items={[{ title: t("admin.settings") }, { title: <Link to="/admin/roles">{t("admin.roles")}</Link> }, { title: role.name }]}
      />
      <div className={styles.header}>
        <div>
          <Typography.Title level={2} className={styles.title}>
            {role.name}
          </Typography.Title>
          {role.description && <div className={styles.muted}>{role.description}</div>}
        </div>
        <Space wrap>
          {dirty && <Tag color="orange">{t("admin.unsaved")}</Tag>}
          <Button disabled={!dirty || busy} onClick={() => setDraft(saved)}>
            {t("admin.discard")}
          </Button>
          <Button type="primary" disabled={!dirty} loading={busy} onClick={() => void save()}>
            {t("common.save")}
          </Button>
        </Space>
      </div>
      {problem && <Alert type="error" showIcon message={problem} closable onClose={() => setProblem(null)} />}
      <Card variant="borderless" title={t("admin.matrix")} styles={{ body: { padding: 0 } }} className={styles.matrix}>
        <Typography.Paragraph type="secondary" style={{ padding: "12px 24px 0" }}>
          {t("admin.matrixHelp")}
        </Typography.Paragraph>
        {objects.length === 0 ? (
          <Empty description={t("admin.noObjects")} />
        ) : (
          <Table<ObjectDef>
            rowKey="name"
            dataSource={objects}
            pagination={false}
            size="middle"
            scroll={{ x: "max-content" }}
            data-testid="role-matrix"
            columns={[
              {
                key: "object",
                title: t("admin.object"),
                fixed: "left",
                render: (_, o) => <Typography.Text strong>{label(o.plural_label, i18n.language)}</Typography.Text>,
              },
              ...OPERATIONS.map((op) => ({
                key: op,
                title: opLabel(op),
                align: "center" as const,
                render: (_: unknown, o: ObjectDef) => (
                  <Checkbox
                    checked={!!grant(o.name)[op]}
                    onChange={(e) => setGrant(o.name, { [op]: e.target.checked })}
                    aria-label={t("admin.cellLabel", { object: label(o.plural_label, i18n.language), operation: opLabel(op) })}
                  />
                ),
              })),
              {
                key: "scope",
                title: t("admin.scope"),
                render: (_, o) => {
                  const any = OPERATIONS.some((op) => grant(o.name)[op]);
                  return (
                    <Select<Scope>
                      style={{ width: 220 }}
                      popupMatchSelectWidth={false}
                      size="small"
                      disabled={!any}
                      value={grant(o.name).scope ?? "own"}
                      onChange={(scope) => setGrant(o.name, { scope })}
                      aria-label={t("admin.scopeOf", { object: label(o.plural_label, i18n.language) })}
                      options={SCOPES.map((s) => ({ value: s, label: t(`admin.scopeName.${s}`) }))}
                    />
                  );
                },
              },
              {
                key: "fields",
                title: t("admin.fieldAccess"),
                render: (_, o) => {
                  const count = ruleCount(o.name);
                  const text = count ? t("admin.ruleCount", { count }) : t("admin.allEditable");
                  // The visible text first, so what is read out starts with what is seen.
                  const name = `${text} (${t("admin.fieldAccessOf", { object: label(o.plural_label, i18n.language) })})`;
                  return (
                    <Button size="small" onClick={() => {
                        setFieldsOf(o);
                        setFieldsOpen(true);
                      }} aria-label={name}>
                      {text}
                    </Button>
                  );
                },
              },
            ]}
          />
        )}
      </Card>
      <Card variant="borderless" title={t("admin.rights")}>
        <Space direction="vertical" size={12}>
          <Checkbox.Group
            className={styles.rights}
            value={draft.rights}
            onChange={(rights) => setDraft((d) => ({ ...d, rights: rights }))}
            options={RIGHTS.map((r) => ({ value: r, label: t(`admin.right.${r}`) }))}
          />
          <Space>
            <Switch
              checked={draft.require_2fa}
              onChange={(require_2fa) => setDraft((d) => ({ ...d, require_2fa }))}
              aria-label={t("admin.require2fa")}
            />
            <span>{t("admin.require2fa")}</span>
          </Space>
        </Space>
      </Card>
      <FieldAccessDrawer
        object={fieldsOf}
        open={fieldsOpen}
        fields={draft.fields}
        onChange={(fields) => setDraft((d) => ({ ...d, fields }))}
        onClose={() => setFieldsOpen(false)}
      />
    </div>
  );
}

/** Per field of one object: editable (no rule), read-only or hidden for this role. */
function FieldAccessDrawer({
  object,
  open,
  fields,
  onChange,
  onClose,
}: {
  object: ObjectDef | null;
  open: boolean;
  fields: Record<string, FieldLevel>;
  onChange: (fields: Record<string, FieldLevel>) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const shown = (object?.fields ?? []).filter((f) => !f.archived);
  const set = (field: string, level: FieldLevel | "edit") => {
    if (!object) return;
    const key = `${object.name}.${field}`;
    // "edit" is the absence of a rule: the server knows only hidden and read_only.
    const next = Object.fromEntries(Object.entries(fields).filter(([k]) => k !== key));
    onChange(level === "edit" ? next : { ...next, [key]: level });
  };
  return (
    <Drawer
      open={open && object !== null}
      onClose={onClose}
      width={560}
      title={object ? t("admin.fieldAccessOf", { object: label(object.plural_label, i18n.language) }) : ""}
      footer={<Typography.Text type="secondary">{t("admin.fieldAccessHelp")}</Typography.Text>}
    >
      {shown.map((f) => {
        const level = object ? (fields[`${object.name}.${f.name}`] ?? "edit") : "edit";
        const name = label(f.label, i18n.language) || f.name;
        return (
          <div key={f.name} className={styles.fieldRow}>
            <span>
              {name} <Typography.Text type="secondary" code>{f.name}</Typography.Text>
            </span>
            <Radio.Group
              size="small"
              optionType="button"
              value={level}
              onChange={(e) => set(f.name, e.target.value as FieldLevel | "edit")}
              aria-label={t("admin.accessTo", { field: name })}
              options={[
                { value: "edit", label: t("admin.level.edit") },
                { value: "read_only", label: <span><LockOutlined /> {t("admin.level.read_only")}</span> },
                { value: "hidden", label: <span><EyeInvisibleOutlined /> {t("admin.level.hidden")}</span> },
              ]}
            />
          </div>
        );
      })}
    </Drawer>
  );
}
