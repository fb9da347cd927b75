import { Breadcrumb, Result, Skeleton, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { label, useObject } from "../../lib/meta";
import { recordsKey } from "../../lib/records";
import { RecordForm, type Prefill } from "./RecordForm";

/** What a "New" button elsewhere passes along: the values to start with and where to go
 * back to once the record is saved (e.g. the record page whose related list it was). */
export interface NewRecordState {
  prefill?: Prefill;
  returnTo?: string;
}

export default function NewRecordPage() {
  const { object: name = "" } = useParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const object = useObject(name);
  const state = (useLocation().state ?? {}) as NewRecordState;
  if (object.isLoading) return <Skeleton active />;
  if (!object.data) return <Result status="404" title={t("records.noSuchObject")} />;
  const o = object.data;
  return (
    <div style={{ maxWidth: 960 }}>
      <Breadcrumb
        items={[{ title: <Link to={`/o/${o.name}`}>{label(o.plural_label, i18n.language)}</Link> }, { title: t("records.new") }]}
      />
      <Typography.Title level={2}>{t("records.newOf", { object: label(o.label, i18n.language) })}</Typography.Title>
      <RecordForm
        object={o}
        record={null}
        defaults={state.prefill}
        onCancel={() => navigate(-1)}
        onSaved={(record, again) => {
          void client.invalidateQueries({ queryKey: recordsKey(o.name) });
          if (!again) navigate(state.returnTo ?? `/o/${o.name}/${record.id}`, { replace: true });
        }}
      />
    </div>
  );
}
