import { GlobalOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Button, Dropdown } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../../lib/api";
import { rememberLanguage, type Language } from "../../lib/i18n";
import { ME_KEY, type Me } from "../../lib/session";

const NAMES: Record<Language, string> = { "zh-CN": "简体中文", en: "English" };

/** zh-CN / en; saved on the user (PATCH /auth/me) when signed in, in the browser always. */
export function LanguageSwitch({ signedIn = false }: { signedIn?: boolean }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const choose = async (language: Language) => {
    rememberLanguage(language);
    await i18n.changeLanguage(language);
    if (signedIn) {
      const me = await api.patch<Me>("/auth/me", { locale: language });
      client.setQueryData<Me>(ME_KEY, (old) => (old ? { ...old, locale: me.locale } : old));
    }
  };
  return (
    <Dropdown
      trigger={["click"]}
      menu={{
        selectable: true,
        selectedKeys: [i18n.language],
        items: (Object.keys(NAMES) as Language[]).map((key) => ({ key, label: NAMES[key] })),
        onClick: ({ key }) => void choose(key as Language),
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} aria-label={`${t("shell.language")}: ${NAMES[i18n.language as Language] ?? i18n.language}`}>
        {NAMES[i18n.language as Language] ?? i18n.language}
      </Button>
    </Dropdown>
  );
}
