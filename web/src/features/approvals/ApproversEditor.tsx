import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, InputNumber, Select, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { UserSelect } from "../../components/UserSelect";
import { label, type ObjectDef } from "../../lib/meta";
import type { Role } from "../admin/api";
import { APPROVER_TYPES, type Approver, type ApproverType } from "./process";
import styles from "./approvals.module.css";

interface Props {
  object: ObjectDef | undefined;
  value: Approver[];
  onChange: (approvers: Approver[]) => void;
  /** The roles an approver may be (null: the user may not list roles). */
  roles: Role[] | null;
  /** The step's number, for the pickers' accessible names. */
  step: number;
}

function fresh(type: ApproverType): Approver {
  switch (type) {
    case "user":
      return { type, id: "" };
    case "role":
      return { type, id: "" };
    case "manager":
      return { type, levels: 1 };
    case "department_head":
      return { type };
    case "field":
      return { type, field: "owner_id" };
  }
}

/** Who approves a step: users, a role's holders, the submitter's manager N levels up, the
 * head of the submitter's department, or the user a field of the record names. */
export function ApproversEditor({ object, value, onChange, roles, step }: Props) {
  const { t, i18n } = useTranslation();
  const set = (index: number, approver: Approver) => onChange(value.map((a, i) => (i === index ? approver : a)));
  const userFields = [
    { value: "owner_id", label: t("approvals.approver.owner") },
    ...(object?.fields ?? []).filter((f) => f.type === "user" && !f.archived).map((f) => ({ value: f.name, label: label(f.label, i18n.language) })),
  ];

  const picker = (approver: Approver, index: number) => {
    const name = t("approvals.approver.pickerLabel", { n: index + 1, step });
    switch (approver.type) {
      case "user":
        return <UserSelect aria-label={name} value={approver.id || null} onChange={(id) => set(index, { type: "user", id: id ?? "" })} />;
      case "role":
        return roles ? (
          <Select
            aria-label={name}
            showSearch
            optionFilterProp="label"
            placeholder={t("approvals.approver.chooseRole")}
            value={approver.id || undefined}
            onChange={(id: string) => set(index, { type: "role", id })}
            options={roles.map((r) => ({ value: r.id, label: r.name }))}
            style={{ width: "100%" }}
          />
        ) : (
          <Typography.Text type="secondary">{t("approvals.approver.rolesHidden")}</Typography.Text>
        );
      case "manager":
        return (
          <Space>
            <InputNumber aria-label={name} min={1} max={10} precision={0} value={approver.levels} onChange={(levels) => set(index, { type: "manager", levels: levels ?? 1 })} />
            <Typography.Text type="secondary">{t("approvals.approver.levelsUp")}</Typography.Text>
          </Space>
        );
      case "department_head":
        return <Typography.Text type="secondary">{t("approvals.approver.departmentHeadHelp")}</Typography.Text>;
      case "field":
        return <Select aria-label={name} value={approver.field} onChange={(field: string) => set(index, { type: "field", field })} options={userFields} style={{ width: "100%" }} />;
    }
  };

  return (
    <div className={styles.approvers}>
      {value.map((approver, index) => (
        <div key={index} className={styles.approverRow} role="group" aria-label={t("approvals.approver.numbered", { n: index + 1 })}>
          <Select
            aria-label={t("approvals.approver.typeLabel", { n: index + 1 })}
            value={approver.type}
            onChange={(type: ApproverType) => set(index, fresh(type))}
            options={APPROVER_TYPES.map((type) => ({ value: type, label: t(`approvals.approver.types.${type}`) }))}
            className={styles.approverType}
            style={{ width: 128, flex: "none" }}
          />
          <div className={styles.approverPicker}>{picker(approver, index)}</div>
          <Button type="text" danger icon={<DeleteOutlined />} aria-label={t("approvals.approver.remove", { n: index + 1 })} onClick={() => onChange(value.filter((_, i) => i !== index))} />
        </div>
      ))}
      <Button icon={<PlusOutlined />} onClick={() => onChange([...value, fresh("user")])} disabled={value.length >= 20}>
        {t("approvals.approver.add")}
      </Button>
    </div>
  );
}
