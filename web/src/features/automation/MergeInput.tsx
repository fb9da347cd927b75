import { Input, Select, Space } from "antd";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import type { ObjectDef } from "../../lib/meta";
import { insertAt, mergeFields } from "./rules";
import styles from "./automation.module.css";

interface Props {
  object: ObjectDef | undefined;
  id?: string;
  value?: string;
  onChange?: (value: string) => void;
  multiline?: boolean;
  maxLength?: number;
  placeholder?: string;
  "aria-label"?: string;
}

/** Text with merge fields: an "Insert field" picker puts `{{field}}` where the caret was
 * (or over the selection), so nobody has to know the fields' API names. */
export function MergeInput({ object, id, value, onChange, multiline, maxLength, placeholder, ...rest }: Props) {
  const { t, i18n } = useTranslation();
  const caret = useRef<{ start: number | null; end: number | null }>({ start: null, end: null });
  const remember = (target: EventTarget) => {
    const el = target as HTMLInputElement | HTMLTextAreaElement;
    caret.current = { start: el.selectionStart, end: el.selectionEnd };
  };
  const insert = (token: string) => {
    const next = insertAt(value, token, caret.current.start, caret.current.end);
    caret.current = { start: next.caret, end: next.caret };
    onChange?.(next.text);
  };
  const common = {
    id,
    value: value ?? "",
    maxLength,
    placeholder,
    "aria-label": rest["aria-label"],
    onChange: (e: { target: HTMLInputElement | HTMLTextAreaElement }) => {
      remember(e.target);
      onChange?.(e.target.value);
    },
    onSelect: (e: { target: EventTarget }) => remember(e.target),
    onKeyUp: (e: { target: EventTarget }) => remember(e.target),
    onClick: (e: { target: EventTarget }) => remember(e.target),
  };
  const picker = (
    <Select
      className={styles.mergePicker}
      showSearch
      value={null}
      placeholder={t("automation.insertField")}
      aria-label={t("automation.insertFieldInto", { name: rest["aria-label"] ?? "" })}
      options={mergeFields(object, i18n.language)}
      optionFilterProp="label"
      popupMatchSelectWidth={300}
      onChange={(token: string | null) => token && insert(token)}
    />
  );
  // A long text keeps its width; the picker sits under it, at the right.
  if (multiline)
    return (
      <div className={styles.mergeMulti}>
        <Input.TextArea {...common} autoSize={{ minRows: 2, maxRows: 8 }} />
        {picker}
      </div>
    );
  return (
    <Space.Compact block>
      <Input {...common} />
      {picker}
    </Space.Compact>
  );
}
