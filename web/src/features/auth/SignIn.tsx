import { LockOutlined, MailOutlined, SafetyOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Divider, Form, Input, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate } from "react-router-dom";
import { api, ApiError, request, setCsrfToken } from "../../lib/api";
import { LanguageSwitch } from "../shell/LanguageSwitch";
import styles from "./SignIn.module.css";

interface Credentials {
  email: string;
  password: string;
  otp?: string;
}

interface AuthOptions {
  sso: { enabled: boolean; login_url: string | null };
}

export function SignIn() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();
  const [form] = Form.useForm<Credentials>();
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const options = useQuery({
    queryKey: ["auth", "options"],
    queryFn: ({ signal }) => api.get<AuthOptions>("/auth/options", signal),
    staleTime: Infinity,
  });

  const submit = async (values: Credentials) => {
    setBusy(true);
    setError(null);
    try {
      const result = await request<{ csrf_token: string }>("/auth/login", {
        method: "POST",
        body: { email: values.email, password: values.password, otp: values.otp || undefined },
        quiet401: true,
      });
      setCsrfToken(result.csrf_token);
      await client.invalidateQueries();
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== "/login" ? from : "/", { replace: true });
    } catch (caught) {
      if (caught instanceof ApiError && caught.problem.otp_required) {
        if (needsCode) setError(t("auth.codeWrong"));
        setNeedsCode(true);
      } else if (caught instanceof ApiError && caught.status === 429) {
        setError(t("auth.tooMany"));
      } else if (caught instanceof ApiError && caught.status === 401) {
        setError(t("auth.wrongCredentials"));
      } else {
        setError(t("common.serverError"));
      }
    } finally {
      setBusy(false);
    }
  };

  const sso = options.data?.sso;
  return (
    <main className={styles.page}>
      <div className={styles.language}>
        <LanguageSwitch />
      </div>
      <Card className={styles.card} variant="borderless">
        <div className={styles.brand}>
          <span className={styles.logo} aria-hidden="true">
            关
          </span>
          <div>
            <Typography.Title level={1} className={styles.title}>
              {t("app.name")}
            </Typography.Title>
            <Typography.Text type="secondary">{t("auth.tagline")}</Typography.Text>
          </div>
        </div>
        {error && <Alert type="error" showIcon message={error} className={styles.alert} role="alert" />}
        <Form<Credentials> form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
          <Form.Item
            name="email"
            label={t("auth.email")}
            rules={[{ required: true, type: "email", message: t("auth.emailRequired") }]}
            hidden={needsCode}
          >
            <Input prefix={<MailOutlined />} autoComplete="username" autoFocus size="large" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t("auth.password")}
            rules={[{ required: true, message: t("auth.passwordRequired") }]}
            hidden={needsCode}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" size="large" />
          </Form.Item>
          {needsCode && (
            <Form.Item
              name="otp"
              label={t("auth.code")}
              extra={t("auth.codeHelp")}
              rules={[{ required: true, pattern: /^\d{6}$|^[A-Za-z0-9-]{8,}$/, message: t("auth.codeRequired") }]}
            >
              <Input
                prefix={<SafetyOutlined />}
                autoComplete="one-time-code"
                inputMode="numeric"
                autoFocus
                size="large"
              />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block size="large" loading={busy}>
            {needsCode ? t("auth.verify") : t("auth.signIn")}
          </Button>
          {needsCode && (
            <Button type="link" block onClick={() => setNeedsCode(false)}>
              {t("common.back")}
            </Button>
          )}
        </Form>
        {sso?.enabled && sso.login_url && (
          <>
            <Divider plain>{t("auth.or")}</Divider>
            <Button block size="large" href={sso.login_url}>
              {t("auth.sso")}
            </Button>
          </>
        )}
      </Card>
    </main>
  );
}
