import { useQuery } from "@tanstack/react-query";
import { Select } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../lib/api";
import { useObject } from "../lib/meta";
import type { Page } from "../lib/records";

interface Props {
  object: string;
  value?: string | null;
  onChange?: (id: string | null) => void;
  id?: string;
  /** The title of the current value, when the caller has it (no extra request). */
  currentTitle?: string;
}

/** A lookup's value: search the target object's records by name as you type. */
export function RecordSelect({ object, value, onChange, id, currentTitle }: Props) {
  const { t } = useTranslation();
  const target = useObject(object).data;
  const nameField = target?.name_field ?? null;
  const [text, setText] = useState("");
  const found = useQuery({
    queryKey: ["records", object, "lookup", text],
    queryFn: () =>
      api.post<Page>(`/records/${object}/query`, {
        filter: text && nameField ? { field: nameField, op: "contains", value: text } : null,
        limit: 20,
        fields: nameField ? [nameField] : [],
        sort: nameField ? [nameField] : undefined,
      }),
    enabled: !!target,
    staleTime: 30_000,
  });
  const options = (found.data?.records ?? []).map((r) => ({
    value: r.id,
    label: nameField ? String(r[nameField] ?? r.id) : r.id,
  }));
  if (value && !options.some((o) => o.value === value)) {
    options.unshift({ value, label: currentTitle ?? value.slice(0, 8) });
  }
  return (
    <Select
      id={id}
      showSearch
      allowClear
      filterOption={false}
      value={value ?? undefined}
      onSearch={setText}
      onChange={(v: string | undefined) => onChange?.(v ?? null)}
      options={options}
      loading={found.isFetching}
      placeholder={t("common.typeToSearch")}
      notFoundContent={found.isFetching ? t("common.loading") : t("common.noMatches")}
      style={{ width: "100%" }}
    />
  );
}
