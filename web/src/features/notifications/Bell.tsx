import { BellOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Badge, Button, Dropdown, Empty, List, Spin, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { problemMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { NOTIFICATIONS_KEY, STREAM_URL, notificationPath, notificationsApi, type Notification } from "./api";
import styles from "./Bell.module.css";

/** The unread count as the server streams it (server-sent events, signed in by the
 * session cookie); EventSource reconnects by itself after a drop. */
function useUnread(onNew: () => void): [number, (n: number) => void] {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(STREAM_URL);
    source.addEventListener("unread", (event) => {
      setUnread((JSON.parse((event as MessageEvent<string>).data) as { unread: number }).unread);
    });
    source.addEventListener("notification", onNew);
    return () => source.close();
  }, [onNew]);
  return [unread, setUnread];
}

export function Bell() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [refresh] = useState(() => () => void client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }));
  const [unread, setUnread] = useUnread(refresh);
  const list = useQuery({ queryKey: NOTIFICATIONS_KEY, queryFn: notificationsApi.list, enabled: open });

  const act = async (work: () => Promise<{ unread: number }>) => {
    try {
      setUnread((await work()).unread);
      refresh();
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    }
  };
  const follow = (n: Notification) => {
    if (!n.read) void act(() => notificationsApi.read(n.id));
    const path = notificationPath(n);
    setOpen(false);
    if (path) navigate(path);
    else if (n.link && "url" in n.link) window.open(n.link.url, "_blank", "noopener");
  };

  const items = list.data?.notifications ?? [];
  const panel = (
    <div className={styles.panel} role="dialog" aria-label={t("notifications.title")}>
      <div className={styles.head}>
        <Typography.Text strong>{t("notifications.title")}</Typography.Text>
        <Button size="small" type="link" disabled={!unread} onClick={() => void act(notificationsApi.readAll)}>
          {t("notifications.readAll")}
        </Button>
      </div>
      {list.isLoading ? (
        <div className={styles.empty}>
          <Spin />
        </div>
      ) : items.length === 0 ? (
        <Empty className={styles.empty} image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("notifications.none")} />
      ) : (
        <List
          className={styles.list}
          dataSource={items}
          renderItem={(n) => (
            <List.Item
              className={n.read ? styles.item : `${styles.item} ${styles.unread}`}
              actions={
                n.read
                  ? []
                  : [
                      <Button key="read" size="small" type="link" onClick={() => void act(() => notificationsApi.read(n.id))}>
                        {t("notifications.markRead")}
                      </Button>,
                    ]
              }
            >
              <button type="button" className={styles.link} onClick={() => follow(n)}>
                <span className={styles.title}>{n.title}</span>
                {n.body && <span className={styles.body}>{n.body}</span>}
                <span className={styles.meta}>
                  {n.actor ? `${n.actor.name} · ` : ""}
                  {formatDateTime(n.created_at)}
                </span>
              </button>
            </List.Item>
          )}
        />
      )}
    </div>
  );
  return (
    <Dropdown open={open} onOpenChange={setOpen} trigger={["click"]} popupRender={() => panel} placement="bottomRight">
      <Button type="text" aria-label={t("notifications.bell", { count: unread })} className={styles.bell}>
        <Badge count={unread} size="small" overflowCount={99}>
          <BellOutlined className={styles.icon} />
        </Badge>
      </Button>
    </Dropdown>
  );
}
