import { ClockCircleOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { useQueries } from "@tanstack/react-query";
import { Button, Card, Col, Empty, List, Row, Skeleton, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { label, useObjects, type ObjectDef } from "../../lib/meta";
import type { Page } from "../../lib/records";
import { recentItems } from "../../lib/recent";
import { can, useMe } from "../../lib/session";
import { objectIcon } from "../shell/icons";

const CHANGED_PER_OBJECT = 5;

export default function Home() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const objects = useObjects();
  const readable = (objects.data ?? []).filter((o) => can(me.data, "read", o.name));
  const creatable = readable.filter((o) => can(me.data, "create", o.name));
  const byName = new Map(readable.map((o) => [o.name, o]));
  const recent = me.data ? recentItems(me.data.id).filter((i) => byName.has(i.object)).slice(0, 8) : [];

  // Records the user owns that changed lately, per object (the first few objects).
  const watched = readable.slice(0, 4);
  const changed = useQueries({
    queries: watched.map((o) => ({
      queryKey: ["records", o.name, "home", me.data?.id],
      queryFn: () =>
        api.post<Page>(`/records/${o.name}/query`, {
          filter: { field: "owner_id", op: "eq", value: me.data?.id },
          sort: ["-updated_at"],
          limit: CHANGED_PER_OBJECT,
          fields: o.name_field ? [o.name_field, "updated_at"] : ["updated_at"],
        }),
      enabled: !!me.data,
    })),
  });
  const changedRows = changed
    .flatMap((result, index) => {
      const object = watched[index] as ObjectDef;
      return (result.data?.records ?? []).map((r) => ({ object, record: r }));
    })
    .sort((a, b) => b.record.updated_at.localeCompare(a.record.updated_at))
    .slice(0, 10);
  const loadingChanged = changed.some((r) => r.isLoading);

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("home.greeting", { name: me.data?.name ?? "" })}
      </Typography.Title>
      <Card title={t("home.quickCreate")} size="small">
        {creatable.length === 0 ? (
          <Typography.Text type="secondary">{t("home.nothingToCreate")}</Typography.Text>
        ) : (
          <Space wrap>
            {creatable.map((o) => (
              <Link key={o.name} to={`/o/${o.name}/new`}>
                <Button icon={<PlusOutlined />}>
                  {objectIcon(o.name, o.icon)} {label(o.label, i18n.language)}
                </Button>
              </Link>
            ))}
          </Space>
        )}
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={<><ClockCircleOutlined /> {t("home.recent")}</>} size="small">
            {recent.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("home.noRecent")} />
            ) : (
              <List
                size="small"
                dataSource={recent}
                renderItem={(item) => {
                  const object = byName.get(item.object) as ObjectDef;
                  return (
                    <List.Item extra={<Typography.Text type="secondary">{formatDateTime(item.at.replace("Z", ""))}</Typography.Text>}>
                      <Space>
                        {objectIcon(item.object, byName.get(item.object)?.icon)}
                        <Link to={`/o/${item.object}/${item.id}`} className="gx-ellipsis">
                          {item.title || t("common.untitled")}
                        </Link>
                        <Typography.Text type="secondary">{label(object.label, i18n.language)}</Typography.Text>
                      </Space>
                    </List.Item>
                  );
                }}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={<><EditOutlined /> {t("home.changed")}</>} size="small">
            {loadingChanged ? (
              <Skeleton active />
            ) : changedRows.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("home.noChanged")} />
            ) : (
              <List
                size="small"
                dataSource={changedRows}
                renderItem={({ object, record }) => (
                  <List.Item extra={<Typography.Text type="secondary">{formatDateTime(record.updated_at)}</Typography.Text>}>
                    <Space>
                      {objectIcon(object.name, object.icon)}
                      <Link to={`/o/${object.name}/${record.id}`} className="gx-ellipsis">
                        {String((object.name_field && record[object.name_field]) || t("common.untitled"))}
                      </Link>
                      <Typography.Text type="secondary">{label(object.label, i18n.language)}</Typography.Text>
                    </Space>
                  </List.Item>
                )}
              />
            )}
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
