import { BoldOutlined, ItalicOutlined, LinkOutlined, OrderedListOutlined, UnorderedListOutlined } from "@ant-design/icons";
import { Button, Space } from "antd";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import styles from "./RichTextInput.module.css";

interface Props {
  id?: string;
  value?: string | null;
  onChange?: (html: string | null) => void;
}

/** Rich text with a small toolbar. What it produces is untrusted: the server keeps only
 * the tags and attributes it allows (nh3) before storing it. */
export function RichTextInput({ id, value, onChange }: Props) {
  const { t } = useTranslation();
  const editor = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Set from outside only when it differs, so typing keeps the caret where it is.
    if (editor.current && editor.current.innerHTML !== (value ?? "")) editor.current.innerHTML = value ?? "";
  }, [value]);
  const emit = () => {
    const html = editor.current?.innerHTML ?? "";
    onChange?.(html.replace(/<br>$/, "").trim() ? html : null);
  };
  const run = (command: string, argument?: string) => {
    editor.current?.focus();
    // execCommand is deprecated but still the one editing API every browser implements.
    document.execCommand(command, false, argument);
    emit();
  };
  return (
    <div className={styles.box}>
      <Space size={2} className={styles.toolbar} role="toolbar" aria-label={t("form.formatting")}>
        <Button type="text" size="small" icon={<BoldOutlined />} aria-label={t("form.bold")} onMouseDown={(e) => e.preventDefault()} onClick={() => run("bold")} />
        <Button type="text" size="small" icon={<ItalicOutlined />} aria-label={t("form.italic")} onMouseDown={(e) => e.preventDefault()} onClick={() => run("italic")} />
        <Button type="text" size="small" icon={<UnorderedListOutlined />} aria-label={t("form.bullets")} onMouseDown={(e) => e.preventDefault()} onClick={() => run("insertUnorderedList")} />
        <Button type="text" size="small" icon={<OrderedListOutlined />} aria-label={t("form.numbers")} onMouseDown={(e) => e.preventDefault()} onClick={() => run("insertOrderedList")} />
        <Button
          type="text"
          size="small"
          icon={<LinkOutlined />}
          aria-label={t("form.link")}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            const href = window.prompt(t("form.linkPrompt"), "https://");
            if (href && /^https?:\/\//i.test(href)) run("createLink", href);
          }}
        />
      </Space>
      <div
        id={id}
        ref={editor}
        className={styles.editor}
        contentEditable
        role="textbox"
        aria-multiline="true"
        tabIndex={0}
        onInput={emit}
        onBlur={emit}
        suppressContentEditableWarning
      />
    </div>
  );
}
