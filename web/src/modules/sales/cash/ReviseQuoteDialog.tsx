import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Modal, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api } from "../../../lib/api";
import type { ActionDialogProps } from "../../../lib/extensions";
import { recordsKey, type RecordData } from "../../../lib/records";
import { refusal } from "./cashApi";
import { SubmitButton } from "./SubmitButton";
import styles from "./cash.module.css";

/** 生成新版本: the next version of the quote with the same lines, a draft; this one is
 * kept, superseded and read-only. Asked first, as it cannot be undone. */
export default function ReviseQuoteDialog({ record, onClose }: ActionDialogProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const version = Number(record.quote_version ?? 1);
  const number = String(record.quote_no ?? record.name ?? "");

  const revise = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const made = await api.post<RecordData>(`/sales/quotes/${record.id}/revise`);
      void client.invalidateQueries({ queryKey: recordsKey("quote") });
      void message.success(t("cash.revised", { number: String(made.quote_no ?? ""), version: String(made.quote_version ?? version + 1) }));
      onClose();
      navigate(`/o/quote/${made.id}`);
    } catch (error) {
      setProblem(refusal(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t("cash.reviseTitle", { version: String(version + 1) })}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t("common.cancel")}
        </Button>,
        <SubmitButton key="ok" busy={busy} onClick={() => void revise()}>
          {t("cash.revise")}
        </SubmitButton>,
      ]}
    >
      <Typography.Paragraph>{t("cash.reviseHint", { number, version: String(version) })}</Typography.Paragraph>
      {problem && <Alert type="error" showIcon className={styles.gap} message={problem} />}
    </Modal>
  );
}
