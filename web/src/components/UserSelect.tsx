import { useQuery } from "@tanstack/react-query";
import { Select } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { searchUsers, useUsers } from "../lib/users";
import { UserChip } from "./FieldValue";

interface Props {
  value?: string | null;
  onChange?: (id: string | null) => void;
  id?: string;
  "aria-label"?: string;
}

/** Pick a user by typing part of a name (the directory; no admin right needed). */
export function UserSelect({ value, onChange, id, ...rest }: Props) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const found = useQuery({
    queryKey: ["directory", "search", text],
    queryFn: ({ signal }) => searchUsers(text, signal),
    staleTime: 60_000,
  });
  // The chosen user is named even when the search does not list them (a saved value).
  const chosen = useUsers([value]);
  const listed = found.data ?? [];
  const current = value ? chosen.data?.get(value) : undefined;
  const users = current && !listed.some((u) => u.id === current.id) ? [current, ...listed] : listed;
  return (
    <Select
      id={id}
      aria-label={rest["aria-label"]}
      showSearch
      allowClear
      filterOption={false}
      value={value ?? undefined}
      placeholder={t("common.searchUser")}
      onSearch={setText}
      onChange={(v: string | undefined) => onChange?.(v ?? null)}
      loading={found.isFetching}
      notFoundContent={found.isFetching ? t("common.loading") : t("common.noMatches")}
      options={users.map((u) => ({
        value: u.id,
        label: <UserChip user={u} />,
      }))}
      style={{ width: "100%" }}
    />
  );
}
