import { DndContext, PointerSensor, KeyboardSensor, useDraggable, useDroppable, useSensor, useSensors, type DragEndEvent } from "@dnd-kit/core";
import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { App, Avatar, Button, Empty, Skeleton, Typography } from "antd";
import type { CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { optionColor } from "../../components/FieldValue";
import { ApiError, api } from "../../lib/api";
import { formatDate, formatInteger, formatMoney } from "../../lib/format";
import { label, type FieldDef, type ObjectDef } from "../../lib/meta";
import { ifMatch, recordsKey, type FilterTree, type Page, type RecordData } from "../../lib/records";
import { useUsers, type DirectoryUser } from "../../lib/users";
import { useStageFields } from "./StageFields";
import styles from "./Kanban.module.css";

const PER_COLUMN = 20;
const NONE = "__none__";

interface Props {
  object: ObjectDef;
  field: FieldDef;
  filter: FilterTree | null;
  mayUpdate: boolean;
}

interface Group {
  key: (string | null)[];
  values: Record<string, number | string | null>;
}

function both(a: FilterTree | null, b: FilterTree): FilterTree {
  return a ? { and: [a, b] } : b;
}

function columnFilter(field: string, value: string): FilterTree {
  return value === NONE ? { field, op: "is_null", value: true } : { field, op: "eq", value };
}

/** A board over a picklist: a column per option in order, counts and sums from the
 * aggregate endpoint, cards dragged between columns to change the record (optimistic,
 * rolled back with a message when the server refuses). When the refusal names fields the
 * new column needs (a lost deal's reason), the card goes back and a dialog asks for them,
 * as the record page's stage path does; the card moves once the move with them succeeds. */
export function Kanban({ object, field, filter, mayUpdate }: Props) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const amount = object.fields.find((f) => f.type === "currency" && !f.archived);
  const dateField = object.fields.find((f) => f.type === "date" && !f.archived);
  const columns = [...(field.options ?? []).filter((o) => o.active).map((o) => o.value), NONE];
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 6 } }), useSensor(KeyboardSensor));

  const totalsKey = ["records", object.name, "aggregate", field.name, filter, amount?.name] as const;
  const totals = useQuery({
    queryKey: totalsKey,
    queryFn: () =>
      api.post<{ groups: Group[] }>(`/records/${object.name}/aggregate`, {
        filter,
        group_by: [{ field: field.name }],
        measures: [{ op: "count" }, ...(amount ? [{ op: "sum", field: amount.name }] : [])],
      }),
  });
  const byKey = new Map((totals.data?.groups ?? []).map((g) => [g.key[0] ?? NONE, g.values]));
  const cardsKey = (column: string) => [...recordsKey(object.name), "kanban", field.name, column, filter] as const;
  const ask = useStageFields(object, field.name);
  const title = (value: string) => {
    const option = field.options?.find((o) => o.value === value);
    return option ? label(option.label, i18n.language) : t("kanban.noValue");
  };
  const refusal = (error: unknown) =>
    error instanceof ApiError && error.status === 412
      ? t("kanban.conflict")
      : error instanceof ApiError
        ? (error.problem.errors?.map((e) => e.message).join("; ") ?? error.message)
        : t("common.serverError");

  /** Put the moved card in its new column (once the server took the move) and count it. */
  const place = (card: RecordData, from: string, to: string, saved: RecordData) => {
    client.setQueryData<InfiniteData<Page>>(cardsKey(from), (old) =>
      old && { ...old, pages: old.pages.map((p) => ({ ...p, records: p.records.filter((r) => r.id !== card.id) })) },
    );
    client.setQueryData<InfiniteData<Page>>(cardsKey(to), (old) =>
      old && { ...old, pages: old.pages.map((p, i) => (i === 0 ? { ...p, records: [{ ...card, ...saved }, ...p.records.filter((r) => r.id !== card.id)] } : p)) },
    );
    client.setQueryData<{ groups: Group[] }>(totalsKey, (old) => old && shiftTotals(old, from, to, card, amount));
    void client.invalidateQueries({ queryKey: totalsKey });
  };

  /** The move again, with the fields the dialog asked for; the card waits in its column. */
  const retry = async (card: RecordData, from: string, to: string, extra: Record<string, unknown>): Promise<boolean> => {
    try {
      const saved = await api.patch<RecordData>(`/records/${object.name}/${card.id}`, { ...extra, [field.name]: to === NONE ? null : to }, ifMatch(card.version));
      place(card, from, to, saved);
      return true;
    } catch (error) {
      if (ask.offer(error, to, title(to), (more) => retry(card, from, to, more))) return false;
      if (error instanceof ApiError && error.status === 412) ask.close();
      void message.error(t("kanban.notMoved", { reason: refusal(error) }));
      return false;
    }
  };

  const onDragEnd = async ({ active, over }: DragEndEvent) => {
    if (!over) return;
    const [from, id] = String(active.id).split("|");
    const to = String(over.id);
    if (!from || !id || from === to) return;
    const source = client.getQueryData<InfiniteData<Page>>(cardsKey(from));
    const card = source?.pages.flatMap((p) => p.records).find((r) => r.id === id);
    if (!card) return;
    const moved: RecordData = { ...card, [field.name]: to === NONE ? null : to };
    const snapshot = { from: source, to: client.getQueryData<InfiniteData<Page>>(cardsKey(to)), totals: client.getQueryData(totalsKey) };
    // Move it at once; the server's answer confirms or undoes it.
    client.setQueryData<InfiniteData<Page>>(cardsKey(from), (old) =>
      old && { ...old, pages: old.pages.map((p) => ({ ...p, records: p.records.filter((r) => r.id !== id) })) },
    );
    client.setQueryData<InfiniteData<Page>>(cardsKey(to), (old) =>
      old && { ...old, pages: old.pages.map((p, i) => (i === 0 ? { ...p, records: [moved, ...p.records] } : p)) },
    );
    client.setQueryData<{ groups: Group[] }>(totalsKey, (old) => old && shiftTotals(old, from, to, card, amount));
    try {
      const saved = await api.patch<RecordData>(`/records/${object.name}/${id}`, { [field.name]: to === NONE ? null : to }, ifMatch(card.version));
      client.setQueryData<InfiniteData<Page>>(cardsKey(to), (old) =>
        old && { ...old, pages: old.pages.map((p) => ({ ...p, records: p.records.map((r) => (r.id === id ? { ...r, ...saved } : r)) })) },
      );
      void client.invalidateQueries({ queryKey: totalsKey });
    } catch (error) {
      client.setQueryData(cardsKey(from), snapshot.from);
      client.setQueryData(cardsKey(to), snapshot.to);
      client.setQueryData(totalsKey, snapshot.totals);
      if (ask.offer(error, to, title(to), (extra) => retry(card, from, to, extra))) return;
      void message.error(t("kanban.notMoved", { reason: refusal(error) }));
    }
  };

  return (
    <DndContext sensors={sensors} onDragEnd={(event) => void onDragEnd(event)}>
      <div className={styles.board} data-testid="kanban">
        {columns.map((value) => {
          const option = field.options?.find((o) => o.value === value);
          const values = byKey.get(value);
          return (
            <Column
              key={value}
              id={value}
              title={title(value)}
              color={option ? optionColor(field, value) : "#9ca3af"}
              count={totals.data ? Number(values?.count ?? 0) : null}
              sum={amount && totals.data ? formatMoney(String(values?.[`sum_${amount.name}`] ?? "0"), amount.currency, 0) : null}
              queryKey={cardsKey(value)}
              object={object}
              filter={both(filter, columnFilter(field.name, value))}
              amount={amount}
              dateField={dateField}
              draggable={mayUpdate}
            />
          );
        })}
      </div>
      {ask.dialog}
    </DndContext>
  );
}

function shiftTotals(old: { groups: Group[] }, from: string, to: string, card: RecordData, amount: FieldDef | undefined) {
  const money = amount ? Number((card[amount.name] as { amount?: string } | null)?.amount ?? 0) : 0;
  const sumKey = amount ? `sum_${amount.name}` : "";
  const groups = old.groups.map((g) => ({ ...g, values: { ...g.values } }));
  const find = (key: string) => {
    let group = groups.find((g) => (g.key[0] ?? NONE) === key);
    if (!group) {
      group = { key: [key === NONE ? null : key], values: { count: 0, ...(amount ? { [sumKey]: "0" } : {}) } };
      groups.push(group);
    }
    return group;
  };
  const source = find(from);
  const target = find(to);
  source.values.count = Number(source.values.count ?? 0) - 1;
  target.values.count = Number(target.values.count ?? 0) + 1;
  if (amount) {
    source.values[sumKey] = String(Number(source.values[sumKey] ?? 0) - money);
    target.values[sumKey] = String(Number(target.values[sumKey] ?? 0) + money);
  }
  return { groups };
}

interface ColumnProps {
  id: string;
  title: string;
  color: string;
  count: number | null;
  sum: string | null;
  queryKey: readonly unknown[];
  object: ObjectDef;
  filter: FilterTree;
  amount: FieldDef | undefined;
  dateField: FieldDef | undefined;
  draggable: boolean;
}

function Column({ id, title, color, count, sum, queryKey, object, filter, amount, dateField, draggable }: ColumnProps) {
  const { t } = useTranslation();
  const { setNodeRef, isOver } = useDroppable({ id });
  const cards = useInfiniteQuery({
    queryKey,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.post<Page>(`/records/${object.name}/query`, { filter, limit: PER_COLUMN, cursor: pageParam ?? undefined, sort: ["-updated_at"] }),
    getNextPageParam: (last) => last.next_cursor,
  });
  const records = cards.data?.pages.flatMap((p) => p.records) ?? [];
  const users = useUsers(records.map((r) => r.owner_id));
  return (
    <section
      ref={setNodeRef}
      className={`${styles.column} ${isOver ? styles.over : ""}`}
      aria-label={title}
      data-testid={`kanban-column-${id}`}
      style={{ "--gx-column": color } as CSSProperties}
    >
      <header className={styles.columnHeader}>
        <div className={styles.columnTitle}>
          <span className={styles.dot} aria-hidden="true" />
          <Typography.Text strong ellipsis>
            {title}
          </Typography.Text>
          <span className={styles.count} data-testid="kanban-count">
            {count === null ? "…" : formatInteger(count)}
          </span>
        </div>
        {sum !== null && (
          <div className={`${styles.sum} gx-amount`} data-testid="kanban-sum">
            {sum}
          </div>
        )}
      </header>
      <div className={styles.cards}>
        {cards.isLoading && <Skeleton active paragraph={{ rows: 3 }} title={false} />}
        {!cards.isLoading && records.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("kanban.empty")} />}
        {records.map((record) => (
          <Card
            key={record.id}
            column={id}
            record={record}
            object={object}
            amount={amount}
            dateField={dateField}
            owner={users.data?.get(record.owner_id ?? "")}
            draggable={draggable}
          />
        ))}
        {cards.hasNextPage && (
          <Button type="link" block onClick={() => void cards.fetchNextPage()} loading={cards.isFetchingNextPage}>
            {t("records.loadMore")}
          </Button>
        )}
      </div>
    </section>
  );
}

interface CardProps {
  column: string;
  record: RecordData;
  object: ObjectDef;
  amount: FieldDef | undefined;
  dateField: FieldDef | undefined;
  owner: DirectoryUser | undefined;
  draggable: boolean;
}

function Card({ column, record, object, amount, dateField, owner, draggable }: CardProps) {
  const { t } = useTranslation();
  // A group, not dnd-kit's default button: the card holds a link to the record, and a
  // button may not contain another control (screen readers would not reach the link).
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({
    id: `${column}|${record.id}`,
    disabled: !draggable,
    attributes: { role: "group" },
  });
  const title = object.name_field ? String(record[object.name_field] ?? "") : "";
  const money = amount ? (record[amount.name] as { amount: string; currency: string | null } | null) : null;
  const day = dateField ? (record[dateField.name] as string | null) : null;
  return (
    <article
      ref={setNodeRef}
      className={`${styles.card} ${isDragging ? styles.dragging : ""}`}
      style={transform ? { transform: `translate3d(${String(transform.x)}px, ${String(transform.y)}px, 0)` } : undefined}
      data-testid="kanban-card"
      {...attributes}
      {...listeners}
    >
      <Link to={`/o/${object.name}/${record.id}`} className={styles.cardTitle}>
        {title || t("common.untitled")}
      </Link>
      <div className={styles.cardMeta}>
        {money && <span className="gx-amount">{formatMoney(money.amount, money.currency ?? amount?.currency)}</span>}
        {day && <span>{formatDate(day)}</span>}
        {owner && (
          <span className={styles.owner} title={owner.name}>
            <Avatar size={22} style={{ background: "#475569", fontSize: 11 }}>
              {owner.initials.slice(0, 2)}
            </Avatar>
          </span>
        )}
      </div>
    </article>
  );
}
