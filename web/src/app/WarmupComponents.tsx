/** The Ant Design components the list, record and form screens start with, drawn once
 * and hidden (see Warmup.tsx). */
import { Breadcrumb, Card, Checkbox, Descriptions, Empty, Form, Input, Select, Skeleton, Table, Tabs, Tag } from "antd";
import { useEffect } from "react";

// Fetching the screens' code now saves its download on the click.
void import("../features/records/ListPage");
void import("../features/records/RecordPage");

export default function WarmupComponents({ onDrawn }: { onDrawn: () => void }) {
  useEffect(onDrawn, [onDrawn]);
  return (
    <div hidden aria-hidden="true">
      <Breadcrumb items={[{ title: "-" }]} />
      <Card>
        <Tabs items={[{ key: "a", label: "-", children: <Descriptions items={[{ key: "a", label: "-", children: "-" }]} /> }]} />
      </Card>
      <Table rowKey="k" sticky rowSelection={{}} columns={[{ key: "a", title: "-", ellipsis: true, sorter: true }]} dataSource={[{ k: 1 }]} pagination={false} />
      <Checkbox />
      <Skeleton active />
      <Empty />
      <Tag>-</Tag>
      <Form>
        <Form.Item label="-">
          <Input />
        </Form.Item>
        <Select options={[]} />
      </Form>
    </div>
  );
}
