import {
  DeleteOutlined,
  FileExcelOutlined,
  FileImageOutlined,
  FileOutlined,
  FilePdfOutlined,
  FilePptOutlined,
  FileTextOutlined,
  FileWordOutlined,
  FileZipOutlined,
  InboxOutlined,
} from "@ant-design/icons";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Empty, List, Popconfirm, Skeleton, Space, Typography, Upload } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, fileUrl, problemMessage, query, upload, type StoredFile } from "../../lib/api";
import { formatDateTime, formatSize } from "../../lib/format";

interface Attachment {
  id: string;
  file: StoredFile;
  created_at: string;
  created_by: { id: string; name: string | null } | null;
}

interface AttachmentPage {
  attachments: Attachment[];
  next_cursor: string | null;
}

/** An icon for a file by its type: PDF, image, office documents, archives, text. */
function fileIcon(contentType: string): ReactNode {
  const type = contentType.toLowerCase();
  if (type === "application/pdf") return <FilePdfOutlined />;
  if (type.startsWith("image/")) return <FileImageOutlined />;
  if (/spreadsheet|excel|csv/.test(type)) return <FileExcelOutlined />;
  if (/presentation|powerpoint/.test(type)) return <FilePptOutlined />;
  if (/wordprocessing|msword|rtf/.test(type)) return <FileWordOutlined />;
  if (/zip|compressed|x-7z|x-rar|x-tar|gzip/.test(type)) return <FileZipOutlined />;
  if (type.startsWith("text/")) return <FileTextOutlined />;
  return <FileOutlined />;
}

/** The files attached to a record: download them; with `mayAdd`, attach and remove. */
export function AttachmentsTab({ object, id, mayAdd }: { object: string; id: string; mayAdd: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const path = `/records/${object}/${id}/attachments`;
  const key = ["records", object, "attachments", id];
  const attachments = useInfiniteQuery({
    queryKey: key,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api.get<AttachmentPage>(`${path}${query({ limit: 50, cursor: pageParam })}`, signal),
    getNextPageParam: (last) => last.next_cursor,
  });
  const changed = () => {
    void client.invalidateQueries({ queryKey: key });
    void client.invalidateQueries({ queryKey: ["records", object, "timeline", id] });
  };
  const remove = async (attachment: Attachment) => {
    try {
      await api.delete(`${path}/${attachment.id}`);
      void message.success(t("attachments.removed", { name: attachment.file.name }));
      changed();
    } catch (error) {
      void message.error(problemMessage(error, t("attachments.failed")));
    }
  };
  const items = attachments.data?.pages.flatMap((p) => p.attachments) ?? [];

  return (
    <Space direction="vertical" style={{ width: "100%" }} size={12} data-testid="attachments">
      {mayAdd && (
        <Upload.Dragger
          multiple
          showUploadList={false}
          aria-label={t("attachments.add")}
          customRequest={async ({ file, onSuccess, onError }) => {
            try {
              const added = await upload<Attachment>(file as File, path);
              void message.success(t("attachments.added", { name: added.file.name }));
              onSuccess?.(added);
              changed();
            } catch (error) {
              void message.error(problemMessage(error, t("attachments.failed")));
              onError?.(error instanceof Error ? error : new Error(String(error)));
            }
          }}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{t("attachments.drop")}</p>
          <p className="ant-upload-hint">{t("attachments.hint")}</p>
        </Upload.Dragger>
      )}
      {attachments.isLoading ? (
        <Skeleton active title={false} paragraph={{ rows: 3 }} />
      ) : attachments.error ? (
        <Alert type="error" showIcon message={problemMessage(attachments.error, t("attachments.failed"))} />
      ) : (
        <List
          dataSource={items}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("attachments.none")} /> }}
          renderItem={(attachment) => (
            <List.Item
              actions={
                mayAdd
                  ? [
                      <Popconfirm
                        key="remove"
                        title={t("attachments.confirmRemove", { name: attachment.file.name })}
                        description={t("attachments.confirmRemoveDetail")}
                        okText={t("attachments.remove")}
                        cancelText={t("attachments.cancel")}
                        okButtonProps={{ danger: true }}
                        onConfirm={() => remove(attachment)}
                      >
                        <Button
                          type="text"
                          icon={<DeleteOutlined />}
                          aria-label={t("attachments.removeNamed", { name: attachment.file.name })}
                        />
                      </Popconfirm>,
                    ]
                  : undefined
              }
            >
              <List.Item.Meta
                avatar={<span aria-hidden style={{ fontSize: 24 }}>{fileIcon(attachment.file.content_type)}</span>}
                title={
                  <a href={fileUrl(attachment.file.id)} target="_blank" rel="noreferrer">
                    {attachment.file.name}
                  </a>
                }
                description={
                  <Typography.Text type="secondary">
                    {t("attachments.meta", {
                      size: formatSize(attachment.file.size),
                      who: attachment.created_by?.name ?? t("attachments.someone"),
                      when: formatDateTime(attachment.created_at),
                    })}
                  </Typography.Text>
                }
              />
            </List.Item>
          )}
        />
      )}
      {attachments.hasNextPage && (
        <Button type="link" onClick={() => void attachments.fetchNextPage()} loading={attachments.isFetchingNextPage}>
          {t("attachments.loadMore")}
        </Button>
      )}
    </Space>
  );
}
