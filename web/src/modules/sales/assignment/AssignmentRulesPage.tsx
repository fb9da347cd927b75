import { ShareAltOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Drawer, Form, Grid, Radio, Result, Select, Space, Switch, Tag, Typography } from "antd";
import type { TFunction } from "i18next";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { BilingualFields, eitherLanguage } from "../../../components/BilingualFields";
import { FormAlerts } from "../../../components/FormAlerts";
import { useDepartments, useRoles, useTeams } from "../../../features/admin/api";
import { api, ApiError, problemMessage } from "../../../lib/api";
import { formatDateTime } from "../../../lib/format";
import { label, useObjects } from "../../../lib/meta";
import { ifMatch } from "../../../lib/records";
import { hasRight, useMe } from "../../../lib/session";
import { useUsers } from "../../../lib/users";
import { EditDeleteButtons, SettingsListPage } from "../SettingsListPage";
import { useRowWrites } from "../../../components/settingsRows";
import { RULES_KEY, useRules } from "./api";
import styles from "./assignment.module.css";
import { CriteriaEditor } from "./CriteriaEditor";
import { MembersFields } from "./MembersFields";
import { placeRuleErrors, ruleBody, ruleValues, type Members, type Rule, type RuleValues, type Strategy } from "./rules";
import { OpenFilter } from "./OpenFilter";

type Editing = Rule | "new" | null;

/** The objects a rule may be made for today: leads arrive and are handed out. */
const ASSIGNABLE = ["lead"];

/** Settings · 分配规则: who becomes the owner of a record as it arrives. A table of the
 * rules with their switch, and a drawer to create or change one. */
export default function AssignmentRulesPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const manages = hasRight(me.data, "manage_automation");
  const rules = useRules(manages);
  const objects = useObjects();
  const [editing, setEditing] = useState<Editing>(null);
  const names = useMemberNames(rules.data ?? [], manages);

  const { toggle, remove, switching } = useRowWrites<Rule>("/assignment-rules", RULES_KEY, "assignmentRules", (rule) => label(rule.name, i18n.language));

  if (me.data && !manages) return <Result status="403" title={t("assignmentRules.denied")} />;

  const ruleName = (rule: Rule) => label(rule.name, i18n.language);
  const objectName = (name: string) => label(objects.data?.find((o) => o.name === name)?.label, i18n.language) || name;

  return (
    <SettingsListPage
      section={t("shell.settings")}
      title={t("assignmentRules.title")}
      intro={t("assignmentRules.intro")}
      newLabel={t("assignmentRules.new")}
      onNew={() => setEditing("new")}
      list={rules}
      emptyIcon={<ShareAltOutlined className={styles.emptyIcon} />}
      emptyText={t("assignmentRules.none")}
      columns={[
        {
          key: "name",
          title: t("assignmentRules.name"),
          render: (_, r) => <Typography.Link onClick={() => setEditing(r)}>{ruleName(r)}</Typography.Link>,
        },
        { key: "object", title: t("assignmentRules.object"), render: (_, r) => objectName(r.object) },
        { key: "strategy", title: t("assignmentRules.strategy"), render: (_, r) => <Tag>{t(`assignmentRules.strategies.${r.strategy}`)}</Tag> },
        { key: "members", title: t("assignmentRules.members"), render: (_, r) => <span className={styles.muted}>{rulePeople(r, names, t)}</span> },
        {
          key: "active",
          title: t("assignmentRules.active"),
          render: (_, r) => (
            <Switch
              size="small"
              checked={r.active}
              loading={switching === r.id}
              onChange={(on) => void toggle(r, on)}
              aria-label={t("assignmentRules.activeOne", { name: ruleName(r) })}
            />
          ),
        },
        { key: "updated", title: t("assignmentRules.updated"), render: (_, r) => <span className={styles.muted}>{formatDateTime(r.updated_at)}</span> },
        {
          key: "actions",
          title: <span className="gx-sr-only">{t("assignmentRules.actions")}</span>,
          align: "right",
          render: (_, r) => (
            <EditDeleteButtons
              editLabel={t("assignmentRules.editOne", { name: ruleName(r) })}
              deleteLabel={t("assignmentRules.deleteOne", { name: ruleName(r) })}
              confirm={t("assignmentRules.deleteConfirm", { name: ruleName(r) })}
              confirmHelp={t("assignmentRules.deleteHelp")}
              onEdit={() => setEditing(r)}
              onDelete={() => remove(r)}
            />
          ),
        },
      ]}
    >
      <RuleDrawer editing={editing} onClose={() => setEditing(null)} objectName={objectName} />
    </SettingsListPage>
  );
}

interface MemberNames {
  users: Map<string, string>;
  departments: Map<string, string>;
  roles: Map<string, string>;
  teams: Map<string, string>;
}

/** The names the table shows for members: users from the directory, departments (any
 * signed-in user may read them), roles and teams (with the manage_users right). */
function useMemberNames(rules: Rule[], enabled: boolean): MemberNames {
  const me = useMe();
  const userIds = rules.flatMap((r) => poolsOf(r).flatMap((m) => (m.type === "users" ? m.ids : [])));
  const users = useUsers(userIds);
  const departments = useDepartments();
  const roles = useRoles(enabled && hasRight(me.data, "manage_users"));
  const teams = useTeams(enabled && hasRight(me.data, "manage_users") && rules.some((r) => poolsOf(r).some((m) => m.type === "team")));
  return useMemo(
    () => ({
      users: new Map([...(users.data?.values() ?? [])].map((u) => [u.id, u.name])),
      departments: new Map((departments.data ?? []).map((d) => [d.id, d.name])),
      roles: new Map((roles.data ?? []).map((r) => [r.id, r.name])),
      teams: new Map((teams.data ?? []).map((team) => [team.id, team.name])),
    }),
    [users.data, departments.data, roles.data, teams.data],
  );
}

function poolsOf(rule: Rule): Members[] {
  return [rule.members, ...(rule.criteria ?? []).map((c) => c.members), rule.fallback?.members].filter((m): m is Members => !!m);
}

function membersSummary(members: Members, names: MemberNames, t: TFunction): string {
  switch (members.type) {
    case "users":
      return members.ids.map((id) => names.users.get(id) ?? "…").join(t("assignmentRules.listSeparator"));
    case "department":
      return t(members.include_subdepartments ? "assignmentRules.summary.departmentTree" : "assignmentRules.summary.department", {
        name: names.departments.get(members.id) ?? members.id.slice(0, 8),
      });
    case "role":
      return t("assignmentRules.summary.role", { name: names.roles.get(members.id) ?? members.id.slice(0, 8) });
    case "team":
      return t("assignmentRules.summary.team", { name: names.teams.get(members.id) ?? members.id.slice(0, 8) });
  }
}

function rulePeople(rule: Rule, names: MemberNames, t: TFunction): string {
  if (rule.strategy === "criteria") {
    const count = t("assignmentRules.summary.criteria", { count: rule.criteria?.length ?? 0 });
    return rule.fallback ? `${count} · ${t("assignmentRules.summary.fallback", { who: membersSummary(rule.fallback.members, names, t) })}` : count;
  }
  return rule.members ? membersSummary(rule.members, names, t) : "—";
}

const STRATEGIES: Strategy[] = ["round_robin", "load_balanced", "criteria"];

function RuleDrawer({ editing, onClose, objectName }: { editing: Editing; onClose: () => void; objectName: (name: string) => string }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const phone = Grid.useBreakpoint().md === false;
  const [form] = Form.useForm<RuleValues>();
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const rule = editing === "new" ? null : editing;
  const strategy = Form.useWatch("strategy", form) ?? rule?.strategy ?? "round_robin";
  const objectChosen = Form.useWatch("object", form) ?? rule?.object ?? "lead";

  const close = () => {
    setProblems([]);
    setStale(false);
    onClose();
  };

  const submit = async (values: RuleValues) => {
    setBusy(true);
    setProblems([]);
    setStale(false);
    try {
      const body = ruleBody(values, rule ?? undefined);
      const saved = rule ? await api.patch<Rule>(`/assignment-rules/${rule.id}`, body, ifMatch(rule.version)) : await api.post<Rule>("/assignment-rules", body);
      await client.invalidateQueries({ queryKey: RULES_KEY });
      const name = label(saved.name, i18n.language);
      void message.success(rule ? t("assignmentRules.saved", { name }) : t("assignmentRules.created", { name }));
      close();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        setStale(true);
      } else if (error instanceof ApiError && error.problem.errors?.length) {
        const placed = placeRuleErrors(error.problem.errors, values);
        form.setFields(placed.fields);
        setProblems(placed.other);
      } else {
        setProblems([problemMessage(error, t("common.serverError"))]);
      }
    } finally {
      setBusy(false);
    }
  };

  // The version read is the rule's: reloading takes the newest and starts over from it.
  const reload = async () => {
    await client.invalidateQueries({ queryKey: RULES_KEY });
    close();
  };

  return (
    <Drawer
      open={editing !== null}
      onClose={close}
      width={phone ? "100%" : strategy === "criteria" ? 760 : 600}
      title={rule ? t("assignmentRules.editTitle", { name: label(rule.name, i18n.language) }) : t("assignmentRules.new")}
      destroyOnHidden
      footer={
        <Space>
          <Button type="primary" loading={busy} onClick={() => form.submit()} disabled={stale}>
            {rule ? t("common.save") : t("assignmentRules.create")}
          </Button>
          <Button onClick={close}>{t("common.cancel")}</Button>
        </Space>
      }
    >
      {/* The whole store is sent, not only the fields drawn: a criterion keeps the
          condition it was read with when the builder cannot draw it. */}
      <Form<RuleValues> form={form} layout="vertical" initialValues={ruleValues(rule ?? undefined)} onFinish={() => void submit(form.getFieldsValue(true))} disabled={busy}>
        <FormAlerts stale={stale} staleText={t("assignmentRules.stale")} reloadText={t("assignmentRules.reload")} onReload={() => void reload()} problems={problems} className={styles.gap} />
        <BilingualFields
          zh="name_zh"
          en="name_en"
          zhLabel={t("assignmentRules.nameZh")}
          enLabel={t("assignmentRules.nameEn")}
          rules={[eitherLanguage("name_zh", "name_en", t("assignmentRules.nameRequired"))]}
        />
        <Form.Item name="object" label={t("assignmentRules.object")} extra={rule ? t("assignmentRules.objectFixed") : undefined}>
          <Select disabled={!!rule} options={(rule ? [rule.object] : ASSIGNABLE).map((name) => ({ value: name, label: objectName(name) }))} />
        </Form.Item>
        <Form.Item name="strategy" label={t("assignmentRules.strategy")}>
          <Radio.Group className={styles.strategies}>
            {STRATEGIES.map((s) => (
              <Radio key={s} value={s}>
                {t(`assignmentRules.strategies.${s}`)}
                <span className={styles.explain}>{s === "criteria" ? t("assignmentCriteria.explain") : t(`assignmentRules.explain.${s}`)}</span>
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        {strategy === "criteria" ? (
          <CriteriaEditor object={objectChosen} />
        ) : (
          <>
            {strategy === "load_balanced" && (
              <Form.Item name="open_filter" label={t("assignmentRules.openCondition")} extra={t("assignmentRules.openHelp")}>
                <OpenFilter object={objectChosen} />
              </Form.Item>
            )}
            <MembersFields name={[]} path={[]} />
          </>
        )}
        <Form.Item name="active" valuePropName="checked" label={t("assignmentRules.active")} extra={t("assignmentRules.activeHelp")}>
          <Switch />
        </Form.Item>
      </Form>
    </Drawer>
  );
}
