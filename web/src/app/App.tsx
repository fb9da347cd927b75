import { QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { RouterProvider } from "react-router-dom";
import { LocaleProvider } from "../lib/locale";
import { queryClient } from "../lib/queryClient";
import { router } from "./routes";
import { theme } from "./theme";


export function App() {
  const { i18n } = useTranslation();
  const [language, setLanguage] = useState(i18n.language);
  useEffect(() => {
    const changed = (next: string) => setLanguage(next);
    i18n.on("languageChanged", changed);
    return () => i18n.off("languageChanged", changed);
  }, [i18n]);
  dayjs.locale(language === "zh-CN" ? "zh-cn" : "en");
  // No space forced between two Chinese characters on buttons ("保 存"): next to
  // three- and four-character labels ("重置密码") it reads as a typo.
  return (
    <ConfigProvider locale={language === "zh-CN" ? zhCN : enUS} theme={theme} button={{ autoInsertSpace: false }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <LocaleProvider>
            <RouterProvider router={router} />
          </LocaleProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
