import { DeleteOutlined } from "@ant-design/icons";
import { Button, Descriptions, Form, Input, Segmented, Select, Switch, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { label, type Label } from "../../lib/meta";
import { SYSTEM_FIELDS, type LayoutKind, type LayoutSection } from "../../lib/layouts";
import { findField, ids, MAX_HIGHLIGHTS, MAX_RELATED_COLUMNS, parseId, relatedKey, type Draft } from "./layoutDraft";
import type { FieldInfo, RelatedCandidate } from "./layoutFields";
import styles from "./LayoutDesigner.module.css";

interface Props {
  kind: LayoutKind;
  draft: Draft;
  selected: string | null;
  fields: Map<string, FieldInfo>;
  candidates: RelatedCandidate[];
  problems: Map<string, string[]>;
  onChange: (draft: Draft) => void;
  onUpdateSection: (key: string, patch: Partial<Pick<LayoutSection, "title" | "columns">>) => void;
  onMoveToSection: (name: string, sectionKey: string) => void;
  onRemoveField: (name: string) => void;
  onRemoveSection: (key: string) => void;
  onTogglePin: (name: string) => void;
  onUpdateRelated: (key: string, patch: { columns?: string[]; title?: Label | null }) => void;
  onRemoveRelated: (key: string) => void;
}

/** The right pane: the properties of what is selected on the canvas. */
export function LayoutProperties(props: Props) {
  const { t } = useTranslation();
  const { selected, kind } = props;
  const { kind: what, value } = parseId(selected ?? "");
  let body;
  if (selected === "highlights" && kind === "detail") body = <HighlightsProperties {...props} />;
  else if (what === "section") body = <SectionProperties {...props} sectionKey={value} />;
  else if (what === "field") body = <FieldProperties {...props} name={value} />;
  else if (what === "related") body = <RelatedProperties {...props} listKey={value} />;
  return (
    <aside className={styles.pane} aria-label={t("designer.properties")} data-testid="layout-properties">
      <Typography.Title level={5} className={styles.paneTitle}>
        {t("designer.properties")}
      </Typography.Title>
      {body ?? (
        <>
          <Typography.Paragraph type="secondary">{t("designer.selectHint")}</Typography.Paragraph>
          {kind === "detail" && <HighlightsProperties {...props} />}
        </>
      )}
    </aside>
  );
}

function HighlightsProperties({ draft, fields, onChange }: Props) {
  const { t } = useTranslation();
  const placed = draft.sections.flatMap((s) => s.fields);
  return (
    <Form layout="vertical" component="div">
      <Form.Item label={t("designer.highlights")} htmlFor="designer-highlights" extra={t("designer.highlightsHelp", { count: MAX_HIGHLIGHTS })}>
        <Select
          id="designer-highlights"
          mode="multiple"
          maxCount={MAX_HIGHLIGHTS}
          value={draft.highlights}
          onChange={(highlights: string[]) => onChange({ ...draft, highlights })}
          options={placed.map((name) => ({ value: name, label: fields.get(name)?.label ?? name }))}
          optionFilterProp="label"
        />
      </Form.Item>
    </Form>
  );
}

function TitleInputs({ idPrefix, value, onChange, placeholder }: { idPrefix: string; value: Label | null | undefined; onChange: (title: Label) => void; placeholder?: Label }) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item label={t("designer.titleZh")} htmlFor={`${idPrefix}-zh`}>
        <Input
          id={`${idPrefix}-zh`}
          value={value?.["zh-CN"] ?? ""}
          placeholder={placeholder?.["zh-CN"]}
          onChange={(e) => onChange({ ...value, "zh-CN": e.target.value })}
        />
      </Form.Item>
      <Form.Item label={t("designer.titleEn")} htmlFor={`${idPrefix}-en`}>
        <Input id={`${idPrefix}-en`} value={value?.en ?? ""} placeholder={placeholder?.en} onChange={(e) => onChange({ ...value, en: e.target.value })} />
      </Form.Item>
    </>
  );
}

function SectionProperties({ draft, sectionKey, onUpdateSection, onRemoveSection }: Props & { sectionKey: string }) {
  const { t } = useTranslation();
  const section = draft.sections.find((s) => s.key === sectionKey);
  if (!section) return null;
  return (
    <Form layout="vertical" component="div" data-testid="section-properties">
      <TitleInputs idPrefix="designer-section" value={section.title} onChange={(title) => onUpdateSection(section.key, { title })} />
      <Form.Item label={t("designer.columns")}>
        <Segmented<number>
          aria-label={t("designer.columns")}
          value={section.columns}
          options={[1, 2, 3].map((n) => ({ value: n, label: String(n) }))}
          onChange={(columns) => onUpdateSection(section.key, { columns: columns as 1 | 2 | 3 })}
        />
      </Form.Item>
      <Descriptions
        className={styles.facts}
        size="small"
        column={1}
        colon={false}
        items={[
          { key: "key", label: t("designer.sectionKey"), children: <Typography.Text code>{section.key}</Typography.Text> },
          { key: "count", label: t("designer.fieldCount"), children: section.fields.length },
        ]}
      />
      <Button danger icon={<DeleteOutlined />} onClick={() => onRemoveSection(section.key)} className={styles.paneAction}>
        {t("designer.removeSectionShort")}
      </Button>
    </Form>
  );
}

function FieldProperties({ kind, draft, fields, name, problems, onMoveToSection, onRemoveField, onTogglePin }: Props & { name: string }) {
  const { t, i18n } = useTranslation();
  const info = fields.get(name);
  const at = findField(draft, name);
  if (!info || !at) return null;
  const pinned = draft.highlights.includes(name);
  return (
    <Form layout="vertical" component="div" data-testid="field-properties">
      <Descriptions
        className={styles.facts}
        size="small"
        column={1}
        colon={false}
        items={[
          { key: "label", label: t("designer.fieldLabel"), children: info.label },
          { key: "name", label: t("designer.apiName"), children: <Typography.Text code>{info.name}</Typography.Text> },
          { key: "type", label: t("designer.fieldType"), children: info.system ? t("designer.systemField") : t(`builder.type.${info.type}`) },
        ]}
      />
      {problems.get(ids.field(name))?.map((m) => (
        <Typography.Paragraph key={m} type="danger">
          {m}
        </Typography.Paragraph>
      ))}
      <Form.Item label={t("designer.section")} htmlFor="designer-field-section">
        <Select
          id="designer-field-section"
          value={draft.sections[at.section]?.key}
          onChange={(key: string) => onMoveToSection(name, key)}
          options={draft.sections.map((s) => ({ value: s.key, label: label(s.title, i18n.language) || s.key }))}
        />
      </Form.Item>
      {kind === "detail" && (
        <Form.Item label={t("designer.highlight")} htmlFor="designer-field-pin" extra={t("designer.highlightsHelp", { count: MAX_HIGHLIGHTS })}>
          <Switch
            id="designer-field-pin"
            checked={pinned}
            disabled={!pinned && draft.highlights.length >= MAX_HIGHLIGHTS}
            onChange={() => onTogglePin(name)}
          />
        </Form.Item>
      )}
      <Button icon={<DeleteOutlined />} onClick={() => onRemoveField(name)} className={styles.paneAction}>
        {t("designer.removeFieldShort")}
      </Button>
    </Form>
  );
}

function RelatedProperties({ draft, candidates, listKey, onUpdateRelated, onRemoveRelated }: Props & { listKey: string }) {
  const { t, i18n } = useTranslation();
  const list = draft.related_lists.find((r) => relatedKey(r) === listKey);
  if (!list) return null;
  const candidate = candidates.find((c) => c.object.name === list.object && c.field.name === list.field);
  const columnOptions = [
    ...(candidate?.object.fields ?? [])
      .filter((f) => !f.archived && f.name !== list.field)
      .map((f) => ({ value: f.name, label: label(f.label, i18n.language) || f.name })),
    ...SYSTEM_FIELDS.map((name) => ({ value: name, label: t(`designer.system.${name}`) })),
  ];
  return (
    <Form layout="vertical" component="div" data-testid="related-properties">
      <Descriptions
        className={styles.facts}
        size="small"
        column={1}
        colon={false}
        items={[
          { key: "object", label: t("designer.relatedObject"), children: candidate ? label(candidate.object.label, i18n.language) : list.object },
          { key: "field", label: t("designer.relatedLookup"), children: candidate ? label(candidate.field.label, i18n.language) : list.field },
        ]}
      />
      <TitleInputs
        idPrefix="designer-related"
        value={list.title}
        placeholder={candidate?.title}
        onChange={(title) => onUpdateRelated(listKey, { title: title.en || title["zh-CN"] ? title : null })}
      />
      <Form.Item
        label={t("designer.relatedColumns")}
        htmlFor="designer-related-columns"
        extra={t("designer.relatedColumnsHelp", { count: MAX_RELATED_COLUMNS })}
      >
        <Select
          id="designer-related-columns"
          mode="multiple"
          maxCount={MAX_RELATED_COLUMNS}
          value={list.columns}
          onChange={(columns: string[]) => onUpdateRelated(listKey, { columns })}
          options={columnOptions}
          optionFilterProp="label"
        />
      </Form.Item>
      <Button icon={<DeleteOutlined />} onClick={() => onRemoveRelated(listKey)} className={styles.paneAction}>
        {t("designer.removeRelatedShort")}
      </Button>
    </Form>
  );
}
