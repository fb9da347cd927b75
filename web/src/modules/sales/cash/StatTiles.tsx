import type { ReactNode } from "react";
import styles from "./cash.module.css";

export interface Tile {
  key: string;
  label: string;
  value: ReactNode;
  note?: ReactNode;
  icon?: ReactNode;
  /** "danger": something is late (red, with the note saying so); "good": all settled. */
  tone?: "danger" | "good";
}

/** Compact figures in a row of tiles (a description list: each label names its value). */
export function StatTiles({ tiles, testId }: { tiles: Tile[]; testId?: string }) {
  return (
    <dl className={styles.tiles} data-testid={testId}>
      {tiles.map((tile) => (
        <div key={tile.key} className={`${styles.tile} ${tile.tone ? styles[tile.tone] : ""}`} data-tile={tile.key}>
          <dt className={styles.tileLabel}>
            {tile.icon}
            {tile.label}
          </dt>
          <dd className={styles.tileValue}>{tile.value}</dd>
          {tile.note !== undefined && <dd className={styles.tileNote}>{tile.note}</dd>}
        </div>
      ))}
    </dl>
  );
}
