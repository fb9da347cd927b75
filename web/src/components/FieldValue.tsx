import { Tag, Typography } from "antd";
import type { CSSProperties, ReactNode } from "react";
import { Link } from "react-router-dom";
import { useLocale } from "../lib/locale";
import { formatDate, formatDateTime, formatMoney, formatPhone, groupDecimal } from "../lib/format";
import { label, type FieldDef } from "../lib/meta";
import type { RecordData } from "../lib/records";
import { useKnownUser, type DirectoryUser } from "../lib/users";

// Colours for options an administrator left without one. The option's colour marks a
// dot and tints the background; the text stays dark, so every colour passes contrast.
const PRESETS = ["#1d4ed8", "#15803d", "#b45309", "#7e22ce", "#0e7490", "#be185d", "#c2410c", "#4338ca", "#4d7c0f", "#ea580c"];

export function optionColor(field: FieldDef, value: string): string {
  const options = field.options ?? [];
  const index = options.findIndex((o) => o.value === value);
  const option = options[index];
  return option?.color ?? PRESETS[(index < 0 ? 0 : index) % PRESETS.length] ?? "#1d4ed8";
}

export function OptionTag({ color, children }: { color: string; children: ReactNode }) {
  return (
    <span className="gx-option" style={{ "--gx-option": color } as CSSProperties}>
      <span className="gx-option-dot" aria-hidden="true" />
      {children}
    </span>
  );
}

export function UserChip({ user }: { user: DirectoryUser | undefined }) {
  if (!user) return null;
  // Plain elements: a list shows one per row, and Ant Design's Avatar and Space cost more.
  return (
    <span className="gx-user">
      <span className="gx-avatar" aria-hidden="true">
        {user.initials.slice(0, 2)}
      </span>
      <span className="gx-ellipsis">{user.name}</span>
    </span>
  );
}

function KnownUserChip({ id }: { id: string }) {
  return <UserChip user={useKnownUser(id)} />;
}

interface Props {
  field: FieldDef;
  value: unknown;
  record?: RecordData;
  /** Names of the people user fields hold; without it, each value finds its own in the
   * shared cache (lists: see lib/users.ts). */
  users?: Map<string, DirectoryUser>;
  /** On a record page: rich text as formatted text, not one line. */
  full?: boolean;
}

/** A field's value as lists and record pages show it. */
export function FieldValue({ field, value, record, users, full = false }: Props) {
  const { t, language } = useLocale();
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) {
    return <Typography.Text type="secondary">—</Typography.Text>;
  }
  switch (field.type) {
    case "currency": {
      const money = value as { amount: string; currency: string | null };
      return <span className="gx-amount">{formatMoney(money.amount, money.currency ?? field.currency, field.scale ?? 2)}</span>;
    }
    case "decimal":
      return <span className="gx-amount">{groupDecimal(String(value), field.scale)}</span>;
    case "integer":
      return <span className="gx-amount">{groupDecimal(String(value))}</span>;
    case "percent":
      return <span className="gx-amount">{groupDecimal(String(value), field.scale)}%</span>;
    case "date":
      return <span>{formatDate(String(value))}</span>;
    case "datetime":
      return <span>{formatDateTime(String(value))}</span>;
    case "boolean":
      return <span>{value ? t("common.yes") : t("common.no")}</span>;
    case "picklist": {
      const option = field.options?.find((o) => o.value === value);
      return <OptionTag color={optionColor(field, String(value))}>{option ? label(option.label, language) : String(value)}</OptionTag>;
    }
    case "multi_picklist":
      return (
        <>
          {(value as string[]).map((v) => {
            const option = field.options?.find((o) => o.value === v);
            return (
              <OptionTag key={v} color={optionColor(field, v)}>
                {option ? label(option.label, language) : v}
              </OptionTag>
            );
          })}
        </>
      );
    case "tags":
      return (
        <>
          {(value as string[]).map((v) => (
            <Tag key={v}>{v}</Tag>
          ))}
        </>
      );
    case "phone":
      return <a href={`tel:${String(value)}`}>{formatPhone(String(value))}</a>;
    case "email":
      return <a href={`mailto:${String(value)}`}>{String(value)}</a>;
    case "url": {
      const href = String(value);
      return /^https?:\/\//i.test(href) ? (
        <a href={href} target="_blank" rel="noreferrer noopener" className="gx-ellipsis">
          {href.replace(/^https?:\/\//i, "")}
        </a>
      ) : (
        <span>{href}</span>
      );
    }
    case "user":
      return users ? <UserChip user={users.get(String(value))} /> : <KnownUserChip id={String(value)} />;
    case "lookup": {
      const related = record?._related?.[field.name];
      const title = related ? String(related.name ?? related.id) : String(value).slice(0, 8);
      return field.target ? <Link to={`/o/${field.target}/${String(value)}`}>{title}</Link> : <span>{title}</span>;
    }
    case "address": {
      const a = value as Record<string, string | null>;
      return <span>{[a.province, a.city, a.district, a.street].filter(Boolean).join(" ")}</span>;
    }
    case "rich_text":
      // The server stores only what nh3 allows (no scripts, no event attributes), so its
      // HTML is shown as such on the record page; lists show the text on one line.
      return full ? (
        <div className="gx-rich" dangerouslySetInnerHTML={{ __html: String(value) }} />
      ) : (
        <span className="gx-ellipsis">{String(value).replace(/<[^>]*>/g, " ")}</span>
      );
    case "file":
      return (
        <a href={`/api/v1/files/${encodeURIComponent(String(value))}`} target="_blank" rel="noreferrer">
          {t("common.file")}
        </a>
      );
    default:
      return <span className="gx-ellipsis">{typeof value === "object" ? JSON.stringify(value) : String(value)}</span>;
  }
}
