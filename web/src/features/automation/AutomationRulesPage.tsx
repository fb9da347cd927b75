import { ThunderboltOutlined } from "@ant-design/icons";
import { Result, Space, Switch, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { EditDeleteButtons, SettingsListPage } from "../../components/SettingsListPage";
import { useRowWrites } from "../../components/settingsRows";
import { formatDateTime } from "../../lib/format";
import { label, useObjects } from "../../lib/meta";
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
  const me = useMe();
  const manages = hasRight(me.data, "manage_automation");
  const rules = useAutomationRules(manages);
  const objects = useObjects();
  const [editing, setEditing] = useState<Editing>(null);

  const { toggle, remove, switching } = useRowWrites<Rule>("/automation/rules", RULES_KEY, "automation", (rule) => label(rule.name, i18n.language));

  if (me.data && !manages) return <Result status="403" title={t("automation.denied")} />;

  const language = i18n.language;
  const ruleName = (rule: Rule) => label(rule.name, language);
  const objectOf = (name: string) => objects.data?.find((o) => o.name === name);

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
            <EditDeleteButtons
              editLabel={t("automation.editOne", { name: ruleName(r) })}
              deleteLabel={t("automation.deleteOne", { name: ruleName(r) })}
              confirm={t("automation.deleteConfirm", { name: ruleName(r) })}
              confirmHelp={t("automation.deleteHelp")}
              onEdit={() => setEditing(r)}
              onDelete={() => remove(r)}
            />
          ),
        },
      ]}
    >
      {objects.data && <RuleEditor editing={editing} objects={objects.data} onClose={() => setEditing(null)} />}
    </SettingsListPage>
  );
}
