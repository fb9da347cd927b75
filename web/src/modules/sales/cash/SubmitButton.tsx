import { Button } from "antd";
import type { ReactNode } from "react";

/** A dialog's primary button, with a spinner while its request runs. Drawn anew when the
 * request ends: Ant Design's spinner otherwise animates out, and when that exit motion
 * never completes (seen under load) an invisible spinner keeps turning for as long as the
 * dialog stays open for a retry. */
export function SubmitButton({ busy, disabled, onClick, children }: { busy: boolean; disabled?: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <Button key={busy ? "busy" : "idle"} type="primary" loading={busy} disabled={disabled} onClick={onClick}>
      {children}
    </Button>
  );
}
