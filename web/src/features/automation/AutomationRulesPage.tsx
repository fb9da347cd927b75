import { DeleteOutlined, ThunderboltOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Popconfirm, Result, Space, Switch, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { SettingsListPage } from "../../components/SettingsListPage";
import { api, ApiError, problemMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, useObjects } from "../../lib/meta";
import { ifMatch } from "../../lib/records";
import { hasRight, useMe } from "../../lib/session";
import { RULES_KEY, useAutomationRules } from "./api";
import { RuleEditor, type Editing } from "./RuleEditor";
import { triggerText, type Rule } from "./rules";
import { STATUS_COLOURS } from "./RunsTab";
import styles from "./automation.module.css";

/** Settings · 自动化规则: what happens by itself when records change or dates come. A table
 * of the rules with their switch and last run, and a drawer to build one without code. */
export default function AutomationRulesPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const me = useMe();
  const manages = hasRight(me.data, "manage_automation");
  const rules = useAutomationRules(manages);
  const objects = useObjects();
  const [editing, setEditing] = useState<Editing>(null);
  const [switching, setSwitching] = useState<string | null>(null);

  if (me.data && !manages) return <Result status="403" title={t("automation.denied")} />;

  const language = i18n.language;
  const ruleName = (rule: Rule) => label(rule.name, language);
  const objectOf = (name: string) => objects.data?.find((o) => o.name === name);

  const toggle = async (rule: Rule, active: boolean) => {
    setSwitching(rule.id);
    try {
      await api.patch<Rule>(`/automation/rules/${rule.id}`, { active }, ifMatch(rule.version));
      void message.success(t(active ? "automation.activated" : "automation.deactivated", { name: ruleName(rule) }));
    } catch (error) {
      void message.error(error instanceof ApiError && error.status === 412 ? t("automation.stale") : problemMessage(error, t("common.serverError")));
    } finally {
      await client.invalidateQueries({ queryKey: RULES_KEY });
      setSwitching(null);
    }
  };

  const remove = async (rule: Rule) => {
    try {
      await api.delete(`/automation/rules/${rule.id}`);
      void message.success(t("automation.deleted", { name: ruleName(rule) }));
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      await client.invalidateQueries({ queryKey: RULES_KEY });
    }
  };

  return (
    <SettingsListPage
      section={t("shell.settings")}
      title={t("automation.title")}
      intro={t("automation.intro")}
      newLabel={t("automation.new")}
      onNew={() => setEditing("new")}
      list={{ ...rules, isLoading: rules.isLoading || objects.isLoading }}
      emptyIcon={<ThunderboltOutlined className={styles.emptyIcon} />}
      emptyText={t("automation.none")}
      columns={[
        { key: "name", title: t("automation.name"), render: (_, r) => <Typography.Link onClick={() => setEditing(r)}>{ruleName(r)}</Typography.Link> },
        { key: "object", title: t("automation.object"), render: (_, r) => label(objectOf(r.object)?.label, language) || r.object },
        {
          key: "trigger",
          title: t("automation.trigger"),
          render: (_, r) => (
            <span className={styles.muted}>
              {triggerText(r.trigger, objectOf(r.object), t, language)}
              {r.run_when === "starts_matching" && ` · ${t("automation.startsMatchingShort")}`}
            </span>
          ),
        },
        {
          key: "active",
          title: t("automation.active"),
          render: (_, r) => (
            <Switch size="small" checked={r.active} loading={switching === r.id} onChange={(on) => void toggle(r, on)} aria-label={t("automation.activeOne", { name: ruleName(r) })} />
          ),
        },
        {
          key: "last",
          title: t("automation.lastRun"),
          render: (_, r) =>
            r.last_run ? (
              <Space size={4}>
                <span className={styles.muted}>{formatDateTime(r.last_run.started_at)}</span>
                <Tag color={STATUS_COLOURS[r.last_run.status]}>
                  {t(`automation.statuses.${r.last_run.status}`, { defaultValue: r.last_run.status })}
                </Tag>
              </Space>
            ) : (
              <span className={styles.muted}>{t("automation.neverRun")}</span>
            ),
        },
        { key: "version", title: t("automation.versionColumn"), render: (_, r) => <span className={styles.muted}>v{r.version}</span> },
        {
          key: "actions",
          title: <span className="gx-sr-only">{t("automation.rowActions")}</span>,
          align: "right",
          render: (_, r) => (
            <Space>
              <Button size="small" onClick={() => setEditing(r)} aria-label={t("automation.editOne", { name: ruleName(r) })}>
                {t("common.edit")}
              </Button>
              <Popconfirm
                title={t("automation.deleteConfirm", { name: ruleName(r) })}
                description={t("automation.deleteHelp")}
                okText={t("common.delete")}
                okButtonProps={{ danger: true }}
                cancelText={t("common.cancel")}
                onConfirm={() => remove(r)}
              >
                <Button size="small" danger icon={<DeleteOutlined />} aria-label={t("automation.deleteOne", { name: ruleName(r) })} />
              </Popconfirm>
            </Space>
          ),
        },
      ]}
    >
      {objects.data && <RuleEditor editing={editing} objects={objects.data} onClose={() => setEditing(null)} />}
    </SettingsListPage>
  );
}
