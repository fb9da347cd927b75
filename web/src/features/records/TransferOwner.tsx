import { App, Form, Modal } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { UserSelect } from "../../components/UserSelect";
import { api, problemMessage } from "../../lib/api";

interface Props {
  object: string;
  /** The records to hand over, with the versions the user saw (empty: closed). */
  records: { id: string; version: number }[];
  onClose: (done: boolean) => void;
}

/** Change the owner of the selected records in one request (each at the version shown). */
export function TransferOwner({ object, records, onClose }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [owner, setOwner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!owner) return;
    setBusy(true);
    try {
      await api.patch(`/records/${object}/bulk`, {
        records: records.map((r) => ({ id: r.id, version: r.version, owner_id: owner })),
        all_or_none: true,
      });
      void message.success(t("records.ownerChanged", { count: records.length }));
      onClose(true);
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={records.length > 0}
      title={t("records.changeOwnerOf", { count: records.length })}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ disabled: !owner, loading: busy }}
      onOk={() => void submit()}
      onCancel={() => onClose(false)}
      destroyOnHidden
    >
      <Form layout="vertical">
        <Form.Item label={t("records.newOwner")} htmlFor="new-owner">
          <UserSelect id="new-owner" value={owner} onChange={setOwner} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
