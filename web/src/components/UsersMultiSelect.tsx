import { useQuery } from "@tanstack/react-query";
import { Select } from "antd";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { UserChip } from "./FieldValue";
import { searchUsers, useUsers } from "../lib/users";

interface Props {
  value?: string[];
  onChange?: (ids: string[]) => void;
  id?: string;
  "aria-label"?: string;
}

/** Pick several users by typing part of a name (the directory), kept in the order picked:
 * a round-robin rule's members take turns in that order. */
export function UsersMultiSelect({ value, onChange, id, ...rest }: Props) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const chosen = value ?? [];
  const found = useQuery({
    queryKey: ["directory", "search", text],
    queryFn: ({ signal }) => searchUsers(text, signal),
    staleTime: 60_000,
  });
  // The chosen users' names, so a rule read from the server shows people, not ids.
  const known = useUsers(chosen);
  const options = new Map<string, { value: string; label: ReactNode; title: string }>();
  for (const user of known.data?.values() ?? []) options.set(user.id, { value: user.id, label: <UserChip user={user} />, title: user.name });
  for (const user of found.data ?? []) options.set(user.id, { value: user.id, label: <UserChip user={user} />, title: user.name });
  return (
    <Select
      id={id}
      aria-label={rest["aria-label"]}
      mode="multiple"
      showSearch
      filterOption={false}
      value={chosen}
      placeholder={t("common.searchUser")}
      onSearch={setText}
      onChange={(ids: string[]) => {
        setText("");
        onChange?.(ids);
      }}
      loading={found.isFetching}
      notFoundContent={found.isFetching ? t("common.loading") : t("common.noMatches")}
      options={[...options.values()]}
      style={{ width: "100%" }}
    />
  );
}
