import { DeleteOutlined, EditOutlined, PlusOutlined, SwapOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Breadcrumb, Button, Card, Col, Descriptions, Empty, Grid, Result, Row, Skeleton, Space, Table, Tabs, Typography } from "antd";
import { Suspense, useEffect, useState, type CSSProperties } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { FieldValue, UserChip } from "../../components/FieldValue";
import { ApiError, api, query, problemMessage } from "../../lib/api";
import { isDialogAction, recordExtras, type ActionContext, type PanelProps, type RecordAction, type RecordTab } from "../../lib/extensions";
import { formatDate, formatDateTime } from "../../lib/format";
import { label, useObject, useObjects, type FieldDef, type ObjectDef } from "../../lib/meta";
import { useLayout, type LayoutSection, type RelatedList as RelatedListDef } from "../../lib/layouts";
import { recordsKey, useRecord, type Page, type RecordData } from "../../lib/records";
import { rememberRecent } from "../../lib/recent";
import { can, useMe } from "../../lib/session";
import { useUsers } from "../../lib/users";
import { layoutFields, OWNER } from "./columns";
import { RecordForm } from "./RecordForm";
import { AttachmentsTab } from "./AttachmentsTab";
import { HistoryTab } from "./HistoryTab";
import { InlineCell } from "./InlineCell";
import type { NewRecordState } from "./NewRecordPage";
import { recordIncludes } from "./prefetch";
import { SharesTab } from "./SharesTab";
import { StagePath } from "./StagePath";
import { stageField } from "./stagePath";
import { TransferOwner } from "./TransferOwner";
import styles from "./RecordPage.module.css";

export default function RecordPage() {
  const { object: name = "", id } = useParams();
  const { t } = useTranslation();
  const object = useObject(name);
  if (object.isLoading) return <Skeleton active />;
  if (!object.data) return <Result status="404" title={t("records.noSuchObject")} />;
  return <RecordView key={`${name}/${id ?? ""}`} object={object.data} id={id ?? ""} />;
}

function RecordView({ object, id }: { object: ObjectDef; id: string }) {
  const { t, i18n } = useTranslation();
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const me = useMe();
  const lookups = recordIncludes(object);
  const record = useRecord(object.name, id, lookups);
  const [editing, setEditing] = useState(false);
  const [transferring, setTransferring] = useState(false);
  const [acting, setActing] = useState<string | null>(null);
  const layout = useLayout(object.name, "detail");
  const phone = Grid.useBreakpoint().md === false;
  const data = record.data;
  const title = data && object.name_field ? String(data[object.name_field] ?? "") : "";
  const users = useUsers([
    data?.owner_id,
    data?.created_by_id,
    data?.updated_by_id,
    ...object.fields.filter((f) => f.type === "user").map((f) => data?.[f.name]),
  ]);

  useEffect(() => {
    if (data && me.data) rememberRecent(me.data.id, { object: object.name, id: data.id, title });
  }, [data, me.data, object.name, title]);

  if (record.isLoading) return <Skeleton active paragraph={{ rows: 10 }} />;
  if (record.error || !data) {
    const missing = record.error instanceof ApiError && record.error.status === 404;
    return <Result status={missing ? "404" : "error"} title={missing ? t("records.notFound") : t("common.serverError")} />;
  }

  // What the object's module adds (actions, a notice; a record it made read-only).
  const mayChange = data._access ? data._access.update : can(me.data, "update", object.name);
  const extras = recordExtras(object.name, data, { mayUpdate: mayChange, language: i18n.language });
  const mayUpdate = mayChange && !extras.readOnly;
  const stage = stageField(object);
  const openAction = extras.actions.find((a) => a.key === acting);
  const OpenDialog = openAction && isDialogAction(openAction) ? openAction.dialog : null;
  const mayDelete = data._access ? data._access.delete : can(me.data, "delete", object.name);
  const byName = layoutFields(object);
  const highlights = (layout.data?.highlights ?? []).map((n) => byName.get(n)).filter((f): f is FieldDef => !!f && f.name !== "owner_id");

  const remove = () =>
    modal.confirm({
      title: t("records.deleteOne", { title }),
      content: t("records.deleteHint"),
      okText: t("common.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await api.delete(`/records/${object.name}/${data.id}`);
          void message.success(t("records.deleted", { count: 1 }));
          void client.invalidateQueries({ queryKey: recordsKey(object.name) });
          navigate(`/o/${object.name}`);
        } catch (error) {
          void message.error(problemMessage(error, t("common.serverError")));
        }
      },
    });

  const onSaved = (saved: RecordData) => {
    client.setQueryData(["records", object.name, "one", id, lookups], { ...data, ...saved, _related: data._related });
    void client.invalidateQueries({ queryKey: recordsKey(object.name) });
    void record.refetch();
    setEditing(false);
  };
  // A field edited in place: what the server would take, of a record the user may change.
  const inPlace = (field: FieldDef) => mayUpdate && !!field.editable?.update && !IN_FORM_ONLY.has(field.type);
  // What a module's summary or tab changes (payments on a contract) shows in the record,
  // its related lists and the timeline alike: reload all but the metadata.
  const panel: PanelProps = {
    object,
    record: data,
    mayUpdate,
    onChanged: () => void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "meta" }),
  };

  return (
    <div className={styles.page}>
      <Breadcrumb items={[{ title: <Link to={`/o/${object.name}`}>{label(object.plural_label, i18n.language)}</Link> }, { title: <span className={styles.crumb}>{title || t("common.untitled")}</span> }]} />
      <Card className={styles.header} variant="borderless">
        <div className={styles.headerTop}>
          <div className={styles.titleBlock}>
            <Typography.Text type="secondary">{label(object.label, i18n.language)}</Typography.Text>
            <Typography.Title level={2} className={styles.title}>
              {title || t("common.untitled")}
            </Typography.Title>
          </div>
          <Space wrap>
            {!editing && extras.actions.map((action) => <ActionButton key={action.key} action={action} record={data} context={{ mayUpdate, language: i18n.language }} onOpen={setActing} />)}
            {!editing &&
              extras.toolbars.map((Toolbar, index) => (
                <Suspense key={`toolbar-${String(index)}`} fallback={null}>
                  <Toolbar {...panel} />
                </Suspense>
              ))}
            {mayUpdate && !editing && (
              <Button type={extras.actions.some((a) => a.primary) ? "default" : "primary"} icon={<EditOutlined />} onClick={() => setEditing(true)}>
                {t("common.edit")}
              </Button>
            )}
            {mayUpdate && !editing && (
              <Button icon={<SwapOutlined />} onClick={() => setTransferring(true)}>
                {t("records.changeOwner")}
              </Button>
            )}
            {mayDelete && (
              <Button danger icon={<DeleteOutlined />} onClick={remove}>
                {t("common.delete")}
              </Button>
            )}
          </Space>
        </div>
        <div className={styles.highlights}>
          {highlights.map((f) => (
            <div key={f.name} className={styles.highlight}>
              <Typography.Text type="secondary" className={styles.highlightLabel}>
                {label(f.label, i18n.language)}
              </Typography.Text>
              <div>
                <FieldValue field={f} value={data[f.name]} record={data} users={users.data} />
              </div>
            </div>
          ))}
          <div className={styles.highlight}>
            <Typography.Text type="secondary" className={styles.highlightLabel}>
              {label(OWNER.label, i18n.language)}
            </Typography.Text>
            <div>
              <UserChip user={users.data?.get(data.owner_id ?? "")} />
            </div>
          </div>
        </div>
        {stage && !editing && (
          <StagePath
            object={object}
            field={stage}
            record={data}
            editable={mayUpdate && stage.editable?.update !== false}
            ends={extras.stageEnds}
            onStageAction={(value) => {
              const action = extras.stageActions.get(value);
              if (action) setActing(action.key);
              return !!action;
            }}
            onSaved={onSaved}
            onConflict={() => void record.refetch()}
          />
        )}
      </Card>
      {extras.notices.map((Notice, index) => (
        <Notice key={index} object={object} record={data} />
      ))}
      {OpenDialog && (
        <Suspense fallback={null}>
          <OpenDialog object={object} record={data} onClose={() => setActing(null)} />
        </Suspense>
      )}
      <TransferOwner
        object={object.name}
        records={transferring ? [{ id: data.id, version: data.version }] : []}
        onClose={(done) => {
          setTransferring(false);
          if (done) {
            void record.refetch();
            void client.invalidateQueries({ queryKey: recordsKey(object.name) });
          }
        }}
      />
      {editing ? (
        <RecordForm object={object} record={data} onSaved={onSaved} onCancel={() => setEditing(false)} />
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={16}>
            <Card variant="borderless">
              {extras.summaries.map((Summary, index) => (
                <Suspense key={index} fallback={<Skeleton active />}>
                  <Summary {...panel} />
                </Suspense>
              ))}
              <Tabs
                className={styles.tabs}
                tabBarGutter={phone ? 16 : undefined}
                items={[
                  ...moduleTabs(extras.tabs.filter((tab) => tab.first), panel, t),
                  {
                    key: "details",
                    label: t("records.details"),
                    children: layout.data ? (
                      <Details
                        object={object.name}
                        sections={layout.data.sections}
                        fields={byName}
                        record={data}
                        users={users.data}
                        inPlace={inPlace}
                        onSaved={onSaved}
                      />
                    ) : (
                      <Skeleton active />
                    ),
                  },
                  {
                    key: "related",
                    label: t("records.related"),
                    children: <RelatedLists lists={layout.data?.related_lists ?? []} parent={{ object: object.name, id: data.id, name: title }} />,
                  },
                  {
                    key: "attachments",
                    label: t("attachments.title"),
                    children: <AttachmentsTab object={object.name} id={data.id} mayAdd={mayUpdate} />,
                  },
                  {
                    key: "history",
                    label: t("history.title"),
                    children: <HistoryTab object={object} id={data.id} version={data.version} />,
                  },
                  {
                    key: "shares",
                    label: t("shares.title"),
                    children: <SharesTab object={object.name} id={data.id} mayShare={data._access?.share ?? false} />,
                  },
                  ...moduleTabs(extras.tabs.filter((tab) => !tab.first), panel, t),
                ]}
              />
            </Card>
          </Col>
          <Col xs={24} xl={8}>
            <Card variant="borderless" title={t("timeline.title")}>
              <Timeline object={object} id={data.id} />
            </Card>
          </Col>
        </Row>
      )}
    </div>
  );
}

/** Tabs a module contributed, each loaded when first shown. */
function moduleTabs(tabs: RecordTab[], panel: PanelProps, t: TFunction) {
  return tabs.map(({ key, label: tabLabel, component: Panel }) => ({
    key: `module-${key}`,
    label: t(tabLabel),
    children: (
      <Suspense fallback={<Skeleton active />}>
        <Panel {...panel} />
      </Suspense>
    ),
  }));
}

/** A main action a module contributed: a button opening its dialog, or a link. */
function ActionButton({ action, record, context, onOpen }: { action: RecordAction; record: RecordData; context: ActionContext; onOpen: (key: string) => void }) {
  const { t } = useTranslation();
  const Icon = action.icon;
  const icon = Icon ? <Icon /> : undefined;
  const type = action.primary ? "primary" : "default";
  if (isDialogAction(action)) {
    return (
      <Button type={type} icon={icon} onClick={() => onOpen(action.key)} data-action={action.key}>
        {t(action.label)}
      </Button>
    );
  }
  return (
    <Button type={type} icon={icon} href={action.href(record, context)} target="_blank" rel="noopener" data-action={action.key}>
      {t(action.label)}
    </Button>
  );
}

// Edited with the whole form: their widgets need the room.
const IN_FORM_ONLY = new Set(["address", "rich_text", "file", "long_text"]);

function Details({
  object,
  sections,
  fields,
  record,
  users,
  inPlace,
  onSaved,
}: {
  object: string;
  sections: LayoutSection[];
  fields: Map<string, FieldDef>;
  record: RecordData;
  users: ReturnType<typeof useUsers>["data"];
  inPlace: (field: FieldDef) => boolean;
  onSaved: (saved: RecordData) => void;
}) {
  const { i18n } = useTranslation();
  return (
    <div className={styles.details}>
      {sections.map((section) => (
        <Descriptions
          key={section.key}
          style={{ "--gx-columns": section.columns } as CSSProperties}
          title={label(section.title, i18n.language)}
          column={{ xs: 1, sm: 1, md: section.columns, lg: section.columns, xl: section.columns, xxl: section.columns }}
          size="small"
          colon={false}
          layout="vertical"
          items={section.fields
            .map((name) => fields.get(name))
            .filter((f): f is FieldDef => !!f)
            .map((f) => ({
              key: f.name,
              label: label(f.label, i18n.language),
              children: inPlace(f) ? (
                <InlineCell object={object} field={f} record={record} onSaved={onSaved}>
                  <FieldValue field={f} value={record[f.name]} record={record} users={users} full />
                </InlineCell>
              ) : (
                <FieldValue field={f} value={record[f.name]} record={record} users={users} full />
              ),
            }))}
        />
      ))}
    </div>
  );
}

interface Parent {
  object: string;
  id: string;
  name: string;
}

/** Records of other objects whose lookup points at this one, as the layout lists them. */
function RelatedLists({ lists, parent }: { lists: RelatedListDef[]; parent: Parent }) {
  const { t } = useTranslation();
  const objects = useObjects();
  if (lists.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("records.noRelated")} />;
  return (
    <Space direction="vertical" style={{ width: "100%" }} size={16}>
      {lists.map((list) => {
        const source = objects.data?.find((o) => o.name === list.object);
        return source ? <RelatedList key={`${list.object}.${list.field}`} source={source} list={list} parent={parent} /> : null;
      })}
    </Space>
  );
}

function RelatedList({ source, list, parent }: { source: ObjectDef; list: RelatedListDef; parent: Parent }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const me = useMe();
  const fields = layoutFields(source);
  const name = source.name_field;
  const columns = list.columns.map((c) => fields.get(c)).filter((f): f is FieldDef => !!f);
  const page = useQuery({
    queryKey: ["records", source.name, "related", list.field, parent.id],
    queryFn: () =>
      api.post<Page>(`/records/${source.name}/query`, {
        filter: { field: list.field, op: "eq", value: parent.id },
        limit: 5,
        with_total: true,
        sort: ["-updated_at"],
      }),
  });
  const users = useUsers((page.data?.records ?? []).map((r) => r.owner_id));
  const total = page.data?.total;
  const title = label(list.title ?? source.plural_label, i18n.language);
  // A new record here starts linked to this one, and saving comes back here.
  const mayCreate = can(me.data, "create", source.name) && source.fields.some((f) => f.name === list.field && f.editable?.create !== false);
  const create = () =>
    navigate(`/o/${source.name}/new`, {
      state: {
        prefill: { values: { [list.field]: parent.id }, related: { [list.field]: { id: parent.id, name: parent.name } } },
        returnTo: `/o/${parent.object}/${parent.id}`,
      } satisfies NewRecordState,
    });
  return (
    <div>
      <div className={styles.relatedHeader}>
        <Typography.Title level={5} className={styles.relatedTitle}>
          {title} {total !== null && total !== undefined ? `(${String(total)})` : ""}
        </Typography.Title>
        {mayCreate && total !== 0 && (
          <Button size="small" icon={<PlusOutlined />} onClick={create} aria-label={t("records.newOf", { object: label(source.label, i18n.language) })}>
            {t("records.new")}
          </Button>
        )}
      </div>
      {total === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("records.noRelatedOf", { object: title })}>
          {mayCreate && (
            <Button type="primary" icon={<PlusOutlined />} onClick={create}>
              {t("records.newOf", { object: label(source.label, i18n.language) })}
            </Button>
          )}
        </Empty>
      ) : (
        <Table<RecordData>
          size="small"
          rowKey="id"
          loading={page.isLoading}
          pagination={false}
          dataSource={page.data?.records ?? []}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: t("records.noneYet") }}
          columns={columns.map((c) => ({
            key: c.name,
            title: label(c.label, i18n.language),
            render: (_: unknown, r: RecordData) =>
              c.name === name ? (
                <Link to={`/o/${source.name}/${r.id}`}>{String(r[c.name] ?? t("common.untitled"))}</Link>
              ) : (
                <FieldValue field={c} value={r[c.name]} record={r} users={users.data} />
              ),
          }))}
        />
      )}
      {total !== null && total !== undefined && total > 5 && (
        <Link to={`/o/${source.name}`}>{t("records.viewAll")}</Link>
      )}
    </div>
  );
}

interface TimelineEntry {
  id: string;
  type: string;
  at: string;
  actor: { id: string; name: string } | null;
  changes?: { field: string; old: unknown; new: unknown }[];
  attachments?: { id: string; file: { id: string; name: string } }[];
  shared_with?: { type: "user" | "team"; id: string; name: string };
  access?: "read" | "edit";
  /** related_created: a record of `object` made pointing at this one (an account's 360 view). */
  object?: string;
  record?: { id: string; name: string | null };
}

const KNOWN = new Set(["created", "updated", "deleted", "restored", "purged", "attachment_added", "attachment_removed", "shared", "related_created"]);

/** What happened to the record, newest first, grouped by day, paged. */
function Timeline({ object, id }: { object: ObjectDef; id: string }) {
  const { t, i18n } = useTranslation();
  const objects = useObjects();
  const timeline = useInfiniteQuery({
    queryKey: ["records", object.name, "timeline", id],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<{ entries: TimelineEntry[]; next_cursor: string | null }>(
        `/records/${object.name}/${id}/timeline${query({ limit: 20, cursor: pageParam })}`,
        signal,
      ),
    getNextPageParam: (last) => last.next_cursor,
  });
  // Later features add entry types; what this screen does not know yet is skipped.
  const entries = (timeline.data?.pages.flatMap((p) => p.entries) ?? []).filter((e) => KNOWN.has(e.type));
  const fields = layoutFields(object);
  if (timeline.isLoading) return <Skeleton active />;
  if (entries.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("timeline.empty")} />;
  return (
    <div data-testid="timeline">
      {entries.map((e, index) => {
        const previous = entries[index - 1];
        const heading = !previous || formatDate(previous.at) !== formatDate(e.at) ? formatDate(e.at) : null;
        return (
          <div key={e.id} className={styles.entry}>
            {heading && <div className={styles.day}>{heading}</div>}
            <div className={styles.entryLine}>
              <Typography.Text strong>{e.actor?.name ?? t("timeline.system")}</Typography.Text>{" "}
              <Typography.Text type="secondary">
                {e.type === "shared"
                  ? t("timeline.shared", { who: e.shared_with?.name ?? "", access: t(`timeline.access.${e.access ?? "read"}`) })
                  : e.type === "related_created"
                    ? t("timeline.related_created", { object: label(objects.data?.find((o) => o.name === e.object)?.label, i18n.language) || (e.object ?? "") })
                    : t(`timeline.${e.type}`)}
              </Typography.Text>
              <Typography.Text type="secondary" className={styles.time}>
                {formatDateTime(e.at).slice(11)}
              </Typography.Text>
            </div>
            {e.type === "related_created" && e.object && e.record && (
              <div className={styles.change}>
                <Link to={`/o/${e.object}/${e.record.id}`}>{e.record.name ?? e.record.id.slice(0, 8)}</Link>
              </div>
            )}
            {e.attachments?.map((a) => (
              <div key={a.id} className={styles.change}>
                <span>{a.file.name}</span>
              </div>
            ))}
            {e.changes?.map((c) => {
              const f = fields.get(c.field);
              if (!f) return null;
              return (
                <div key={c.field} className={styles.change}>
                  <span className={styles.changeField}>{label(f.label, i18n.language)}</span>
                  {f.type === "file" ? (
                    <span>{(c.new as { name?: string } | null)?.name ?? (c.old as { name?: string } | null)?.name ?? ""}</span>
                  ) : (
                    <span>
                      <FieldValue field={f} value={c.old} /> → <FieldValue field={f} value={c.new} />
                    </span>
                  )}
                </div>
              );
            })}
          </div>
        );
      })}
      {timeline.hasNextPage && (
        <Button type="link" onClick={() => void timeline.fetchNextPage()} loading={timeline.isFetchingNextPage}>
          {t("records.loadMore")}
        </Button>
      )}
    </div>
  );
}
