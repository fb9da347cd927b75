/** What a settings list does to one of its versioned rows: switch it on or off against
 * the version read, and delete it; each says how it went and refreshes the list. */
import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { App } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, problemMessage } from "../lib/api";
import { ifMatch } from "../lib/records";

interface Row {
  id: string;
  version: number;
}

/**
 * `path` is the collection ("/automation/rules"); `prefix` the i18n block holding
 * `activated`, `deactivated`, `stale` and `deleted` (each told the row's `name`).
 */
export function useRowWrites<T extends Row>(path: string, queryKey: QueryKey, prefix: string, nameOf: (row: T) => string) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [switching, setSwitching] = useState<string | null>(null);

  const toggle = async (row: T, active: boolean) => {
    setSwitching(row.id);
    try {
      await api.patch<T>(`${path}/${row.id}`, { active }, ifMatch(row.version));
      void message.success(t(`${prefix}.${active ? "activated" : "deactivated"}`, { name: nameOf(row) }));
    } catch (error) {
      void message.error(error instanceof ApiError && error.status === 412 ? t(`${prefix}.stale`) : problemMessage(error, t("common.serverError")));
    } finally {
      await client.invalidateQueries({ queryKey });
      setSwitching(null);
    }
  };

  const remove = async (row: T) => {
    try {
      await api.delete(`${path}/${row.id}`);
      void message.success(t(`${prefix}.deleted`, { name: nameOf(row) }));
    } catch (error) {
      void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      await client.invalidateQueries({ queryKey });
    }
  };

  return { toggle, remove, switching };
}
