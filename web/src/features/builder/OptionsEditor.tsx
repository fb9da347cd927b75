import { DeleteOutlined, HolderOutlined, PlusOutlined } from "@ant-design/icons";
import { closestCenter, DndContext, KeyboardSensor, PointerSensor, useSensor, useSensors, type DragEndEvent } from "@dnd-kit/core";
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { Button, ColorPicker, Input, Switch } from "antd";
import { useTranslation } from "react-i18next";
import type { PicklistOption } from "../../lib/meta";
import { apiName } from "./names";
import styles from "./Builder.module.css";

interface Props {
  value?: PicklistOption[];
  onChange?: (options: PicklistOption[]) => void;
}

/** A picklist's options: drag to reorder, a colour and an "active" switch each. */
export function OptionsEditor({ value = [], onChange }: Props) {
  const { t } = useTranslation();
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const change = (index: number, patch: Partial<PicklistOption>) =>
    onChange?.(value.map((o, i) => (i === index ? { ...o, ...patch } : o)));
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const from = value.findIndex((o) => o.value === active.id);
    const to = value.findIndex((o) => o.value === over.id);
    onChange?.(arrayMove(value, from, to));
  };
  const add = () => {
    let n = value.length + 1;
    while (value.some((o) => o.value === `option_${String(n)}`)) n += 1;
    onChange?.([...value, { value: `option_${String(n)}`, label: { en: "", "zh-CN": "" }, color: null, active: true }]);
  };
  return (
    <div>
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
        <SortableContext items={value.map((o) => o.value)} strategy={verticalListSortingStrategy}>
          {value.map((option, index) => (
            <OptionRow
              key={option.value}
              option={option}
              onChange={(patch) => change(index, patch)}
              onRemove={() => onChange?.(value.filter((_, i) => i !== index))}
            />
          ))}
        </SortableContext>
      </DndContext>
      <Button icon={<PlusOutlined />} onClick={add} size="small">
        {t("builder.addOption")}
      </Button>
    </div>
  );
}

function OptionRow({ option, onChange, onRemove }: { option: PicklistOption; onChange: (patch: Partial<PicklistOption>) => void; onRemove: () => void }) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, transform, transition } = useSortable({ id: option.value });
  const labelEn = option.label.en ?? "";
  return (
    <div ref={setNodeRef} style={{ transform: CSS.Transform.toString(transform), transition }} className={styles.optionRow} data-testid="picklist-option">
      <button type="button" className={styles.handle} aria-label={t("builder.dragToReorder")} {...attributes} {...listeners}>
        <HolderOutlined />
      </button>
      <Input
        aria-label={t("builder.labelZh")}
        placeholder={t("builder.labelZh")}
        value={option.label["zh-CN"] ?? ""}
        onChange={(e) => onChange({ label: { ...option.label, "zh-CN": e.target.value } })}
      />
      <Input
        aria-label={t("builder.labelEn")}
        placeholder={t("builder.labelEn")}
        value={labelEn}
        onChange={(e) => {
          const en = e.target.value;
          // A new option's stored value follows its English label until saved.
          const fresh = /^option_\d+$/.test(option.value) || option.value === apiName(labelEn);
          onChange({ label: { ...option.label, en }, ...(fresh && apiName(en) ? { value: apiName(en) } : {}) });
        }}
      />
      <ColorPicker
        aria-label={t("builder.color")}
        value={option.color ?? undefined}
        allowClear
        onChange={(color) => onChange({ color: color.cleared ? null : color.toHexString() })}
        presets={[{ label: t("builder.color"), colors: ["#1d4ed8", "#15803d", "#b45309", "#7e22ce", "#0e7490", "#be185d", "#c2410c", "#4b5563"] }]}
      />
      <Switch checked={option.active} onChange={(active) => onChange({ active })} aria-label={t("builder.active")} size="small" />
      <Button type="text" icon={<DeleteOutlined />} onClick={onRemove} aria-label={t("builder.removeOption")} />
    </div>
  );
}
