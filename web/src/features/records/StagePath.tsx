import { CheckOutlined } from "@ant-design/icons";
import { App } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, problemMessage } from "../../lib/api";
import { label, type FieldDef, type ObjectDef } from "../../lib/meta";
import { ifMatch, type RecordData } from "../../lib/records";
import { useStageFields } from "./StageFields";
import { stageSteps } from "./stagePath";
import styles from "./StagePath.module.css";

interface Props {
  object: ObjectDef;
  field: FieldDef;
  record: RecordData;
  /** Whether steps may be clicked (the user may change the field on this record). */
  editable: boolean;
  /** Steps performed by an action instead of a plain change: clicking opens it. */
  onStageAction?: (value: string) => boolean;
  /** Alternative outcomes (won / lost): reaching one does not pass the others. */
  ends?: readonly string[];
  onSaved: (record: RecordData) => void;
  /** The record changed meanwhile (412): the page shows the current version. */
  onConflict?: () => void;
}

/** The stage path under a record's header: the field's options as steps, the current one
 * marked; clicking another step moves the record there (at the version shown). When the
 * server wants more for that step (e.g. a lost deal's reason: 422 naming the fields), a
 * small dialog asks for exactly those fields and the move is tried again with them. */
export function StagePath({ object, field, record, editable, onStageAction, ends, onSaved, onConflict }: Props) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const ask = useStageFields(object, field.name);
  const steps = stageSteps(field, record[field.name], ends);
  const nav = useRef<HTMLElement>(null);
  // A path wider than the screen (a phone) shows the current step, not just the first ones.
  useEffect(() => {
    const box = nav.current;
    const current = box?.querySelector("[aria-current=step]");
    if (!box || !current || box.scrollWidth <= box.clientWidth) return;
    const outer = box.getBoundingClientRect();
    const inner = current.getBoundingClientRect();
    box.scrollLeft += inner.left - outer.left - (outer.width - inner.width) / 2;
  }, [record.version]);
  const title = (value: string) => label(field.options?.find((o) => o.value === value)?.label, i18n.language);

  const move = async (value: string, extra: Record<string, unknown> = {}): Promise<boolean> => {
    setBusy(value);
    try {
      const saved = await api.patch<RecordData>(`/records/${object.name}/${record.id}`, { ...extra, [field.name]: value }, ifMatch(record.version));
      void message.success(t("stagePath.moved", { stage: title(value) }));
      ask.close();
      onSaved(saved);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        void message.error(t("stagePath.conflict"));
        ask.close();
        onConflict?.();
        return false;
      }
      if (ask.offer(error, value, title(value), (more) => move(value, more))) return false;
      void message.error(t("stagePath.notMoved", { reason: problemMessage(error, t("common.serverError")) }));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const click = (value: string) => {
    if (onStageAction?.(value)) return;
    void move(value);
  };

  return (
    <nav
      ref={nav}
      className={styles.path}
      aria-label={label(field.label, i18n.language)}
      data-testid="stage-path"
      // On a phone the path scrolls sideways; without buttons in it, the keyboard needs a stop.
      tabIndex={editable ? undefined : 0}
    >
      <ol className={styles.steps}>
        {steps.map((step) => {
          const text = title(step.value);
          const content = (
            <>
              {step.state === "done" && <CheckOutlined aria-hidden className={styles.check} />}
              <span className={styles.label}>{busy === step.value ? t("stagePath.moving") : text}</span>
              {step.state === "current" && <span className={styles.srOnly}>{` (${t("stagePath.currentShort")})`}</span>}
            </>
          );
          return (
            <li key={step.value} className={`${styles.step} ${styles[step.state] ?? ""}`} aria-current={step.state === "current" ? "step" : undefined}>
              {editable && step.state !== "current" ? (
                <button
                  type="button"
                  className={styles.button}
                  aria-disabled={busy !== null}
                  onClick={() => busy === null && click(step.value)}
                  title={t("stagePath.moveTo", { stage: text })}
                  data-value={step.value}
                >
                  {content}
                </button>
              ) : (
                <span className={styles.button} data-value={step.value}>
                  {content}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      {ask.dialog}
    </nav>
  );
}
