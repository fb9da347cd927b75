import { InboxOutlined, SyncOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Drawer, Form, Grid, Input, InputNumber, Result, Select, Space, Switch, Tag, Typography } from "antd";
import type { TFunction } from "i18next";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { useRoles } from "../../../features/admin/api";
import { api, ApiError, problemMessage } from "../../../lib/api";
import { ifMatch } from "../../../lib/records";
import { hasRight, useMe } from "../../../lib/session";
import { SettingsListPage } from "../SettingsListPage";
import { POOLS_KEY, usePools, type Pool } from "./api";
import { placePoolErrors, poolBody, poolValues, type PoolValues } from "./poolForm";
import styles from "./pools.module.css";

type Editing = Pool | "new" | null;

/** Settings · 公海: every pool with its members and rules, a drawer to create or change
 * one, and "reclaim now" to run a pool's reclaim rules at once. */
export default function PoolSettingsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const me = useMe();
  const manages = hasRight(me.data, "manage_automation");
  const pools = usePools(manages);
  // Role names come from the administration API, which takes the manage_users right.
  const roles = useRoles(manages && hasRight(me.data, "manage_users"));
  const roleNames = useMemo(() => new Map((roles.data ?? []).map((r) => [r.id, r.name])), [roles.data]);
  const [editing, setEditing] = useState<Editing>(null);
  const [reclaiming, setReclaiming] = useState<string | null>(null);

  if (me.data && !manages) return <Result status="403" title={t("pools.settingsDenied")} />;

  const reclaim = async (pool: Pool) => {
    setReclaiming(pool.id);
    try {
      const done = await api.post<{ reclaimed: string[]; warned: string[] }>(`/sales/pools/${pool.id}/reclaim`);
      void message.success({
        content: t("pools.reclaimed", { count: done.reclaimed.length, warned: done.warned.length, name: pool.name }),
        duration: 6,
      });
      void client.invalidateQueries({ queryKey: POOLS_KEY });
      void client.invalidateQueries({ queryKey: ["records", "account"] });
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      setReclaiming(null);
    }
  };

  return (
    <SettingsListPage
      section={t("pools.settings")}
      title={t("pools.settingsTitle")}
      intro={t("pools.settingsIntro")}
      newLabel={t("pools.new")}
      onNew={() => setEditing("new")}
      list={pools}
      emptyIcon={<InboxOutlined className={styles.emptyIcon} />}
      emptyText={t("pools.noPoolsYet")}
      columns={[
        {
          key: "name",
          title: t("pools.poolName"),
          render: (_, p) => (
            <Space size={6} wrap>
              <Typography.Link onClick={() => setEditing(p)}>{p.name}</Typography.Link>
              {p.default && <Tag color="blue">{t("pools.defaultTag")}</Tag>}
            </Space>
          ),
        },
        {
          key: "members",
          title: t("pools.members"),
          render: (_, p) => (
            <span className={styles.tags}>
              {p.member_roles.map((id) => (
                <Tag key={id}>{roleNames.get(id) ?? t("pools.role", { id: id.slice(0, 8) })}</Tag>
              ))}
            </span>
          ),
        },
        { key: "limit", title: t("pools.claimLimit"), align: "right", render: (_, p) => p.claim_limit },
        { key: "cooldown", title: t("pools.cooldownDays"), align: "right", render: (_, p) => t("pools.days", { count: p.cooldown_days }) },
        { key: "reclaim", title: t("pools.reclaimRules"), render: (_, p) => <span className={styles.muted}>{reclaimSummary(p, t)}</span> },
        {
          key: "actions",
          title: <span className="gx-sr-only">{t("pools.actions")}</span>,
          align: "right",
          render: (_, p) => (
            <Space>
              <Button size="small" onClick={() => setEditing(p)} aria-label={t("pools.editOne", { name: p.name })}>
                {t("common.edit")}
              </Button>
              <Button
                size="small"
                icon={<SyncOutlined />}
                disabled={!p.reclaim}
                loading={reclaiming === p.id}
                onClick={() => void reclaim(p)}
                aria-label={t("pools.reclaimOne", { name: p.name })}
                title={p.reclaim ? undefined : t("pools.noReclaimRules")}
              >
                {t("pools.reclaimNow")}
              </Button>
            </Space>
          ),
        },
      ]}
    >
      <Typography.Paragraph type="secondary">
        <Link to="/sales/pools">{t("pools.openPools")}</Link>
      </Typography.Paragraph>
      <PoolDrawer editing={editing} onClose={() => setEditing(null)} roles={roles} />
    </SettingsListPage>
  );
}

function reclaimSummary(pool: Pool, t: TFunction): string {
  const rules = pool.reclaim;
  if (!rules) return t("pools.noReclaim");
  const parts: string[] = [];
  if (rules.days_without_activity) parts.push(t("pools.afterNoActivity", { count: rules.days_without_activity }));
  if (rules.days_without_won) parts.push(t("pools.afterNoWon", { count: rules.days_without_won }));
  if (rules.warn_days) parts.push(t("pools.warnBefore", { count: rules.warn_days }));
  return parts.join(" · ") || t("pools.noReclaim");
}

function PoolDrawer({ editing, onClose, roles }: { editing: Editing; onClose: () => void; roles: ReturnType<typeof useRoles> }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const phone = Grid.useBreakpoint().md === false;
  const [form] = Form.useForm<PoolValues>();
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const pool = editing === "new" ? null : editing;
  const reclaimOn = Form.useWatch("reclaim", form) ?? false;
  // Without the right to list roles (or when they could not be read) the members stay as
  // they are: the select would offer nothing to choose from.
  const rolesUnavailable = !roles.data && !roles.isLoading;

  const submit = async (values: PoolValues) => {
    setBusy(true);
    setProblems([]);
    try {
      const body = poolBody(values);
      const saved = pool ? await api.patch<Pool>(`/sales/pools/${pool.id}`, body, ifMatch(pool.version)) : await api.post<Pool>("/sales/pools", body);
      await client.invalidateQueries({ queryKey: POOLS_KEY });
      void message.success(pool ? t("pools.saved", { name: saved.name }) : t("pools.created", { name: saved.name }));
      onClose();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        setProblems([t("pools.stale")]);
        void client.invalidateQueries({ queryKey: POOLS_KEY });
      } else if (error instanceof ApiError && error.problem.errors?.length) {
        const placed = placePoolErrors(error.problem.errors);
        form.setFields([...placed.fields.entries()].map(([name, errors]) => ({ name, errors })));
        setProblems(placed.other);
      } else {
        setProblems([problemMessage(error, t("common.serverError"))]);
      }
    } finally {
      setBusy(false);
    }
  };

  const wholeNumber = { required: true, message: t("pools.wholeNumber") };
  return (
    <Drawer
      open={editing !== null}
      onClose={onClose}
      width={phone ? "100%" : 560}
      title={pool ? t("pools.editTitle", { name: pool.name }) : t("pools.new")}
      destroyOnHidden
      footer={
        <Space>
          <Button type="primary" loading={busy} onClick={() => form.submit()}>
            {pool ? t("common.save") : t("pools.create")}
          </Button>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
        </Space>
      }
    >
      <Form<PoolValues> form={form} layout="vertical" initialValues={poolValues(pool ?? undefined)} onFinish={(v) => void submit(v)} disabled={busy}>
        {problems.length > 0 && <Alert type="error" showIcon role="alert" className={styles.gap} message={problems.join(" ")} />}
        <Form.Item name="name" label={t("pools.poolName")} rules={[{ required: true, whitespace: true, message: t("pools.nameRequired") }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item
          name="member_roles"
          label={t("pools.members")}
          extra={rolesUnavailable ? t("pools.rolesDenied") : t("pools.membersHelp")}
          rules={[{ required: true, type: "array", min: 1, message: t("pools.membersRequired") }]}
        >
          <Select
            mode="multiple"
            loading={roles.isLoading}
            disabled={rolesUnavailable}
            optionFilterProp="label"
            options={(roles.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
            placeholder={t("pools.chooseRoles")}
          />
        </Form.Item>
        <div className={styles.numbers}>
          <Form.Item name="claim_limit" label={t("pools.claimLimit")} extra={t("pools.claimLimitHelp")} rules={[wholeNumber]}>
            <InputNumber min={1} max={1_000_000} precision={0} className={styles.number} />
          </Form.Item>
          <Form.Item name="cooldown_days" label={t("pools.cooldownDays")} extra={t("pools.cooldownHelp")} rules={[wholeNumber]}>
            <InputNumber min={0} max={3650} precision={0} className={styles.number} suffix={t("pools.dayUnit")} />
          </Form.Item>
          <Form.Item name="protection_days" label={t("pools.protectionDays")} extra={t("pools.protectionHelp")} rules={[wholeNumber]}>
            <InputNumber min={0} max={3650} precision={0} className={styles.number} suffix={t("pools.dayUnit")} />
          </Form.Item>
        </div>
        <Form.Item name="reclaim" valuePropName="checked" label={t("pools.reclaimRules")} extra={t("pools.reclaimHelp")}>
          <Switch />
        </Form.Item>
        {reclaimOn && (
          <div className={styles.rules}>
            <Form.Item
              name="days_without_activity"
              label={t("pools.daysWithoutActivity")}
              dependencies={["days_without_won"]}
              rules={[
                ({ getFieldValue }) => ({
                  validator: (_, value: number | null) =>
                    value || getFieldValue("days_without_won") ? Promise.resolve() : Promise.reject(new Error(t("pools.oneRuleRequired"))),
                }),
              ]}
            >
              <InputNumber min={1} max={3650} precision={0} className={styles.number} suffix={t("pools.dayUnit")} />
            </Form.Item>
            <Form.Item name="days_without_won" label={t("pools.daysWithoutWon")}>
              <InputNumber min={1} max={3650} precision={0} className={styles.number} suffix={t("pools.dayUnit")} />
            </Form.Item>
            <Form.Item name="warn_days" label={t("pools.warnDays")} extra={t("pools.warnHelp")}>
              <InputNumber min={0} max={365} precision={0} className={styles.number} suffix={t("pools.dayUnit")} />
            </Form.Item>
          </div>
        )}
        <Form.Item name="default" valuePropName="checked" label={t("pools.default")} extra={t("pools.defaultHelp")}>
          <Switch />
        </Form.Item>
      </Form>
    </Drawer>
  );
}
