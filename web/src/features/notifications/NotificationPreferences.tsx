import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Checkbox, Table, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { problemMessage } from "../../lib/api";
import { PREFERENCES_KEY, notificationsApi, type Channel, type Channels } from "./api";

const CHANNELS: Channel[] = ["in_app", "email", "robot"];

/** The user's channels per notification kind; each tick is saved at once. */
export function NotificationPreferences() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const prefs = useQuery({ queryKey: PREFERENCES_KEY, queryFn: notificationsApi.preferences });
  const change = async (kind: string, channel: Channel, on: boolean) => {
    try {
      const saved = await notificationsApi.setPreferences({ [kind]: { [channel]: on } });
      client.setQueryData(PREFERENCES_KEY, saved);
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    }
  };
  const rows = Object.entries(prefs.data?.kinds ?? {}).map(([kind, channels]) => ({ kind, ...channels }));
  return (
    <section aria-labelledby="notification-prefs">
      <Typography.Title level={5} id="notification-prefs">
        {t("notifications.preferences")}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t("notifications.savedAtOnce")}</Typography.Paragraph>
      <Table<{ kind: string } & Channels>
        size="small"
        rowKey="kind"
        loading={prefs.isLoading}
        pagination={false}
        dataSource={rows}
        columns={[
          {
            key: "kind",
            title: t("notifications.kind"),
            render: (_, row) => t(`notifications.kinds.${row.kind}`, { defaultValue: row.kind }),
          },
          ...CHANNELS.map((channel) => ({
            key: channel,
            title: t(`notifications.channels.${channel}`),
            align: "center" as const,
            render: (_: unknown, row: { kind: string } & Channels) => (
              <Checkbox
                checked={row[channel]}
                aria-label={`${t(`notifications.kinds.${row.kind}`, { defaultValue: row.kind })} · ${t(`notifications.channels.${channel}`)}`}
                onChange={(e) => void change(row.kind, channel, e.target.checked)}
              />
            ),
          })),
        ]}
      />
    </section>
  );
}
