import { DeleteOutlined, DownOutlined, SaveOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Dropdown, Form, Input, Modal, Radio, Select, Space } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, problemMessage } from "../../lib/api";
import { label, type ObjectDef } from "../../lib/meta";
import { hasRight, useMe } from "../../lib/session";
import { viewsKey, type SavedView, type ViewBody } from "./views";

interface Props {
  object: ObjectDef;
  views: SavedView[];
  current: SavedView | null;
  /** What the list shows now, to save into a view. */
  state: ViewBody;
  onSelect: (view: SavedView | null) => void;
}

/** The view switcher at the list's top left, with save, save as and delete. */
export function ViewBar({ object, views, current, state, onSelect }: Props) {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const me = useMe();
  const [naming, setNaming] = useState(false);
  const [form] = Form.useForm<{ zh: string; en: string; visibility: "personal" | "everyone" }>();
  const mayShare = hasRight(me.data, "manage_metadata");

  const refresh = () => client.invalidateQueries({ queryKey: viewsKey(object.name) });
  const fail = (error: unknown) => void message.error(problemMessage(error, t("common.serverError")));

  const saveAs = async (values: { zh: string; en: string; visibility: "personal" | "everyone" }) => {
    try {
      const created = await api.post<SavedView>(`/views/${object.name}`, {
        ...state,
        name: { en: values.en || values.zh, "zh-CN": values.zh || values.en },
        visibility: values.visibility,
      });
      await refresh();
      setNaming(false);
      onSelect(created);
      void message.success(t("views.saved"));
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) {
        form.setFields([{ name: "zh", errors: error.problem.errors.map((e) => `${e.field}: ${e.message}`) }]);
      } else fail(error);
    }
  };

  const save = async () => {
    if (!current) return;
    try {
      const saved = await api.patch<SavedView>(`/views/${object.name}/${current.id}`, { ...state, version: current.version });
      await refresh();
      onSelect(saved);
      void message.success(t("views.saved"));
    } catch (error) {
      fail(error);
    }
  };

  const remove = () =>
    current &&
    modal.confirm({
      title: t("views.deleteTitle", { name: label(current.name, i18n.language) }),
      okText: t("common.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await api.delete(`/views/${object.name}/${current.id}`);
          await refresh();
          onSelect(null);
        } catch (error) {
          fail(error);
        }
      },
    });

  const mine = views.filter((v) => v.visibility === "personal");
  const shared = views.filter((v) => v.visibility !== "personal");
  return (
    <Space wrap size={8}>
      <Select
        aria-label={t("views.switch")}
        value={current?.id ?? ""}
        onChange={(id: string) => onSelect(views.find((v) => v.id === id) ?? null)}
        popupMatchSelectWidth={false}
        style={{ minWidth: 180 }}
        options={[
          { value: "", label: t("views.all", { object: label(object.plural_label, i18n.language) }) },
          ...(mine.length ? [{ label: t("views.mine"), options: mine.map((v) => ({ value: v.id, label: label(v.name, i18n.language) })) }] : []),
          ...(shared.length ? [{ label: t("views.shared"), options: shared.map((v) => ({ value: v.id, label: label(v.name, i18n.language) })) }] : []),
        ]}
      />
      {current?.editable ? (
        <Dropdown.Button
          icon={<DownOutlined />}
          onClick={() => void save()}
          menu={{
            items: [
              { key: "as", label: t("views.saveAs"), onClick: () => setNaming(true) },
              { key: "delete", danger: true, icon: <DeleteOutlined />, label: t("views.delete"), onClick: remove },
            ],
          }}
        >
          <SaveOutlined /> {t("views.save")}
        </Dropdown.Button>
      ) : (
        <Button icon={<SaveOutlined />} onClick={() => setNaming(true)}>
          {t("views.saveAs")}
        </Button>
      )}
      <Modal
        open={naming}
        title={t("views.saveAs")}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        onOk={() => form.submit()}
        onCancel={() => setNaming(false)}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ visibility: "personal" }} onFinish={(v) => void saveAs(v)}>
          <Form.Item
            name="zh"
            label={t("views.nameZh")}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, value) => (value || getFieldValue("en") ? Promise.resolve() : Promise.reject(new Error(t("views.nameRequired")))),
              }),
            ]}
          >
            <Input maxLength={120} />
          </Form.Item>
          <Form.Item name="en" label={t("views.nameEn")}>
            <Input maxLength={120} />
          </Form.Item>
          {mayShare && (
            <Form.Item name="visibility" label={t("views.visibility")}>
              <Radio.Group
                options={[
                  { value: "personal", label: t("views.personal") },
                  { value: "everyone", label: t("views.everyone") },
                ]}
              />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </Space>
  );
}
