import { CloseOutlined, DeleteOutlined, HolderOutlined, PlusOutlined, PushpinFilled, PushpinOutlined } from "@ant-design/icons";
import { useDroppable } from "@dnd-kit/core";
import { rectSortingStrategy, SortableContext, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { Button, Tooltip, Typography } from "antd";
import type { KeyboardEventHandler, PointerEventHandler } from "react";
import { useTranslation } from "react-i18next";
import { label, type ObjectDef } from "../../lib/meta";
import type { LayoutKind, LayoutSection, RelatedList } from "../../lib/layouts";
import { ids, relatedKey, type Draft } from "./layoutDraft";
import { isWide, sampleValue, type FieldInfo, type RelatedCandidate } from "./layoutFields";
import styles from "./LayoutDesigner.module.css";

export interface CanvasProps {
  object: ObjectDef;
  kind: LayoutKind;
  draft: Draft;
  fields: Map<string, FieldInfo>;
  candidates: RelatedCandidate[];
  selected: string | null;
  /** The section a dragged field would land in, marked while dragging. */
  targetSection: string | null;
  problems: Map<string, string[]>;
  onSelect: (id: string | null) => void;
  onRemoveField: (name: string) => void;
  onTogglePin: (name: string) => void;
  onAddSection: () => void;
  onRemoveSection: (key: string) => void;
  onRemoveRelated: (key: string) => void;
}

const cx = (...names: (string | false | null | undefined)[]) => names.filter(Boolean).join(" ");

/**
 * The layout in the record page's own style, with sample values: the canvas is the live
 * preview. Sections and fields are dragged by their handles (or the keyboard).
 */
export function LayoutCanvas(props: CanvasProps) {
  const { t } = useTranslation();
  const { kind, draft } = props;
  return (
    <div className={styles.canvas}>
      {kind === "detail" && <HeaderPreview {...props} />}
      <SortableContext items={draft.sections.map((s) => ids.section(s.key))} strategy={verticalListSortingStrategy}>
        {draft.sections.map((section) => (
          <SectionCard key={section.key} section={section} {...props} />
        ))}
      </SortableContext>
      <Button type="dashed" block icon={<PlusOutlined />} onClick={props.onAddSection}>
        {t("designer.addSection")}
      </Button>
      {kind === "detail" && <RelatedZone {...props} />}
    </div>
  );
}

function Problems({ messages }: { messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <div className={styles.problemText} data-testid="layout-problem">
      {messages.join(" ")}
    </div>
  );
}

function HeaderPreview({ object, draft, fields, selected, problems, onSelect, onTogglePin }: CanvasProps) {
  const { t, i18n } = useTranslation();
  const isSelected = selected === "highlights";
  return (
    <section
      className={cx(styles.card, isSelected && styles.selected, problems.has("highlights") && styles.problem)}
      aria-label={t("designer.highlights")}
    >
      <div className={styles.recordHeader}>
        <div>
          <Typography.Text type="secondary">{label(object.label, i18n.language)}</Typography.Text>
          <div className={styles.recordTitle}>{t("designer.sampleTitle")}</div>
        </div>
        <Button size="small" onClick={() => onSelect(isSelected ? null : "highlights")} aria-pressed={isSelected}>
          {t("designer.editHighlights")}
        </Button>
      </div>
      <div className={styles.highlights}>
        {draft.highlights.map((name) => {
          const info = fields.get(name);
          const text = info?.label ?? name;
          return (
            <div key={name} className={styles.highlight}>
              <span className={styles.fieldLabel}>{text}</span>
              <span className={styles.value}>{info ? sampleValue(info, t, i18n.language) : "—"}</span>
              <button type="button" className={styles.unpin} onClick={() => onTogglePin(name)} aria-label={t("designer.unpin", { field: text })}>
                <CloseOutlined />
              </button>
            </div>
          );
        })}
        {draft.highlights.length === 0 && <Typography.Text type="secondary">{t("designer.noHighlights")}</Typography.Text>}
      </div>
      <Problems messages={problems.get("highlights")} />
    </section>
  );
}

function SectionCard({ section, kind, draft, fields, selected, targetSection, problems, onSelect, onRemoveSection, ...rest }: CanvasProps & { section: LayoutSection }) {
  const { t, i18n } = useTranslation();
  const id = ids.section(section.key);
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  const { setNodeRef: setBodyRef } = useDroppable({ id: ids.sectionBody(section.key) });
  const title = label(section.title, i18n.language) || section.key;
  const isSelected = selected === id;
  return (
    <section
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition: transition }}
      className={cx(styles.card, isSelected && styles.selected, problems.has(id) && styles.problem, isDragging && styles.dragging)}
      aria-label={title}
      data-testid="layout-section"
      data-section={section.key}
    >
      <header className={styles.sectionHeader}>
        <button
          type="button"
          ref={setActivatorNodeRef}
          className={styles.handle}
          aria-label={t("designer.moveSection", { section: title })}
          {...attributes}
          {...listeners}
        >
          <HolderOutlined />
        </button>
        <button type="button" className={styles.sectionTitle} onClick={() => onSelect(isSelected ? null : id)} aria-pressed={isSelected}>
          {title}
        </button>
        <span className={styles.meta}>{t("designer.columnsCount", { count: section.columns })}</span>
        <Tooltip title={t("designer.removeSection", { section: title })}>
          <Button
            type="text"
            size="small"
            icon={<DeleteOutlined />}
            aria-label={t("designer.removeSection", { section: title })}
            onClick={() => onRemoveSection(section.key)}
          />
        </Tooltip>
      </header>
      <Problems messages={problems.get(id)} />
      <SortableContext items={section.fields.map(ids.field)} strategy={rectSortingStrategy}>
        <div
          ref={setBodyRef}
          className={cx(styles.grid, targetSection === section.key && styles.target)}
          style={{ gridTemplateColumns: `repeat(${String(section.columns)}, minmax(0, 1fr))` }}
          data-testid="layout-section-body"
        >
          {section.fields.map((name) => (
            <FieldTile
              key={name}
              name={name}
              info={fields.get(name)}
              kind={kind}
              pinned={draft.highlights.includes(name)}
              selected={selected === ids.field(name)}
              problems={problems.get(ids.field(name))}
              onSelect={onSelect}
              {...rest}
            />
          ))}
          {section.fields.length === 0 && <div className={styles.dropHere}>{t("designer.dropHere")}</div>}
        </div>
      </SortableContext>
    </section>
  );
}

interface TileProps {
  name: string;
  info: FieldInfo | undefined;
  kind: LayoutKind;
  pinned: boolean;
  selected: boolean;
  problems: string[] | undefined;
  onSelect: (id: string | null) => void;
  onRemoveField: (name: string) => void;
  onTogglePin: (name: string) => void;
}

function FieldTile({ name, info, kind, pinned, selected, problems, onSelect, onRemoveField, onTogglePin }: TileProps) {
  const { t, i18n } = useTranslation();
  const id = ids.field(name);
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  const text = info?.label ?? name;
  return (
    <div
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition: transition }}
      className={cx(
        styles.tile,
        info && isWide(info.type) && styles.wide,
        selected && styles.selected,
        problems && styles.problem,
        isDragging && styles.dragging,
      )}
      data-testid="layout-field"
      data-field={name}
      // The whole tile follows the pointer; the keyboard drags by the handle only, so
      // Enter on the tile's other buttons does what they say.
      onPointerDown={listeners?.onPointerDown as PointerEventHandler | undefined}
    >
      <button
        type="button"
        ref={setActivatorNodeRef}
        className={styles.handle}
        aria-label={t("designer.moveField", { field: text })}
        {...attributes}
        onKeyDown={listeners?.onKeyDown as KeyboardEventHandler | undefined}
      >
        <HolderOutlined />
      </button>
      <button type="button" className={styles.tileBody} onClick={() => onSelect(selected ? null : id)} aria-pressed={selected}>
        <span className={styles.fieldLabel}>
          {text}
          {info?.field?.required && kind === "form" && <span className={styles.required}> *</span>}
        </span>
        {kind === "form" ? (
          <span className={styles.inputSample}>{info ? sampleValue(info, t, i18n.language) : ""}</span>
        ) : (
          <span className={styles.value}>{info ? sampleValue(info, t, i18n.language) : "—"}</span>
        )}
      </button>
      <span className={styles.tileActions}>
        {kind === "detail" && (
          <Button
            type="text"
            size="small"
            icon={pinned ? <PushpinFilled /> : <PushpinOutlined />}
            aria-pressed={pinned}
            aria-label={t(pinned ? "designer.unpin" : "designer.pin", { field: text })}
            onClick={() => onTogglePin(name)}
            className={pinned ? styles.pinned : undefined}
          />
        )}
        <Button type="text" size="small" icon={<CloseOutlined />} aria-label={t("designer.removeField", { field: text })} onClick={() => onRemoveField(name)} />
      </span>
      <Problems messages={problems} />
    </div>
  );
}

function RelatedZone({ draft, candidates, selected, problems, onSelect, onRemoveRelated }: CanvasProps) {
  const { t } = useTranslation();
  const { setNodeRef, isOver } = useDroppable({ id: ids.relatedZone });
  return (
    <section ref={setNodeRef} className={cx(styles.card, isOver && styles.target)} aria-label={t("designer.relatedLists")}>
      <header className={styles.sectionHeader}>
        <span className={styles.sectionTitleStatic}>{t("designer.relatedLists")}</span>
      </header>
      <SortableContext items={draft.related_lists.map(ids.related)} strategy={verticalListSortingStrategy}>
        <div className={styles.relatedStack}>
          {draft.related_lists.map((list) => (
            <RelatedCard
              key={relatedKey(list)}
              list={list}
              candidate={candidates.find((c) => c.object.name === list.object && c.field.name === list.field)}
              selected={selected === ids.related(list)}
              problems={problems.get(ids.related(list))}
              onSelect={onSelect}
              onRemove={onRemoveRelated}
            />
          ))}
        </div>
      </SortableContext>
      {draft.related_lists.length === 0 && <div className={styles.dropHere}>{t("designer.dropRelatedHere")}</div>}
    </section>
  );
}

function RelatedCard({
  list,
  candidate,
  selected,
  problems,
  onSelect,
  onRemove,
}: {
  list: RelatedList;
  candidate: RelatedCandidate | undefined;
  selected: boolean;
  problems: string[] | undefined;
  onSelect: (id: string | null) => void;
  onRemove: (key: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const id = ids.related(list);
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  const title = label(list.title, i18n.language) || label(candidate?.title, i18n.language) || list.object;
  const columnLabel = (name: string) => {
    const f = candidate?.object.fields.find((x) => x.name === name);
    return f ? label(f.label, i18n.language) : t(`designer.system.${name}`, { defaultValue: name });
  };
  return (
    <div
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition: transition }}
      className={cx(styles.related, selected && styles.selected, problems && styles.problem, isDragging && styles.dragging)}
      data-testid="layout-related"
    >
      <div className={styles.relatedHeader}>
        <button
          type="button"
          ref={setActivatorNodeRef}
          className={styles.handle}
          aria-label={t("designer.moveRelated", { list: title })}
          {...attributes}
          {...listeners}
        >
          <HolderOutlined />
        </button>
        <button type="button" className={styles.sectionTitle} onClick={() => onSelect(selected ? null : id)} aria-pressed={selected}>
          {title}
        </button>
        <Button type="text" size="small" icon={<CloseOutlined />} aria-label={t("designer.removeRelated", { list: title })} onClick={() => onRemove(relatedKey(list))} />
      </div>
      <div className={styles.relatedColumns}>
        {list.columns.map((c) => (
          <span key={c}>{columnLabel(c)}</span>
        ))}
      </div>
      <Problems messages={problems} />
    </div>
  );
}
