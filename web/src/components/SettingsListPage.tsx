import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, Breadcrumb, Button, Empty, Popconfirm, Skeleton, Space, Table, Typography, type TableColumnsType } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { problemMessage } from "../lib/api";
import styles from "./SettingsListPage.module.css";

interface Props<T extends { id: string }> {
  /** The breadcrumb above the title ("Settings"). */
  section: string;
  title: string;
  intro: string;
  newLabel: string;
  onNew: () => void;
  list: { isLoading: boolean; error: unknown; data?: T[] };
  emptyIcon: ReactNode;
  emptyText: string;
  /** The table's columns, once there are rows; it scrolls sideways on a narrow screen. */
  columns: TableColumnsType<T>;
  /** After the list: links, and the drawer that creates and changes a row. */
  children?: ReactNode;
}

/** A settings page listing what an administrator sets up (pools, assignment rules, automation rules):
 * title with a "new" button, an introduction, then the list with its loading, error and
 * empty states. */
export function SettingsListPage<T extends { id: string }>({ section, title, intro, newLabel, onNew, list, emptyIcon, emptyText, columns, children }: Props<T>) {
  const { t } = useTranslation();
  return (
    <div className={styles.page}>
      <Breadcrumb items={[{ title: section }, { title }]} />
      <div className={styles.header}>
        <Typography.Title level={2} className={styles.title}>
          {title}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={onNew}>
          {newLabel}
        </Button>
      </div>
      <Typography.Paragraph type="secondary" className={styles.intro}>
        {intro}
      </Typography.Paragraph>
      {list.isLoading ? (
        <Skeleton active paragraph={{ rows: 6 }} title={false} />
      ) : list.error ? (
        <Alert type="error" showIcon message={problemMessage(list.error, t("common.serverError"))} />
      ) : !list.data?.length ? (
        <Empty image={emptyIcon} description={emptyText}>
          <Button type="primary" onClick={onNew}>
            {newLabel}
          </Button>
        </Empty>
      ) : (
        <div className={styles.scroll} tabIndex={0} role="region" aria-label={title}>
          <Table<T> rowKey="id" dataSource={list.data} pagination={false} size="middle" columns={columns} />
        </div>
      )}
      {children}
    </div>
  );
}

interface RowButtonsProps {
  /** Labels that name the row ("Edit East leads"), for screen readers. */
  editLabel: string;
  deleteLabel: string;
  /** The confirmation's question and what deleting takes with it. */
  confirm: string;
  confirmHelp: string;
  onEdit: () => void;
  onDelete: () => Promise<void> | void;
}

/** A settings row's Edit button and its Delete button, which asks first. */
export function EditDeleteButtons({ editLabel, deleteLabel, confirm, confirmHelp, onEdit, onDelete }: RowButtonsProps) {
  const { t } = useTranslation();
  return (
    <Space>
      <Button size="small" onClick={onEdit} aria-label={editLabel}>
        {t("common.edit")}
      </Button>
      <Popconfirm title={confirm} description={confirmHelp} okText={t("common.delete")} okButtonProps={{ danger: true }} cancelText={t("common.cancel")} onConfirm={onDelete}>
        <Button size="small" danger icon={<DeleteOutlined />} aria-label={deleteLabel} />
      </Popconfirm>
    </Space>
  );
}
