import { PlusOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Breadcrumb, Button, Form, Input, Modal, Radio, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { ApiError, api, problemMessage } from "../../lib/api";
import { label, useObjects, type ObjectDef } from "../../lib/meta";
import { ICONS, objectIcon } from "../shell/icons";
import { BilingualFields } from "../../components/BilingualFields";
import { apiName, NAME_PATTERN } from "./names";
import styles from "./Builder.module.css";

interface NewObject {
  label_en: string;
  label_zh: string;
  plural_en?: string;
  plural_zh?: string;
  name: string;
  icon: string;
}

/** The object manager: every object, and a dialog to add one. */
export default function ObjectsPage() {
  const { t, i18n } = useTranslation();
  const objects = useObjects();
  const [creating, setCreating] = useState(false);
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Breadcrumb items={[{ title: t("builder.settings") }, { title: t("builder.objects") }]} />
      <div className={styles.header}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t("builder.objects")}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t("builder.newObject")}
        </Button>
      </div>
      <Table<ObjectDef>
        rowKey="name"
        loading={objects.isLoading}
        dataSource={objects.data ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        columns={[
          {
            key: "label",
            title: t("builder.label"),
            render: (_, o) => (
              <Link to={`/admin/objects/${o.name}`}>
                <Space>
                  {objectIcon(o.name, o.icon)}
                  {label(o.label, i18n.language)}
                </Space>
              </Link>
            ),
          },
          { key: "name", title: t("builder.apiName"), render: (_, o) => <Typography.Text code>{o.name}</Typography.Text> },
          { key: "fields", title: t("builder.fieldCount"), align: "right", render: (_, o) => o.fields.length },
          {
            key: "kind",
            title: t("builder.kind"),
            render: (_, o) => (
              <Space size={4} wrap>
                {o.standard ? <Tag>{t("builder.standard")}</Tag> : <Tag color="blue">{t("builder.custom")}</Tag>}
                {o.nav === false && <Tag>{t("nav.notListed")}</Tag>}
              </Space>
            ),
          },
        ]}
      />
      <NewObjectDialog open={creating} onClose={() => setCreating(false)} />
    </Space>
  );
}

function NewObjectDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [form] = Form.useForm<NewObject>();
  const [nameTouched, setNameTouched] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (values: NewObject) => {
    setBusy(true);
    try {
      await api.post("/meta/objects", {
        name: values.name,
        label: { en: values.label_en, "zh-CN": values.label_zh },
        plural_label: { en: values.plural_en || values.label_en, "zh-CN": values.plural_zh || values.label_zh },
        icon: values.icon,
      });
      await client.invalidateQueries({ queryKey: ["meta"] });
      void message.success(t("builder.objectCreated"));
      onClose();
      navigate(`/admin/objects/${values.name}`);
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) {
        const names: Record<string, keyof NewObject> = { name: "name", label: "label_en", plural_label: "plural_en", icon: "icon" };
        form.setFields(error.problem.errors.map((e) => ({ name: names[e.field.split(".")[0] ?? ""] ?? "name", errors: [e.message] })));
      } else {
        void message.error(problemMessage(error, t("common.serverError")));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t("builder.newObject")}
      okText={t("builder.create")}
      cancelText={t("common.cancel")}
      onOk={() => form.submit()}
      okButtonProps={{ loading: busy }}
      onCancel={onClose}
      destroyOnHidden
      width={560}
    >
      <Form<NewObject>
        form={form}
        layout="vertical"
        initialValues={{ icon: "app" }}
        onFinish={(v) => void submit(v)}
        onValuesChange={(changed: Partial<NewObject>) => {
          if (changed.name !== undefined) setNameTouched(true);
          if (changed.label_en !== undefined && !nameTouched) form.setFieldValue("name", apiName(changed.label_en));
        }}
      >
        <BilingualFields
          zh="label_zh"
          en="label_en"
          zhLabel={t("builder.labelZh")}
          enLabel={t("builder.labelEn")}
          rules={[{ required: true, message: t("form.required") }]}
        />
        <BilingualFields zh="plural_zh" en="plural_en" zhLabel={t("builder.pluralZh")} enLabel={t("builder.pluralEn")} />
        <Form.Item
          name="name"
          label={t("builder.apiName")}
          extra={t("builder.apiNameHelp")}
          rules={[
            { required: true, message: t("form.required") },
            { pattern: NAME_PATTERN, message: t("builder.apiNameRule") },
          ]}
        >
          <Input maxLength={48} />
        </Form.Item>
        <Form.Item name="icon" label={t("builder.icon")}>
          <Radio.Group className={styles.icons} aria-label={t("builder.icon")}>
            {Object.entries(ICONS).map(([name, icon]) => (
              <Radio.Button key={name} value={name} aria-label={name} title={name}>
                {icon}
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
      </Form>
    </Modal>
  );
}
