import { DatePicker, Input, InputNumber, Select, Switch } from "antd";
import { useTranslation } from "react-i18next";
import { AddressInput } from "../../components/AddressInput";
import { FileInput } from "../../components/FileInput";
import { RichTextInput } from "../../components/RichTextInput";
import { OptionTag, optionColor } from "../../components/FieldValue";
import { RecordSelect } from "../../components/RecordSelect";
import { UserSelect } from "../../components/UserSelect";
import { label, type FieldDef } from "../../lib/meta";

const SYMBOLS: Record<string, string> = { CNY: "¥", USD: "$", EUR: "€", HKD: "HK$", GBP: "£" };

interface Props {
  field: FieldDef;
  id?: string;
  value?: unknown;
  onChange?: (value: unknown) => void;
  currentTitle?: string;
}

/** The widget for one field type (Ant Design Form passes value, onChange and id). */
export function FieldInput({ field, id, value, onChange, currentTitle }: Props) {
  const { i18n } = useTranslation();
  const change = (v: unknown) => onChange?.(v);
  switch (field.type) {
    case "rich_text":
      return <RichTextInput id={id} value={value as string | null} onChange={change} />;
    case "file":
      return <FileInput id={id} value={value as string | null} onChange={change} />;
    case "long_text":
      return <Input.TextArea id={id} value={value as string} onChange={(e) => change(e.target.value)} autoSize={{ minRows: 3, maxRows: 10 }} maxLength={field.max_length} />;
    case "integer":
      return <InputNumber id={id} value={value as number} onChange={change} precision={0} style={{ width: "100%" }} />;
    case "decimal":
    case "percent":
      return (
        <InputNumber
          id={id}
          stringMode
          value={value as string}
          onChange={change}
          precision={field.scale}
          suffix={field.type === "percent" ? "%" : undefined}
          style={{ width: "100%" }}
        />
      );
    case "currency":
      return (
        <InputNumber
          id={id}
          stringMode
          value={value as string}
          onChange={change}
          precision={field.scale ?? 2}
          prefix={SYMBOLS[field.currency ?? "CNY"] ?? field.currency}
          formatter={(v) => (v ? String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ",") : "")}
          parser={(v) => (v ?? "").replace(/,/g, "")}
          style={{ width: "100%" }}
          className="gx-amount"
        />
      );
    case "date":
      return <DatePicker id={id} value={value as never} onChange={change} format="YYYY-MM-DD" style={{ width: "100%" }} />;
    case "datetime":
      return <DatePicker id={id} showTime={{ format: "HH:mm" }} value={value as never} onChange={change} format="YYYY-MM-DD HH:mm" style={{ width: "100%" }} />;
    case "boolean":
      return <Switch id={id} checked={!!value} onChange={change} />;
    case "picklist":
    case "multi_picklist":
      return (
        <Select
          id={id}
          mode={field.type === "multi_picklist" ? "multiple" : undefined}
          allowClear
          value={value as string}
          onChange={change}
          options={(field.options ?? [])
            .filter((o) => o.active || o.value === value || (Array.isArray(value) && value.includes(o.value)))
            .map((o) => ({ value: o.value, label: <OptionTag color={optionColor(field, o.value)}>{label(o.label, i18n.language)}</OptionTag> }))}
          style={{ width: "100%" }}
        />
      );
    case "tags":
      return <Select id={id} mode="tags" value={value as string[]} onChange={change} tokenSeparators={[",", "，"]} style={{ width: "100%" }} />;
    case "lookup":
      return field.target ? <RecordSelect id={id} object={field.target} value={value as string} onChange={change} currentTitle={currentTitle} /> : null;
    case "user":
      return <UserSelect id={id} value={value as string} onChange={change} />;
    case "address":
      return <AddressInput id={id} value={value as never} onChange={change} />;
    case "phone":
      return <Input id={id} value={value as string} onChange={(e) => change(e.target.value)} placeholder="+86 138 0013 8000" inputMode="tel" />;
    case "email":
      return <Input id={id} value={value as string} onChange={(e) => change(e.target.value)} inputMode="email" maxLength={field.max_length} />;
    default:
      return <Input id={id} value={value as string} onChange={(e) => change(e.target.value)} maxLength={field.max_length} />;
  }
}
