import { DeleteOutlined, PaperClipOutlined, UploadOutlined } from "@ant-design/icons";
import { App, Button, Space, Upload } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { upload, problemMessage } from "../lib/api";

interface Props {
  id?: string;
  value?: string | null;
  onChange?: (id: string | null) => void;
}

/** A file field: upload one file (the server stores it), keep its id; remove it again. */
export function FileInput({ id, value, onChange }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [name, setName] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Space>
      {value && (
        <a href={`/api/v1/files/${value}`} target="_blank" rel="noreferrer">
          <PaperClipOutlined /> {name ?? t("common.file")}
        </a>
      )}
      <Upload
        showUploadList={false}
        customRequest={async ({ file }) => {
          setBusy(true);
          try {
            const stored = await upload(file as File);
            setName(stored.name);
            onChange?.(stored.id);
          } catch (error) {
            void message.error(problemMessage(error, t("common.serverError")));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Button id={id} icon={<UploadOutlined />} loading={busy}>
          {value ? t("form.replaceFile") : t("form.uploadFile")}
        </Button>
      </Upload>
      {value && <Button type="text" icon={<DeleteOutlined />} aria-label={t("form.removeFile")} onClick={() => onChange?.(null)} />}
    </Space>
  );
}
