import { CloudUploadOutlined, ReloadOutlined, RollbackOutlined, UndoOutlined } from "@ant-design/icons";
import {
  closestCenter,
  DndContext,
  DragOverlay,
  KeyboardSensor,
  pointerWithin,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type ClientRect,
  type CollisionDetection,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  type UniqueIdentifier,
} from "@dnd-kit/core";
import { sortableKeyboardCoordinates } from "@dnd-kit/sortable";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Result, Segmented, Skeleton, Space, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, problemMessage } from "../../lib/api";
import { layoutKey, useLayout, type Layout, type LayoutKind } from "../../lib/layouts";
import { label, useObjects, type ObjectDef } from "../../lib/meta";
import { LayoutCanvas } from "./LayoutCanvas";
import { LayoutPalette } from "./LayoutPalette";
import { LayoutProperties } from "./LayoutProperties";
import {
  accepts,
  addRelated,
  addSection,
  draftOf,
  findField,
  ids,
  move,
  parseId,
  placeField,
  placedFields,
  problemTargets,
  removeField,
  removeRelated,
  removeSection,
  sameDraft,
  toggleHighlight,
  updateRelated,
  updateSection,
  type Draft,
} from "./layoutDraft";
import { defaultColumns, fieldCatalogue, placeable, relatedCandidates, type RelatedCandidate } from "./layoutFields";
import styles from "./LayoutDesigner.module.css";

/**
 * The layout designer: the record page (detail) and form of one object, arranged by
 * dragging, previewed on the canvas and published for everyone with one click.
 */
export function LayoutDesigner({ object }: { object: ObjectDef }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const [kind, setKind] = useState<LayoutKind>("detail");
  const [generation, setGeneration] = useState(0);
  const [dirty, setDirty] = useState(false);
  const layout = useLayout(object.name, kind);

  const switchKind = (next: LayoutKind) => {
    if (!dirty) {
      setKind(next);
      return;
    }
    modal.confirm({
      title: t("designer.leaveTitle"),
      content: t("designer.leaveHint"),
      okText: t("designer.discard"),
      cancelText: t("common.cancel"),
      onOk: () => {
        setDirty(false);
        setKind(next);
      },
    });
  };
  // Forget the working copy and start again from the server's layout (after a reset, or
  // when someone else published first).
  const reload = async () => {
    await layout.refetch();
    setDirty(false);
    setGeneration((g) => g + 1);
  };

  return (
    <div className={styles.designer}>
      <Segmented<LayoutKind>
        className={styles.kind}
        aria-label={t("designer.layoutKind")}
        value={kind}
        onChange={switchKind}
        options={[
          { value: "detail", label: t("designer.detail") },
          { value: "form", label: t("designer.form") },
        ]}
      />
      {layout.isLoading ? (
        <Skeleton active />
      ) : !layout.data ? (
        <Result
          status="error"
          title={t("designer.loadFailed")}
          extra={<Button onClick={() => void layout.refetch()}>{t("designer.retry")}</Button>}
        />
      ) : (
        <DesignerBody key={`${kind}:${String(generation)}`} object={object} kind={kind} initial={layout.data} onDirty={setDirty} onReload={reload} />
      )}
    </div>
  );
}

interface BodyProps {
  object: ObjectDef;
  kind: LayoutKind;
  initial: Layout;
  onDirty: (dirty: boolean) => void;
  onReload: () => Promise<void>;
}

const centerOf = (r: ClientRect) => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 });

/** Is the dragged thing past the middle of what it is over (in reading order)? */
function landsAfter(dragged: ClientRect | null, over: ClientRect): boolean {
  if (!dragged) return false;
  const c = centerOf(dragged);
  if (c.y > over.top + over.height) return true;
  if (c.y < over.top) return false;
  return c.x > centerOf(over).x;
}

function DesignerBody({ object, kind, initial, onDirty, onReload }: BodyProps) {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const objects = useObjects();
  const [published, setPublished] = useState(initial);
  const [draft, setDraftState] = useState<Draft>(() => draftOf(initial));
  const [past, setPast] = useState<Draft[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<Map<string, string[]>>(new Map());
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const [active, setActive] = useState<string | null>(null);
  const [overId, setOverId] = useState<string | null>(null);

  const fields = useMemo(() => fieldCatalogue(object, t, i18n.language), [object, t, i18n.language]);
  const candidates = useMemo(() => relatedCandidates(object, objects.data ?? []), [object, objects.data]);
  const dirty = !sameDraft(draft, draftOf(published));

  const setDraft = (next: Draft, from: Draft = draft) => {
    setPast((p) => [...p.slice(-49), from]);
    setDraftState(next);
    onDirty(!sameDraft(next, draftOf(published)));
  };
  const edit = (next: Draft) => {
    if (next !== draft && !sameDraft(next, draft)) setDraft(next);
  };
  const undo = () => {
    const previous = past.at(-1);
    if (!previous) return;
    setPast(past.slice(0, -1));
    setDraftState(previous);
    onDirty(!sameDraft(previous, draftOf(published)));
  };
  const discard = () => setDraft(draftOf(published));

  const placed = placedFields(draft);
  const unplaced = [...fields.values()].filter((f) => !placed.has(f.name) && placeable(f, kind));
  const unlisted = candidates.filter((c) => !draft.related_lists.some((r) => r.object === c.object.name && r.field === c.field.name));

  // Where the palette's "add" button puts a field: the selected section, else the last.
  const addField = (name: string) => {
    const { kind: what, value } = parseId(selected ?? "");
    let target = what === "section" ? value : what === "field" ? draft.sections[findField(draft, value)?.section ?? -1]?.key : undefined;
    let next = draft;
    if (!target) target = draft.sections.at(-1)?.key;
    if (!target) {
      const added = addSection(draft, newTitle());
      next = added.draft;
      target = added.key;
    }
    edit(placeField(next, name, target));
  };
  const newTitle = () => ({
    en: i18n.t("designer.newSectionTitle", { lng: "en" }),
    "zh-CN": i18n.t("designer.newSectionTitle", { lng: "zh-CN" }),
  });
  const newRelated = (c: RelatedCandidate) => ({ object: c.object.name, field: c.field.name, columns: defaultColumns(c) });

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  // Only what the dragged thing may land on counts; under the pointer the innermost
  // item wins over its section, and the keyboard goes by the nearest.
  const collisions: CollisionDetection = (args) => {
    const kindOfActive = parseId(args.active.id).kind;
    const scoped = { ...args, droppableContainers: args.droppableContainers.filter((c) => accepts(kindOfActive, String(c.id))) };
    if (!args.pointerCoordinates) return closestCenter(scoped);
    const hits = pointerWithin(scoped);
    const item = hits.find((h) => ["field", "related"].includes(parseId(h.id).kind));
    const first = item ?? hits[0];
    return first ? [first] : [];
  };

  const sectionOf = (id: string | null): string | null => {
    if (!id) return null;
    if (id.startsWith("b:")) return id.slice(2);
    const { kind: what, value } = parseId(id);
    if (what !== "field") return null;
    return draft.sections[findField(draft, value)?.section ?? -1]?.key ?? null;
  };

  const onDragStart = ({ active: a }: DragStartEvent) => {
    setActive(String(a.id));
  };
  const onDragOver = ({ over }: DragOverEvent) => setOverId(over ? String(over.id) : null);
  const onDragEnd = ({ active: a, over }: DragEndEvent) => {
    setActive(null);
    setOverId(null);
    if (!over) return;
    const dragged = parseId(a.id);
    const target = String(over.id);
    const onto = parseId(target);
    switch (dragged.kind) {
      case "field":
      case "paletteField": {
        const name = dragged.value;
        if (target === ids.palette) {
          edit(removeField(draft, name));
          return;
        }
        const sectionKey = sectionOf(target);
        if (!sectionKey) return;
        if (onto.kind !== "field") {
          edit(placeField(draft, name, sectionKey));
        } else {
          const to = findField(draft, onto.value);
          const from = findField(draft, name);
          if (!to || onto.value === name) return;
          // Within a section the sortable strategy already showed where it goes; into
          // another one, before or after the field it is dropped on.
          const index = from && from.section === to.section ? to.index : to.index + (landsAfter(a.rect.current.translated, over.rect) ? 1 : 0);
          edit(placeField(draft, name, sectionKey, index));
        }
        setSelected(ids.field(name));
        return;
      }
      case "section": {
        const from = draft.sections.findIndex((s) => ids.section(s.key) === String(a.id));
        const to = draft.sections.findIndex((s) => ids.section(s.key) === target);
        if (from >= 0 && to >= 0 && from !== to) edit({ ...draft, sections: move(draft.sections, from, to) });
        return;
      }
      case "related": {
        const from = draft.related_lists.findIndex((r) => ids.related(r) === String(a.id));
        const to = draft.related_lists.findIndex((r) => ids.related(r) === target);
        if (from >= 0 && to >= 0 && from !== to) edit({ ...draft, related_lists: move(draft.related_lists, from, to) });
        return;
      }
      case "paletteRelated": {
        const candidate = candidates.find((c) => `${c.object.name}.${c.field.name}` === dragged.value);
        if (!candidate) return;
        const to = draft.related_lists.findIndex((r) => ids.related(r) === target);
        edit(addRelated(draft, newRelated(candidate), to >= 0 ? to : undefined));
        setSelected(ids.related({ object: candidate.object.name, field: candidate.field.name }));
        return;
      }
      default:
        return;
    }
  };

  const nameOf = (id: UniqueIdentifier | undefined): string => {
    if (id === undefined) return "";
    const text = String(id);
    if (text === ids.palette) return t("designer.palette");
    if (text === ids.relatedZone) return t("designer.relatedLists");
    const { kind: what, value } = parseId(text);
    if (what === "field" || what === "paletteField") return fields.get(value)?.label ?? value;
    if (what === "section" || text.startsWith("b:")) {
      const key = what === "section" ? value : text.slice(2);
      const s = draft.sections.find((x) => x.key === key);
      return s ? label(s.title, i18n.language) || key : key;
    }
    const c = candidates.find((x) => `${x.object.name}.${x.field.name}` === value);
    return c ? label(c.title, i18n.language) : value;
  };
  const announcements: Announcements = {
    onDragStart: ({ active: a }) => t("designer.dnd.pickedUp", { item: nameOf(a.id) }),
    onDragOver: ({ active: a, over }) =>
      over ? t("designer.dnd.over", { item: nameOf(a.id), target: nameOf(over.id) }) : t("designer.dnd.outside", { item: nameOf(a.id) }),
    onDragEnd: ({ active: a, over }) =>
      over ? t("designer.dnd.dropped", { item: nameOf(a.id), target: nameOf(over.id) }) : t("designer.dnd.cancelled", { item: nameOf(a.id) }),
    onDragCancel: ({ active: a }) => t("designer.dnd.cancelled", { item: nameOf(a.id) }),
  };

  const publish = async () => {
    const sent = draft;
    setBusy(true);
    try {
      const saved = await api.put<Layout>(`/meta/objects/${object.name}/layouts/${kind}`, sent, { "If-Match": `"${String(published.version)}"` });
      setPublished(saved);
      setDraftState(draftOf(saved));
      setPast([]);
      setProblems(new Map());
      onDirty(false);
      client.setQueryData(layoutKey(object.name, kind), saved);
      // Record pages and forms already open read the new layout at once.
      await client.invalidateQueries({ queryKey: layoutKey(object.name, kind) });
      void message.success(t("designer.published"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) setStale(true);
      else if (error instanceof ApiError && error.status === 422 && error.problem.errors?.length) {
        setProblems(problemTargets(sent, error.problem.errors));
      } else void message.error(problemMessage(error, t("common.serverError")));
    } finally {
      setBusy(false);
    }
  };

  const reset = () =>
    modal.confirm({
      title: t("designer.resetTitle"),
      content: t("designer.resetHint"),
      okText: t("designer.reset"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await api.delete(`/meta/objects/${object.name}/layouts/${kind}`);
          await client.invalidateQueries({ queryKey: layoutKey(object.name, kind) });
          await onReload();
          void message.success(t("designer.resetDone"));
        } catch (error) {
          void message.error(problemMessage(error, t("common.serverError")));
        }
      },
    });

  const loose = problems.get("");
  const problemCount = [...problems.values()].reduce((n, list) => n + list.length, 0);

  return (
    <div className={styles.body}>
      <div className={styles.toolbar}>
        <Space wrap size={8}>
          {published.is_default ? <Tag>{t("designer.derived")}</Tag> : <Tag color="blue">{t("designer.version", { version: published.version })}</Tag>}
          {dirty && (
            <Tag color="orange" className={styles.unpublished} data-testid="unpublished">
              {t("designer.unpublished")}
            </Tag>
          )}
        </Space>
        <Space wrap size={8}>
          <Button icon={<UndoOutlined />} onClick={undo} disabled={past.length === 0}>
            {t("designer.undo")}
          </Button>
          <Button icon={<RollbackOutlined />} onClick={discard} disabled={!dirty}>
            {t("designer.discard")}
          </Button>
          <Button icon={<ReloadOutlined />} onClick={reset} disabled={published.is_default}>
            {t("designer.reset")}
          </Button>
          <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => void publish()} loading={busy} disabled={!dirty}>
            {t("designer.publish")}
          </Button>
        </Space>
      </div>
      {stale && (
        <Alert
          type="warning"
          showIcon
          message={t("designer.staleTitle")}
          description={t("designer.staleHint")}
          action={
            <Button size="small" onClick={() => void onReload()}>
              {t("designer.reload")}
            </Button>
          }
        />
      )}
      {problemCount > 0 && (
        <Alert
          type="error"
          showIcon
          message={t("designer.problems", { count: problemCount })}
          description={loose?.length ? loose.join(" ") : undefined}
          data-testid="layout-problems"
        />
      )}
      <DndContext
        sensors={sensors}
        collisionDetection={collisions}
        onDragStart={onDragStart}
        onDragOver={onDragOver}
        onDragEnd={onDragEnd}
        onDragCancel={() => {
          setActive(null);
          setOverId(null);
        }}
        accessibility={{ announcements, screenReaderInstructions: { draggable: t("designer.dnd.instructions") } }}
      >
        <div className={styles.panes}>
          <LayoutPalette
            draft={draft}
            fields={unplaced}
            candidates={kind === "detail" ? unlisted : null}
            onAddField={addField}
            onAddRelated={(c) => {
              edit(addRelated(draft, newRelated(c)));
              setSelected(ids.related({ object: c.object.name, field: c.field.name }));
            }}
          />
          <LayoutCanvas
            object={object}
            kind={kind}
            draft={draft}
            fields={fields}
            candidates={candidates}
            selected={selected}
            targetSection={active && ["field", "paletteField"].includes(parseId(active).kind) ? sectionOf(overId) : null}
            problems={problems}
            onSelect={setSelected}
            onRemoveField={(name) => edit(removeField(draft, name))}
            onTogglePin={(name) => edit(toggleHighlight(draft, name))}
            onAddSection={() => {
              const added = addSection(draft, newTitle());
              edit(added.draft);
              setSelected(ids.section(added.key));
            }}
            onRemoveSection={(key) => {
              edit(removeSection(draft, key));
              if (selected === ids.section(key)) setSelected(null);
            }}
            onRemoveRelated={(key) => edit(removeRelated(draft, key))}
          />
          <LayoutProperties
            kind={kind}
            draft={draft}
            selected={selected}
            fields={fields}
            candidates={candidates}
            problems={problems}
            onChange={edit}
            onUpdateSection={(key, patch) => edit(updateSection(draft, key, patch))}
            onMoveToSection={(name, key) => edit(placeField(draft, name, key))}
            onRemoveField={(name) => {
              edit(removeField(draft, name));
              setSelected(null);
            }}
            onRemoveSection={(key) => {
              edit(removeSection(draft, key));
              setSelected(null);
            }}
            onTogglePin={(name) => edit(toggleHighlight(draft, name))}
            onUpdateRelated={(key, patch) => edit(updateRelated(draft, key, patch))}
            onRemoveRelated={(key) => {
              edit(removeRelated(draft, key));
              setSelected(null);
            }}
          />
        </div>
        <DragOverlay>{active ? <div className={styles.overlay}>{nameOf(active)}</div> : null}</DragOverlay>
      </DndContext>
      <Typography.Paragraph type="secondary" className={styles.footnote}>
        {t("designer.previewNote")}
      </Typography.Paragraph>
    </div>
  );
}
