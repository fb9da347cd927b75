import { DeleteOutlined, ShareAltOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Empty, List, Radio, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { UserChip } from "../../components/FieldValue";
import { UserSelect } from "../../components/UserSelect";
import { api, problemMessage } from "../../lib/api";
import { useUsers } from "../../lib/users";

interface Share {
  id: string;
  user_id: string | null;
  team_id: string | null;
  access: "read" | "edit";
}

/** Who the record is shared with beyond their data scope; add and remove shares. */
export function SharesTab({ object, id, mayShare }: { object: string; id: string; mayShare: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const key = ["records", object, "shares", id];
  const shares = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api.get<{ shares: Share[] }>(`/records/${object}/${id}/shares`, signal),
    enabled: mayShare,
  });
  const users = useUsers((shares.data?.shares ?? []).map((s) => s.user_id));
  const [user, setUser] = useState<string | null>(null);
  const [access, setAccess] = useState<"read" | "edit">("read");
  const changed = async (work: Promise<unknown>, done: string) => {
    try {
      await work;
      void message.success(done);
      void client.invalidateQueries({ queryKey: key });
      void client.invalidateQueries({ queryKey: ["records", object, "timeline", id] });
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    }
  };
  if (!mayShare) return <Typography.Text type="secondary">{t("shares.notAllowed")}</Typography.Text>;
  return (
    <Space direction="vertical" style={{ width: "100%" }} size={12}>
      <Space wrap>
        <div style={{ minWidth: 240 }}>
          <UserSelect value={user} onChange={setUser} aria-label={t("shares.user")} />
        </div>
        <Radio.Group
          value={access}
          onChange={(e) => setAccess(e.target.value as "read" | "edit")}
          optionType="button"
          options={[
            { value: "read", label: t("timeline.access.read") },
            { value: "edit", label: t("timeline.access.edit") },
          ]}
        />
        <Button
          type="primary"
          icon={<ShareAltOutlined />}
          disabled={!user}
          onClick={() => {
            void changed(api.post(`/records/${object}/${id}/shares`, { user_id: user, access }), t("shares.added"));
            setUser(null);
          }}
        >
          {t("shares.share")}
        </Button>
      </Space>
      <List
        loading={shares.isLoading}
        dataSource={shares.data?.shares ?? []}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("shares.none")} /> }}
        renderItem={(share) => (
          <List.Item
            actions={[
              <Button
                key="remove"
                type="text"
                icon={<DeleteOutlined />}
                aria-label={t("shares.remove")}
                onClick={() => void changed(api.delete(`/records/${object}/${id}/shares/${share.id}`), t("shares.removed"))}
              />,
            ]}
          >
            <Space>
              {share.user_id ? <UserChip user={users.data?.get(share.user_id)} /> : <Typography.Text>{t("shares.team")}</Typography.Text>}
              <Typography.Text type="secondary">{t(`timeline.access.${share.access}`)}</Typography.Text>
            </Space>
          </List.Item>
        )}
      />
    </Space>
  );
}
