import { Card, Skeleton } from "antd";

/** What a screen shows while its code or data arrives: its shape, not a spinner. */
export function PageSkeleton() {
  return (
    <Card variant="borderless" aria-busy="true">
      <Skeleton active paragraph={{ rows: 8 }} />
    </Card>
  );
}
