import { useQueryClient } from "@tanstack/react-query";
import { App, Form, Modal, Radio, Select } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, problemMessage } from "../../lib/api";
import { rememberLanguage, type Language } from "../../lib/i18n";
import { ME_KEY, type Me } from "../../lib/session";
import { NotificationPreferences } from "../notifications/NotificationPreferences";

interface Values {
  locale: Language;
  time_zone: string;
  list_density: "comfortable" | "compact";
}

const ZONES: string[] =
  typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["Asia/Shanghai", "UTC"];

/** The user's own settings, saved on the user (PATCH /auth/me): language, time zone, density. */
export function Preferences({ me, open, onClose }: { me: Me; open: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const save = async (values: Values) => {
    setBusy(true);
    try {
      const saved = await api.patch<Me>("/auth/me", values);
      client.setQueryData<Me>(ME_KEY, (old) => (old ? { ...old, ...saved, csrf_token: old.csrf_token } : old));
      rememberLanguage(values.locale);
      await i18n.changeLanguage(values.locale);
      // Times come rendered in the user's zone: read them again.
      void client.invalidateQueries({ queryKey: ["records"] });
      void message.success(t("prefs.saved"));
      onClose();
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) {
        form.setFields(error.problem.errors.map((e) => ({ name: e.field as keyof Values, errors: [e.message] })));
      } else void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={open}
      title={t("prefs.title")}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ loading: busy }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ locale: me.locale, time_zone: me.time_zone, list_density: me.list_density }}
        onFinish={(v) => void save(v)}
      >
        <Form.Item name="locale" label={t("prefs.language")}>
          <Radio.Group
            options={[
              { value: "zh-CN", label: "简体中文" },
              { value: "en", label: "English" },
            ]}
          />
        </Form.Item>
        <Form.Item name="time_zone" label={t("prefs.timeZone")}>
          <Select showSearch options={ZONES.map((zone) => ({ value: zone, label: zone }))} />
        </Form.Item>
        <Form.Item name="list_density" label={t("prefs.density")}>
          <Radio.Group
            options={[
              { value: "comfortable", label: t("prefs.comfortable") },
              { value: "compact", label: t("prefs.compact") },
            ]}
          />
        </Form.Item>
      </Form>
      <NotificationPreferences />
    </Modal>
  );
}
