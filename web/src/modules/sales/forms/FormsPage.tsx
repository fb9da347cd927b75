import { CopyOutlined, FormOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Drawer, Form, Grid, Input, Result, Segmented, Select, Skeleton, Space, Switch, Tabs, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, problemMessage } from "../../../lib/api";
import { formatDate, formatInteger } from "../../../lib/format";
import { label, useObject, type ObjectDef } from "../../../lib/meta";
import { ifMatch } from "../../../lib/records";
import { can, useMe } from "../../../lib/session";
import { SettingsListPage } from "../SettingsListPage";
import { FORMS_KEY, useLeadRules, useWebForms, type WebForm, type WebFormBody } from "./api";
import { FieldPicker, type Picked } from "./FieldPicker";
import { askableFields, formSnippet, snippetFields } from "./snippet";
import styles from "./forms.module.css";

type Editing = WebForm | "new" | null;

interface Values {
  name: string;
  picked: Picked;
  consent_text: string;
  assignment_rule_id: string | null;
  active: boolean;
}

/** Settings · 线索表单: the web-to-lead forms, an editor for one, and what a website needs
 * to use it (its public address and an HTML snippet). */
export default function FormsPage() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const me = useMe();
  const allowed = can(me.data, "create", "lead");
  const forms = useWebForms();
  const rules = useLeadRules();
  const leads = useLeadCounts(forms.data);
  const [editing, setEditing] = useState<Editing>(null);
  const ruleNames = useMemo(() => new Map((rules.data ?? []).map((r) => [r.id, label(r.name, i18n.language)])), [rules.data, i18n.language]);

  if (me.data && !allowed) return <Result status="403" title={t("webForms.denied")} />;

  const setActive = async (form: WebForm, active: boolean) => {
    try {
      await api.patch(`/sales/forms/${form.id}`, { active }, ifMatch(form.version));
      void message.success(active ? t("webForms.activated", { name: form.name }) : t("webForms.deactivated", { name: form.name }));
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      void client.invalidateQueries({ queryKey: FORMS_KEY });
    }
  };

  const deactivate = (form: WebForm) =>
    modal.confirm({
      title: t("webForms.deactivateTitle", { name: form.name }),
      content: t("webForms.deactivateHint"),
      okText: t("webForms.deactivate"),
      cancelText: t("common.cancel"),
      onOk: () => setActive(form, false),
    });

  const remove = (form: WebForm) =>
    modal.confirm({
      title: t("webForms.deleteTitle", { name: form.name }),
      content: t("webForms.deleteHint"),
      okText: t("common.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await api.delete(`/sales/forms/${form.id}`);
          void message.success(t("webForms.deleted", { name: form.name }));
        } catch (error) {
          void message.error(problemMessage(error, t("common.serverError")));
        } finally {
          void client.invalidateQueries({ queryKey: FORMS_KEY });
        }
      },
    });

  return (
    <SettingsListPage
      section={t("webForms.settings")}
      title={t("webForms.title")}
      intro={t("webForms.intro")}
      newLabel={t("webForms.new")}
      onNew={() => setEditing("new")}
      list={forms}
      emptyIcon={<FormOutlined className={styles.emptyIcon} />}
      emptyText={t("webForms.empty")}
      columns={[
        {
          key: "name",
          title: t("webForms.name"),
          render: (_, f) => (
            <Typography.Link onClick={() => setEditing(f)} className={styles.name} title={f.name}>
              {f.name}
            </Typography.Link>
          ),
        },
        { key: "key", title: t("webForms.key"), render: (_, f) => <code className={styles.key}>{f.form_key}</code> },
        { key: "fields", title: t("webForms.fieldCount"), align: "right", render: (_, f) => f.fields.length },
        {
          key: "leads",
          title: t("webForms.leads"),
          align: "right",
          render: (_, f) => (leads.data ? formatInteger(leads.data.get(f.form_key) ?? 0) : <span className={styles.muted}>—</span>),
        },
        {
          key: "rule",
          title: t("webForms.assignment"),
          render: (_, f) =>
            f.assignment_rule_id ? (ruleNames.get(f.assignment_rule_id) ?? <span className={styles.muted}>{t("webForms.someRule")}</span>) : <span className={styles.muted}>{t("webForms.toOwner")}</span>,
        },
        {
          key: "active",
          title: t("webForms.status"),
          render: (_, f) => <Tag className={f.active ? styles.on : styles.off}>{f.active ? t("webForms.active") : t("webForms.inactive")}</Tag>,
        },
        { key: "created", title: t("webForms.createdOn"), render: (_, f) => formatDate(f.created_at) },
        {
          key: "actions",
          title: <span className="gx-sr-only">{t("webForms.actions")}</span>,
          align: "right",
          render: (_, f) => (
            <Space size={4}>
              <Button size="small" onClick={() => setEditing(f)} aria-label={t("webForms.editOne", { name: f.name })}>
                {t("common.edit")}
              </Button>
              {f.active ? (
                <Button size="small" onClick={() => deactivate(f)} aria-label={t("webForms.deactivateOne", { name: f.name })}>
                  {t("webForms.deactivate")}
                </Button>
              ) : (
                <Button size="small" onClick={() => void setActive(f, true)} aria-label={t("webForms.activateOne", { name: f.name })}>
                  {t("webForms.activate")}
                </Button>
              )}
              <Button size="small" danger onClick={() => remove(f)} aria-label={t("webForms.deleteOne", { name: f.name })}>
                {t("common.delete")}
              </Button>
            </Space>
          ),
        },
      ]}
    >
      <FormDrawer editing={editing} onClose={() => setEditing(null)} onSaved={setEditing} />
    </SettingsListPage>
  );
}

const LEAD_COUNTS_KEY = ["records", "lead", "by-web-form"] as const;

/** Leads each form brought that the user may read, counted by the server in one call. */
function useLeadCounts(forms: WebForm[] | undefined) {
  const keys = (forms ?? []).map((f) => f.form_key);
  return useQuery({
    queryKey: [...LEAD_COUNTS_KEY, keys],
    enabled: keys.length > 0,
    retry: false,
    queryFn: async () => {
      const answer = await api.post<{ groups: { key: (string | null)[]; values: { count: number } }[] }>("/records/lead/aggregate", {
        filter: { field: "web_form", op: "in", value: keys },
        group_by: [{ field: "web_form" }],
        measures: [{ op: "count" }],
      });
      return new Map(answer.groups.flatMap((g) => (typeof g.key[0] === "string" ? [[g.key[0], g.values.count] as const] : [])));
    },
  });
}

function initial(form: WebForm | null, lead: ObjectDef | undefined): Values {
  // A new form starts with what a lead cannot do without, and the usual contact fields.
  const must = lead ? askableFields(lead).filter((f) => f.required).map((f) => f.name) : [];
  const usual = ["company", "mobile", "email"].filter((n) => lead?.fields.some((f) => f.name === n) && !must.includes(n));
  return {
    name: form?.name ?? "",
    picked: form ? { fields: form.fields, required: form.required } : { fields: [...must, ...usual], required: must },
    consent_text: form?.consent_text ?? "",
    assignment_rule_id: form?.assignment_rule_id ?? null,
    active: form?.active ?? true,
  };
}

function body(values: Values): WebFormBody {
  return {
    name: values.name.trim(),
    fields: values.picked.fields,
    required: values.picked.required,
    consent_text: values.consent_text.trim() || null,
    assignment_rule_id: values.assignment_rule_id ?? null,
    active: values.active,
  };
}

function FormDrawer({ editing, onClose, onSaved }: { editing: Editing; onClose: () => void; onSaved: (form: WebForm) => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const phone = Grid.useBreakpoint().md === false;
  const lead = useObject("lead").data;
  const rules = useLeadRules();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const saved = editing === "new" ? null : editing;
  const available = useMemo(() => (lead ? askableFields(lead) : []), [lead]);
  // A saved form opens on its settings; one just made, on what the website needs next.
  const [tab, setTab] = useState<"settings" | "publish">("settings");
  const close = () => {
    setTab("settings");
    onClose();
    // Leads may have come in while the drawer was open (a test post from the website).
    void client.invalidateQueries({ queryKey: LEAD_COUNTS_KEY });
  };

  const submit = async (values: Values) => {
    setBusy(true);
    setProblems([]);
    try {
      const answer = saved ? await api.patch<WebForm>(`/sales/forms/${saved.id}`, body(values), ifMatch(saved.version)) : await api.post<WebForm>("/sales/forms", body(values));
      await client.invalidateQueries({ queryKey: FORMS_KEY });
      void message.success(saved ? t("webForms.saved", { name: answer.name }) : t("webForms.created", { name: answer.name }));
      // The drawer stays open on the saved form: its address and snippet are what comes next.
      if (!saved) setTab("publish");
      onSaved(answer);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        setProblems([t("webForms.stale")]);
        void client.invalidateQueries({ queryKey: FORMS_KEY });
      } else if (error instanceof ApiError && error.problem.errors?.length) {
        const chosen = values.picked.fields;
        const byField = new Map<keyof Values, string[]>();
        const other: string[] = [];
        for (const e of error.problem.errors) {
          const [head, index] = e.field.split(".");
          const place: keyof Values | null = head === "fields" || head === "required" ? "picked" : head === "name" || head === "consent_text" || head === "assignment_rule_id" ? head : null;
          // A field of the list is named by its place: say which field it is.
          const field = index !== undefined && (head === "fields" || head === "required") ? (head === "fields" ? chosen[Number(index)] : values.picked.required[Number(index)]) : undefined;
          const text = field ? `${label(available.find((f) => f.name === field)?.label, i18n.language) || field}: ${e.message}` : e.message;
          if (place) byField.set(place, [...(byField.get(place) ?? []), text]);
          else other.push(text);
        }
        form.setFields([...byField.entries()].map(([name, errors]) => ({ name, errors })));
        setProblems(other);
      } else {
        setProblems([problemMessage(error, t("common.serverError"))]);
      }
    } finally {
      setBusy(false);
    }
  };

  const editor = lead ? (
    <Form<Values> key={saved?.id ?? "new"} form={form} layout="vertical" disabled={busy} initialValues={initial(saved, lead)} onFinish={(v) => void submit(v)}>
      {problems.length > 0 && <Alert type="error" showIcon role="alert" className={styles.gap} message={problems.join(" ")} />}
      <Form.Item name="name" label={t("webForms.name")} rules={[{ required: true, whitespace: true, message: t("webForms.nameRequired") }]}>
        <Input maxLength={200} placeholder={t("webForms.namePlaceholder")} />
      </Form.Item>
      <Form.Item
        name="picked"
        required
        label={t("webForms.fields")}
        extra={t("webForms.fieldsHelp")}
        rules={[{ validator: (_, v: Picked | undefined) => (v?.fields.length ? Promise.resolve() : Promise.reject(new Error(t("webForms.fieldsRequired")))) }]}
      >
        <FieldPicker available={[...available, ...missing(saved, available, lead)]} />
      </Form.Item>
      <Form.Item name="consent_text" label={t("webForms.consent")} extra={t("webForms.consentHelp")}>
        <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={4000} placeholder={t("webForms.consentPlaceholder")} />
      </Form.Item>
      <Form.Item
        name="assignment_rule_id"
        label={t("webForms.assignment")}
        extra={rules.data === null ? t("webForms.rulesDenied") : t("webForms.assignmentHelp")}
      >
        <Select
          allowClear
          loading={rules.isLoading}
          disabled={rules.data === null}
          placeholder={t("webForms.toOwner")}
          options={(rules.data ?? []).map((r) => ({ value: r.id, label: r.active ? label(r.name, i18n.language) : `${label(r.name, i18n.language)} (${t("webForms.inactive")})` }))}
        />
      </Form.Item>
      <Form.Item name="active" label={t("webForms.status")} valuePropName="checked" extra={t("webForms.activeHelp")}>
        <Switch checkedChildren={t("webForms.active")} unCheckedChildren={t("webForms.inactive")} />
      </Form.Item>
    </Form>
  ) : null;

  return (
    <Drawer
      open={editing !== null}
      onClose={close}
      width={phone ? "100%" : 720}
      title={saved ? t("webForms.editTitle", { name: saved.name }) : t("webForms.new")}
      destroyOnHidden
      footer={
        <Space>
          <Button type="primary" loading={busy} onClick={() => form.submit()}>
            {saved ? t("common.save") : t("webForms.create")}
          </Button>
          <Button onClick={close}>{saved ? t("webForms.close") : t("common.cancel")}</Button>
        </Space>
      }
    >
      {!lead ? (
        <Skeleton active />
      ) : saved ? (
        <Tabs
          activeKey={tab}
          onChange={(key) => setTab(key === "publish" ? "publish" : "settings")}
          items={[
            { key: "settings", label: t("webForms.tabSettings"), children: editor, forceRender: true },
            { key: "publish", label: t("webForms.tabPublish"), children: <Publish form={saved} lead={lead} /> },
          ]}
        />
      ) : (
        editor
      )}
    </Drawer>
  );
}

/** Fields on a saved form the picker does not offer (an address, set through the API):
 * shown so that saving keeps them. */
function missing(form: WebForm | null, available: { name: string }[], lead: ObjectDef) {
  if (!form) return [];
  return form.fields.flatMap((name) => {
    const def = lead.fields.find((f) => f.name === name);
    return def && !available.some((a) => a.name === name) ? [def] : [];
  });
}

async function copy(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // Served over plain HTTP inside a company network: the older way still works there.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const done = document.execCommand("copy");
  area.remove();
  if (!done) throw new Error("copy refused");
}

/** What a website needs: the public address, and a plain HTML form posting to it. */
function Publish({ form, lead }: { form: WebForm; lead: ObjectDef }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [language, setLanguage] = useState<string>(i18n.language.startsWith("zh") ? "zh-CN" : "en");
  const url = `${window.location.origin}${form.submit_url}`;
  const snippet = useMemo(() => {
    const tr = i18n.getFixedT(language);
    return formSnippet(url, snippetFields(form.fields, form.required, lead, language), form.consent_text, {
      submit: tr("webForms.snippetSubmit"),
      honeypot: tr("webForms.snippetHoneypot"),
      choose: tr("webForms.snippetChoose"),
    });
  }, [form, lead, language, url, i18n]);

  const copyText = async (text: string, what: string) => {
    try {
      await copy(text);
      void message.success(t("webForms.copied", { what }));
    } catch {
      void message.error(t("webForms.copyFailed"));
    }
  };

  return (
    <section className={styles.publish} aria-label={t("webForms.publish")} data-testid="web-form-publish">
      {!form.active && <Alert type="warning" showIcon message={t("webForms.inactiveHint")} />}
      <div>
        <Typography.Text strong>{t("webForms.endpoint")}</Typography.Text>
        <div className={styles.url}>
          <code data-testid="web-form-url">{url}</code>
          <Button icon={<CopyOutlined />} onClick={() => void copyText(url, t("webForms.endpoint"))} aria-label={t("webForms.copyUrl")} />
        </div>
      </div>
      <div className={styles.snippetBar}>
        <Typography.Text strong>{t("webForms.snippet")}</Typography.Text>
        <Space wrap>
          <Segmented
            size="small"
            value={language}
            onChange={(v) => setLanguage(String(v))}
            options={[
              { value: "zh-CN", label: "中文" },
              { value: "en", label: "English" },
            ]}
            aria-label={t("webForms.snippetLanguage")}
          />
          <Button icon={<CopyOutlined />} onClick={() => void copyText(snippet, t("webForms.snippet"))}>
            {t("webForms.copySnippet")}
          </Button>
        </Space>
      </div>
      <Input.TextArea readOnly value={snippet} className={styles.snippet} autoSize={{ minRows: 8, maxRows: 18 }} aria-label={t("webForms.snippet")} data-testid="web-form-snippet" />
      <Typography.Text type="secondary">{t("webForms.snippetHelp")}</Typography.Text>
    </section>
  );
}
