import { PlusOutlined, SearchOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Empty, Input, Modal, Spin, Typography } from "antd";
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, query } from "../../lib/api";
import { label, useObjects, type Label } from "../../lib/meta";
import { recentItems } from "../../lib/recent";
import { can, useMe } from "../../lib/session";
import { objectIcon } from "./icons";
import styles from "./CommandPalette.module.css";

interface SearchAnswer {
  results: { object: string; label: Label; records: { id: string; title: string | null }[] }[];
}

interface Item {
  key: string;
  group: string;
  icon: ReactNode;
  text: string;
  hint?: string;
  go: string;
}

/** Ctrl/⌘ K: recently viewed records (before anything is typed), records across objects
 * grouped by object, objects, and "create …",
 * driven by the keyboard (↑ ↓ to move, Enter to open, Esc to close). */
export function CommandPalette() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const me = useMe();
  const objects = useObjects();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [debounced, setDebounced] = useState("");
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setOpen(true);
      }
    };
    const onOpen = () => setOpen(true);
    window.addEventListener("keydown", onKey);
    window.addEventListener("guanxi:search", onOpen);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("guanxi:search", onOpen);
    };
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(text.trim()), 200);
    return () => clearTimeout(timer);
  }, [text]);

  const found = useQuery({
    queryKey: ["search", debounced],
    queryFn: ({ signal }) => api.get<SearchAnswer>(`/search${query({ q: debounced, limit: 5 })}`, signal),
    enabled: open && debounced.length > 0,
    staleTime: 10_000,
  });

  const items = ((): Item[] => {
    const readable = (objects.data ?? []).filter((o) => can(me.data, "read", o.name));
    const needle = debounced.toLowerCase();
    const out: Item[] = [];
    if (!needle && me.data) {
      for (const recent of recentItems(me.data.id).slice(0, 5)) {
        const object = readable.find((o) => o.name === recent.object);
        if (!object) continue;
        out.push({
          key: `recent/${recent.object}/${recent.id}`,
          group: t("palette.recent"),
          icon: objectIcon(object.name, object.icon),
          text: recent.title || t("common.untitled"),
          hint: label(object.label, i18n.language),
          go: `/o/${recent.object}/${recent.id}`,
        });
      }
    }
    for (const result of found.data?.results ?? []) {
      const object = readable.find((o) => o.name === result.object);
      for (const record of result.records) {
        out.push({
          key: `${result.object}/${record.id}`,
          group: label(result.label, i18n.language),
          icon: objectIcon(result.object, object?.icon),
          text: record.title || t("common.untitled"),
          go: `/o/${result.object}/${record.id}`,
        });
      }
    }
    const matches = (value: string) => !needle || value.toLowerCase().includes(needle);
    for (const o of readable) {
      const name = label(o.plural_label, i18n.language);
      if (matches(name) || matches(o.name)) {
        out.push({ key: `open/${o.name}`, group: t("palette.objects"), icon: objectIcon(o.name, o.icon), text: name, go: `/o/${o.name}` });
      }
    }
    for (const o of readable.filter((x) => can(me.data, "create", x.name))) {
      const name = t("palette.create", { object: label(o.label, i18n.language) });
      if (matches(name) || matches(o.name)) {
        out.push({ key: `new/${o.name}`, group: t("palette.actions"), icon: <PlusOutlined />, text: name, go: `/o/${o.name}/new` });
      }
    }
    return out;
  })();

  const close = () => {
    setOpen(false);
    setText("");
    setActive(0);
  };
  const choose = (item: Item | undefined) => {
    if (!item) return;
    close();
    navigate(item.go);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = Math.max(0, Math.min(items.length - 1, active + (event.key === "ArrowDown" ? 1 : -1)));
      setActive(next);
      listRef.current?.querySelector(`[data-index="${String(next)}"]`)?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(items[active]);
    }
  };

  let lastGroup = "";
  return (
    <Modal open={open} onCancel={close} footer={null} closable={false} width={640} className={styles.modal} destroyOnHidden title={null}>
      <Input
        size="large"
        autoFocus
        prefix={<SearchOutlined />}
        placeholder={t("palette.placeholder")}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        aria-label={t("shell.search")}
        aria-controls="palette-results"
        aria-activedescendant={items[active] ? `palette-${String(active)}` : undefined}
        role="combobox"
        aria-expanded
      />
      <div className={styles.results} ref={listRef} role="listbox" id="palette-results" aria-label={t("palette.results")}>
        {found.isFetching && items.length === 0 && (
          <div className={styles.center}>
            <Spin />
          </div>
        )}
        {!found.isFetching && items.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("common.noMatches")} />}
        {items.map((item, index) => {
          const heading = item.group !== lastGroup ? item.group : null;
          lastGroup = item.group;
          return (
            <div key={item.key}>
              {heading && (
                <Typography.Text type="secondary" className={styles.group}>
                  {heading}
                </Typography.Text>
              )}
              <div
                id={`palette-${String(index)}`}
                data-index={index}
                role="option"
                aria-selected={index === active}
                className={`${styles.item} ${index === active ? styles.active : ""}`}
                onMouseEnter={() => setActive(index)}
                onClick={() => choose(item)}
              >
                <span className={styles.icon}>{item.icon}</span>
                <span className={styles.text}>{item.text}</span>
                {item.hint && <span className={styles.hint}>{item.hint}</span>}
              </div>
            </div>
          );
        })}
      </div>
      <div className={styles.footer}>
        <Typography.Text type="secondary">{t("palette.keys")}</Typography.Text>
      </div>
    </Modal>
  );
}
