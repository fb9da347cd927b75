import {
  AppstoreOutlined,
  BarsOutlined,
  DeleteOutlined,
  DownloadOutlined,
  EditOutlined,
  FilterOutlined,
  PlusOutlined,
  SettingOutlined,
  SwapOutlined,
} from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Badge,
  Button,
  Checkbox,
  Dropdown,
  Empty,
  Grid,
  Input,
  Popover,
  Result,
  Segmented,
  Select,
  Skeleton,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import type { TableColumnsType, TableProps } from "antd";
import type { TableRef } from "antd/es/table";
import { useEffect, useMemo, useRef, useState, type HTMLAttributes, type UIEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { FieldValue } from "../../components/FieldValue";
import { api, download, problemMessage } from "../../lib/api";
import { formatCount } from "../../lib/format";
import { label, useObject, useObjects, type FieldDef, type ObjectDef } from "../../lib/meta";
import { recordsKey, useRecordPages, type FilterTree, type RecordData } from "../../lib/records";
import { can, useMe } from "../../lib/session";
import { chosenColumns, listableFields, listParams, saveColumns } from "./columns";
import { FilterBuilder } from "./FilterBuilder";
import { InlineCell } from "./InlineCell";
import { ResizableTitle } from "./ResizableTitle";
import { MassUpdate } from "./MassUpdate";
import { Kanban } from "./Kanban";
import { fromTree, toTree, type FilterModel } from "./filters";
import { ViewBar } from "./ViewBar";
import { useViews, type SavedView } from "./views";
import { TransferOwner } from "./TransferOwner";
import { useFillHeight } from "./useFillHeight";
import styles from "./ListPage.module.css";

const SORTABLE = new Set([
  "text", "email", "phone", "url", "integer", "decimal", "percent", "currency", "date", "datetime",
  "boolean", "picklist", "auto_number", "lookup", "user",
]);

const SELECTION_WIDTH = 48;
const LIST_CHROME_PX = 136;
const PHONE_BAR_PX = 56;
const NEAR_END_PX = 240;

export default function ListPage() {
  const { object: name = "" } = useParams();
  const object = useObject(name);
  const { t } = useTranslation();
  if (object.isLoading) return <Skeleton active />;
  if (!object.data) return <Result status="404" title={t("records.noSuchObject")} />;
  return <RecordList key={name} object={object.data} />;
}

function RecordList({ object }: { object: ObjectDef }) {
  const { t, i18n } = useTranslation();
  const table = useRef<TableRef>(null);
  const revealNext = useRef<number | null>(null);
  const [above, setAbove] = useState<HTMLDivElement | null>(null);
  // Below the list: its header row, the "load more" line and the page's margin; on a
  // phone also the bottom navigation bar.
  const phone = Grid.useBreakpoint().md === false;
  const bodyHeight = useFillHeight(above, LIST_CHROME_PX + (phone ? PHONE_BAR_PX : 0));
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const me = useMe();
  const objects = useObjects();
  const [columns, setColumns] = useState(() => chosenColumns(object));
  const [widths, setWidths] = useState<Record<string, number>>({});
  const [sort, setSort] = useState<string[]>([]);
  const [search, setSearch] = useState("");
  const [filter, setFilter] = useState<FilterModel>({ join: "and", conditions: [] });
  const [selected, setSelected] = useState<string[]>([]);
  const [transferring, setTransferring] = useState(false);
  const [updating, setUpdating] = useState(false);
  const [exporting, setExporting] = useState(false);
  const picklists = object.fields.filter((f) => f.type === "picklist" && !f.archived);
  const [mode, setMode] = useState<"table" | "kanban">("table");
  const [kanbanField, setKanbanField] = useState(picklists[0]?.name ?? "");
  const fields = useMemo(() => new Map(listableFields(object).map((f) => [f.name, f])), [object]);
  const views = useViews(object.name);
  const [searchParams, setSearchParams] = useSearchParams();
  const viewId = searchParams.get("view");
  const current = views.data?.find((v) => v.id === viewId) ?? null;
  const [applied, setApplied] = useState<string | null>(null);
  // A filter the builder cannot show (a hand-made tree) is kept and applied as it is.
  const [rawFilter, setRawFilter] = useState<FilterTree | null>(null);

  const applyView = (view: SavedView | null) => {
    setApplied(view?.id ?? null);
    const model = fromTree(view?.filter ?? null);
    setFilter(model ?? { join: "and", conditions: [] });
    setRawFilter(model ? null : (view?.filter ?? null));
    setColumns(view ? view.columns.map((c) => c.field).filter((f) => fields.has(f)) : chosenColumns(object));
    setWidths(Object.fromEntries((view?.columns ?? []).filter((c) => c.width).map((c) => [c.field, c.width as number])));
    setSort(view?.sort ?? []);
    setMode(view?.kanban_field ? "kanban" : "table");
    if (view?.kanban_field) setKanbanField(view.kanban_field);
    setSelected([]);
  };
  // Opening a link to a view (?view=) applies it once its definition arrives.
  if (current && applied !== current.id) applyView(current);

  const selectView = (view: SavedView | null) => {
    applyView(view);
    setSearchParams(view ? { view: view.id } : {});
  };
  const compact = me.data?.list_density === "compact";

  const tree = useMemo<FilterTree | null>(() => {
    const parts: FilterTree[] = [];
    const built = toTree(filter);
    if (built) parts.push(built);
    if (rawFilter) parts.push(rawFilter);
    if (search.trim() && object.name_field) {
      parts.push({ field: object.name_field, op: "contains", value: search.trim() });
    }
    return parts.length === 0 ? null : parts.length === 1 ? (parts[0] ?? null) : { and: parts };
  }, [filter, rawFilter, search, object.name_field]);

  const params = listParams(fields, columns, { filter: tree, sort, limit: current?.page_size ?? 50 });
  const pages = useRecordPages(object.name, params);
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.records) ?? [], [pages.data]);
  const first = pages.data?.pages[0];
  const objectLabel = label(object.plural_label, i18n.language);
  const mayCreate = can(me.data, "create", object.name);
  const mayExport = can(me.data, "export", object.name);
  const activeFilters = toTree(filter) ? filter.conditions.length : 0;

  // Defaults that fit seven columns beside the navigation at 1440 px; wider screens
  // share the extra room out.
  const columnWidth = (name: string) => widths[name] ?? (name === object.name_field ? 240 : 130);
  // Fixed layout at the widths chosen: a long value is cut with "…" instead of widening its
  // column, and the browser lays rows out without measuring every cell.
  const tableWidth = SELECTION_WIDTH + columns.filter((c) => fields.has(c)).reduce((sum, c) => sum + columnWidth(c), 0);
  const tableColumns: TableColumnsType<RecordData> = columns
    .map((name) => fields.get(name))
    .filter((f): f is FieldDef => !!f)
    .map((field) => ({
      key: field.name,
      dataIndex: field.name,
      title: label(field.label, i18n.language),
      ellipsis: true,
      width: columnWidth(field.name),
      onHeaderCell: () =>
        ({
          width: columnWidth(field.name),
          onResize: (width: number) => setWidths((old) => ({ ...old, [field.name]: width })),
        }) as HTMLAttributes<HTMLElement>,
      align: ["integer", "decimal", "percent", "currency"].includes(field.type) ? ("right" as const) : undefined,
      sorter: SORTABLE.has(field.type),
      // Loading the next page appends rows: the rows already shown keep their cells
      // unless the record or the language changed.
      shouldCellUpdate: (record: RecordData, previous: RecordData) => record !== previous,
      sortOrder: sort[0] === field.name ? "ascend" : sort[0] === `-${field.name}` ? "descend" : null,
      render: (_: unknown, record: RecordData) =>
        field.name === object.name_field ? (
          <Link to={`/o/${object.name}/${record.id}`} className={styles.name} onMouseDown={(e) => e.preventDefault()}>
            {String(record[field.name] ?? "") || t("common.untitled")}
          </Link>
        ) : inlineEditable(field, record) ? (
          <InlineCell object={object.name} field={field} record={record} onSaved={() => void refresh()}>
            <FieldValue field={field} value={record[field.name]} record={record} />
          </InlineCell>
        ) : (
          <FieldValue field={field} value={record[field.name]} record={record} />
        ),
    }));

  // In place only what the server would take: a writable field of a record the user may change.
  const inlineEditable = (field: FieldDef, record: RecordData) =>
    !!field.editable?.update && (record._access ? record._access.update : false) && !["address", "rich_text", "file"].includes(field.type);

  // The table's rows are copies that live as long as the language: appending a page
  // keeps the copies of the rows already shown, so their cells are not drawn again.
  // (People's names update in their own cells, lib/users.ts.)
  const copies = useMemo(() => (i18n.language ? new WeakMap<RecordData, RecordData>() : null), [i18n.language]);
  const tableRows = useMemo(
    () =>
      rows.map((record) => {
        let copy = copies?.get(record);
        if (!copy) {
          copy = { ...record };
          copies?.set(record, copy);
        }
        return copy;
      }),
    [rows, copies],
  );

  // The next page comes when the body is scrolled near its end, or with the button
  // (which then shows the first of the new rows).
  const loadMore = (reveal: boolean) => {
    if (!pages.hasNextPage || pages.isFetchingNextPage) return;
    if (reveal) revealNext.current = rows.length;
    void pages.fetchNextPage();
  };
  // Once the new rows are in the table, the first of them is scrolled to the top.
  useEffect(() => {
    const first = revealNext.current;
    if (first !== null && tableRows.length > first) {
      table.current?.scrollTo({ index: first, align: "start" });
      revealNext.current = null;
    }
  }, [tableRows.length]);
  const onBodyScroll = (event: UIEvent<HTMLDivElement>) => {
    const body = event.currentTarget;
    if (body.scrollTop + body.clientHeight > body.scrollHeight - NEAR_END_PX) loadMore(false);
  };

  const onTableChange: TableProps<RecordData>["onChange"] = (_p, _f, sorter) => {
    const one = Array.isArray(sorter) ? sorter[0] : sorter;
    if (!one?.order || !one.columnKey) setSort([]);
    else setSort([`${one.order === "descend" ? "-" : ""}${String(one.columnKey)}`]);
  };

  const refresh = () => client.invalidateQueries({ queryKey: recordsKey(object.name) });

  const deleteSelected = () =>
    modal.confirm({
      title: t("records.deleteSelected", { count: selected.length }),
      content: t("records.deleteHint"),
      okText: t("common.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          const result = await api.post<{ deleted: number }>(`/records/${object.name}/bulk-delete`, {
            ids: selected,
            all_or_none: false,
          });
          void message.success(t("records.deleted", { count: result.deleted }));
        } catch (error) {
          void message.error(problemMessage(error, t("common.serverError")));
        }
        setSelected([]);
        await refresh();
      },
    });

  const exportAs = async (format: "csv" | "xlsx") => {
    setExporting(true);
    try {
      await download(
        `/records/${object.name}/export?format=${format}`,
        {
          filter: selected.length ? { field: "id", op: "in", value: selected } : tree,
          sort: sort.length ? sort : undefined,
          fields: columns,
        },
        `${object.name}.${format}`,
      );
    } catch {
      void message.error(t("records.exportFailed"));
    } finally {
      setExporting(false);
    }
  };

  const exportItems = [
    { key: "xlsx", label: t("records.exportXlsx") },
    { key: "csv", label: t("records.exportCsv") },
  ];

  const columnChooser = (
    <Checkbox.Group
      className={styles.columnList}
      value={columns}
      onChange={(values) => {
        const next = listableFields(object).map((f) => f.name).filter((n) => values.includes(n));
        setColumns(next);
        saveColumns(object.name, next);
      }}
      options={listableFields(object).map((f) => ({ value: f.name, label: label(f.label, i18n.language) }))}
    />
  );

  return (
    <div className={styles.page}>
      <div ref={setAbove} className={styles.above}>
        <div className={styles.header}>
          <Space align="baseline" size={12} wrap>
            <Typography.Title level={2} className={styles.title}>
              {objectLabel}
              {current && <span className={styles.viewName}> · {label(current.name, i18n.language)}</span>}
            </Typography.Title>
            {first?.total !== null && first?.total !== undefined && (
              <Typography.Text type="secondary" data-testid="total">
                {t("records.count", { count: first.total, formatted: formatCount(first.total, first.total_relation === "gte") })}
              </Typography.Text>
            )}
          </Space>
          {mayCreate && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(`/o/${object.name}/new`)}>
              {t("records.new")}
            </Button>
          )}
        </div>

        {selected.length > 0 ? (
          <div className={styles.toolbar} role="toolbar" aria-label={t("records.bulkActions")}>
            <Typography.Text strong>{t("records.selected", { count: selected.length })}</Typography.Text>
            {can(me.data, "update", object.name) && (
              <>
                <Button icon={<SwapOutlined />} onClick={() => setTransferring(true)}>
                  {t("records.changeOwner")}
                </Button>
                <Button icon={<EditOutlined />} onClick={() => setUpdating(true)}>
                  {t("records.massUpdate")}
                </Button>
              </>
            )}
            {mayExport && (
              <Dropdown menu={{ items: exportItems, onClick: ({ key }) => void exportAs(key as "csv" | "xlsx") }}>
                <Button icon={<DownloadOutlined />} loading={exporting}>
                  {t("records.export")}
                </Button>
              </Dropdown>
            )}
            {can(me.data, "delete", object.name) && (
              <Button danger icon={<DeleteOutlined />} onClick={deleteSelected}>
                {t("common.delete")}
              </Button>
            )}
            <Button type="link" onClick={() => setSelected([])}>
              {t("records.clearSelection")}
            </Button>
          </div>
        ) : (
          <div className={styles.toolbar}>
            <ViewBar
              object={object}
              views={views.data ?? []}
              current={current}
              state={{
                filter: toTree(filter) ?? rawFilter,
                columns: columns.map((field) => ({ field, width: widths[field] ?? null })),
                sort,
                kanban_field: mode === "kanban" ? kanbanField : null,
              }}
              onSelect={selectView}
            />
            <Input.Search
              allowClear
              className={styles.search}
              placeholder={t("records.searchPlaceholder", { object: objectLabel })}
              aria-label={t("records.quickSearch")}
              onSearch={(v) => setSearch(v)}
            />
            <Popover
              trigger="click"
              placement="bottomLeft"
              title={t("filter.title")}
              content={<FilterBuilder object={object} objects={objects.data ?? []} value={filter} onChange={setFilter} />}
            >
              <Badge count={activeFilters} size="small">
                <Button icon={<FilterOutlined />}>{t("filter.button")}</Button>
              </Badge>
            </Popover>
            {picklists.length > 0 && (
              <Segmented
                value={mode}
                onChange={(value) => setMode(value as "table" | "kanban")}
                options={[
                  { value: "table", icon: <BarsOutlined />, label: t("records.table") },
                  { value: "kanban", icon: <AppstoreOutlined />, label: t("records.kanban") },
                ]}
                aria-label={t("records.viewMode")}
              />
            )}
            {mode === "kanban" && (
              <Select
                value={kanbanField}
                onChange={setKanbanField}
                aria-label={t("records.kanbanField")}
                options={picklists.map((f) => ({ value: f.name, label: label(f.label, i18n.language) }))}
                style={{ minWidth: 140 }}
              />
            )}
            {/* Cards show no columns: the chooser is for the table. */}
            {mode === "table" && (
              <Popover trigger="click" placement="bottomLeft" title={t("records.columns")} content={columnChooser}>
                <Button icon={<SettingOutlined />} aria-label={t("records.columns")}>
                  <span className={styles.hideOnPhone}>{t("records.columns")}</span>
                </Button>
              </Popover>
            )}
            {mayExport && (
              <Dropdown menu={{ items: exportItems, onClick: ({ key }) => void exportAs(key as "csv" | "xlsx") }}>
                <Button icon={<DownloadOutlined />} loading={exporting} aria-label={t("records.export")}>
                  <span className={styles.hideOnPhone}>{t("records.export")}</span>
                </Button>
              </Dropdown>
            )}
          </div>
        )}

        {current?.filter_hidden && <Alert type="info" showIcon message={t("views.filterHidden")} />}
        {activeFilters > 0 && (
          <div className={styles.chips}>
            {filter.conditions.map((c) => {
              const [head, tail] = c.field.split(".");
              const f = fields.get(head ?? "");
              const target = tail && f?.target ? objects.data?.find((o) => o.name === f.target)?.fields.find((x) => x.name === tail) : undefined;
              const name = target ? `${label(f?.label, i18n.language)} › ${label(target.label, i18n.language)}` : label(f?.label, i18n.language);
              return (
                <Tag
                  key={c.key}
                  closable
                  onClose={() => setFilter({ ...filter, conditions: filter.conditions.filter((x) => x.key !== c.key) })}
                >
                  {name} {t(`filter.op.${c.op}`)} {c.op === "is_null" ? "" : Array.isArray(c.value) ? c.value.join(", ") : String(c.value ?? "")}
                </Tag>
              );
            })}
          </div>
        )}

      </div>
      {mode === "kanban" && fields.get(kanbanField) ? (
        <Kanban
          object={object}
          field={fields.get(kanbanField) as FieldDef}
          filter={tree}
          mayUpdate={can(me.data, "update", object.name)}
        />
      ) : pages.error ? (
        <Result
          status="warning"
          title={problemMessage(pages.error, t("common.serverError"))}
          extra={<Button onClick={() => setFilter({ join: "and", conditions: [] })}>{t("filter.clear")}</Button>}
        />
      ) : (
        <Table<RecordData>
          rowKey="id"
          size={compact ? "small" : "middle"}
          columns={tableColumns}
          dataSource={tableRows}
          loading={pages.isFetching && !pages.isFetchingNextPage && rows.length > 0}
          pagination={false}
          // Only the rows in sight are drawn: a page of 50 (or 1,000 after some scrolling)
          // costs what the 15 on screen cost. The header stays while the body scrolls.
          virtual
          ref={table}
          components={{ header: { cell: ResizableTitle } }}
          tableLayout="fixed"
          scroll={{ x: tableWidth, y: bodyHeight }}
          onScroll={onBodyScroll}
          onRow={(_record, index) => ({ "data-index": index }) as HTMLAttributes<HTMLElement>}
          onChange={onTableChange}
          rowSelection={{
            columnWidth: SELECTION_WIDTH,
            selectedRowKeys: selected,
            onChange: (keys) => setSelected(keys.map(String)),
            // A plain checkbox per row: Ant Design's costs a wrapper, a wave and its styles
            // for each of them. "Select all" in the header stays Ant Design's.
            renderCell: (checked: boolean, record: RecordData) => (
              <input
                type="checkbox"
                className={styles.rowCheck}
                checked={checked}
                aria-label={t("records.selectRow", { name: object.name_field ? String(record[object.name_field] ?? "") : record.id })}
                onChange={(event) => {
                  const on = event.target.checked;
                  setSelected((old) => (on ? [...old, record.id] : old.filter((id) => id !== record.id)));
                }}
              />
            ),
          }}
          locale={{
            emptyText: pages.isLoading ? (
              <Skeleton active paragraph={{ rows: 6 }} title={false} />
            ) : (
              <Empty
                description={tree ? t("records.noMatches") : t("records.emptyObject", { object: objectLabel })}
              >
                {!tree && mayCreate && (
                  <Button type="primary" onClick={() => navigate(`/o/${object.name}/new`)}>
                    {t("records.createFirst")}
                  </Button>
                )}
              </Empty>
            ),
          }}
        />
      )}
      {mode === "table" && pages.hasNextPage && (
        <div className={styles.more}>
          <Button data-testid="load-more" onClick={() => loadMore(true)} loading={pages.isFetchingNextPage}>
            {t("records.loadMore")}
          </Button>
          <Typography.Text type="secondary">{t("records.shown", { count: rows.length })}</Typography.Text>
        </div>
      )}
      <MassUpdate
        object={object}
        records={updating ? rows.filter((r) => selected.includes(r.id)) : []}
        onClose={(done) => {
          setUpdating(false);
          if (done) {
            setSelected([]);
            void refresh();
          }
        }}
      />
      <TransferOwner
        object={object.name}
        records={transferring ? rows.filter((r) => selected.includes(r.id)) : []}
        onClose={(done) => {
          setTransferring(false);
          if (done) {
            setSelected([]);
            void refresh();
          }
        }}
      />
    </div>
  );
}
