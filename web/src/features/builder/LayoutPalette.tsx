import { HolderOutlined, PlusOutlined } from "@ant-design/icons";
import { useDraggable, useDroppable } from "@dnd-kit/core";
import { Button, Typography } from "antd";
import type { KeyboardEventHandler, PointerEventHandler, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { label } from "../../lib/meta";
import { ids, type Draft } from "./layoutDraft";
import type { FieldInfo, RelatedCandidate } from "./layoutFields";
import styles from "./LayoutDesigner.module.css";

interface Props {
  draft: Draft;
  /** The fields not placed yet, in the object's order. */
  fields: FieldInfo[];
  /** The related lists not added yet (detail layouts only). */
  candidates: RelatedCandidate[] | null;
  onAddField: (name: string) => void;
  onAddRelated: (candidate: RelatedCandidate) => void;
}

/** The left pane: what is not on the layout yet. Drag it in, or add it with its button. */
export function LayoutPalette({ fields, candidates, onAddField, onAddRelated }: Props) {
  const { t, i18n } = useTranslation();
  const { setNodeRef, isOver } = useDroppable({ id: ids.palette });
  return (
    <aside
      ref={setNodeRef}
      className={`${styles.pane} ${isOver ? styles.target : ""}`}
      aria-label={t("designer.palette")}
      data-testid="layout-palette"
    >
      <Typography.Title level={5} className={styles.paneTitle}>
        {t("designer.availableFields")}
      </Typography.Title>
      <Typography.Paragraph type="secondary" className={styles.paneHint}>
        {isOver ? t("designer.dropToRemove") : t("designer.paletteHint")}
      </Typography.Paragraph>
      <div className={styles.paletteList}>
        {fields.map((f) => (
          <PaletteItem
            key={f.name}
            id={ids.paletteField(f.name)}
            text={f.label}
            detail={f.system ? t("designer.systemField") : t(`builder.type.${f.type}`)}
            moveLabel={t("designer.moveField", { field: f.label })}
            addLabel={t("designer.addField", { field: f.label })}
            onAdd={() => onAddField(f.name)}
          />
        ))}
        {fields.length === 0 && <Typography.Text type="secondary">{t("designer.allPlaced")}</Typography.Text>}
      </div>
      {candidates && (
        <>
          <Typography.Title level={5} className={styles.paneTitle}>
            {t("designer.relatedLists")}
          </Typography.Title>
          <div className={styles.paletteList}>
            {candidates.map((c) => {
              const title = label(c.title, i18n.language);
              return (
                <PaletteItem
                  key={`${c.object.name}.${c.field.name}`}
                  id={ids.paletteRelated({ object: c.object.name, field: c.field.name })}
                  text={title}
                  detail={t("designer.viaLookup", { field: label(c.field.label, i18n.language) })}
                  moveLabel={t("designer.moveRelated", { list: title })}
                  addLabel={t("designer.addRelated", { list: title })}
                  onAdd={() => onAddRelated(c)}
                />
              );
            })}
            {candidates.length === 0 && <Typography.Text type="secondary">{t("designer.noRelatedCandidates")}</Typography.Text>}
          </div>
        </>
      )}
    </aside>
  );
}

function PaletteItem({ id, text, detail, moveLabel, addLabel, onAdd }: { id: string; text: string; detail: ReactNode; moveLabel: string; addLabel: string; onAdd: () => void }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, isDragging } = useDraggable({ id });
  return (
    <div
      ref={setNodeRef}
      className={`${styles.paletteItem} ${isDragging ? styles.dragging : ""}`}
      data-testid="palette-item"
      data-id={id}
      onPointerDown={listeners?.onPointerDown as PointerEventHandler | undefined}
    >
      <button
        type="button"
        ref={setActivatorNodeRef}
        className={styles.handle}
        aria-label={moveLabel}
        {...attributes}
        onKeyDown={listeners?.onKeyDown as KeyboardEventHandler | undefined}
      >
        <HolderOutlined />
      </button>
      <span className={styles.paletteText}>
        <span className={styles.paletteName}>{text}</span>
        <span className={styles.paletteDetail}>{detail}</span>
      </span>
      <Button type="text" size="small" icon={<PlusOutlined />} aria-label={addLabel} onClick={onAdd} />
    </div>
  );
}
