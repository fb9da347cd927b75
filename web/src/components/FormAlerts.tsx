import { Alert, Button } from "antd";

interface Props {
  /** The definition moved on since it was read: offer to reload it. */
  stale: boolean;
  staleText: string;
  reloadText: string;
  onReload: () => void;
  /** The refusal's messages that name no field of the form. */
  problems: string[];
  className?: string;
}

/** Above a settings form: a stale version with its way out, and what the server refused
 * that no field of the form shows. */
export function FormAlerts({ stale, staleText, reloadText, onReload, problems, className }: Props) {
  return (
    <>
      {stale && (
        <Alert
          type="warning"
          showIcon
          role="alert"
          className={className}
          message={staleText}
          action={
            <Button size="small" onClick={onReload}>
              {reloadText}
            </Button>
          }
        />
      )}
      {problems.length > 0 && <Alert type="error" showIcon role="alert" className={className} message={problems.join(" ")} />}
    </>
  );
}
