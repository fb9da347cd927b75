import type { MouseEvent as ReactMouseEvent, ThHTMLAttributes } from "react";
import { useTranslation } from "react-i18next";
import styles from "./ListPage.module.css";

interface Props extends ThHTMLAttributes<HTMLTableCellElement> {
  width?: number;
  onResize?: (width: number) => void;
}

const MIN = 60;
const MAX = 800;

/** A table header cell with a handle on its right edge: drag it to resize the column
 * (arrow keys on the focused handle do the same, 16 px a press). */
export function ResizableTitle({ width, onResize, children, ...rest }: Props) {
  const { t } = useTranslation();
  if (!onResize || width === undefined) return <th {...rest}>{children}</th>;
  const start = (event: ReactMouseEvent) => {
    event.preventDefault();
    event.stopPropagation();
    const from = event.clientX;
    const move = (e: MouseEvent) => onResize(Math.min(MAX, Math.max(MIN, width + e.clientX - from)));
    const stop = () => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", stop);
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", stop);
  };
  return (
    <th {...rest} style={{ ...rest.style, position: "relative" }}>
      {children}
      <span
        role="separator"
        aria-orientation="vertical"
        aria-label={t("records.resizeColumn")}
        aria-valuenow={width}
        aria-valuemin={MIN}
        aria-valuemax={MAX}
        tabIndex={0}
        className={styles.resizer}
        onMouseDown={start}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
            e.preventDefault();
            onResize(Math.min(MAX, Math.max(MIN, width + (e.key === "ArrowRight" ? 16 : -16))));
          }
        }}
      />
    </th>
  );
}
