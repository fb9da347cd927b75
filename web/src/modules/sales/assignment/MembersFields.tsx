import { Checkbox, Form, Radio, Select, TreeSelect } from "antd";
import { useTranslation } from "react-i18next";
import { departmentTree, useDepartments, useRoles, useTeams } from "../../../features/admin/api";
import { hasRight, useMe } from "../../../lib/session";
import type { FieldPath, MemberType } from "./rules";
import { UsersMultiSelect } from "./UsersMultiSelect";

const MEMBER_TYPES: MemberType[] = ["users", "department", "role", "team"];

interface Props {
  /** Where the member fields sit, as Form.Item names them (inside a Form.List: relative). */
  name: FieldPath;
  /** The same place from the form's root, to watch the member type chosen. */
  path: FieldPath;
}

/** Who takes the records of a pool: users in the order picked, a department (optionally
 * with those under it), a role or a team. Used for the rule's own pool, each criterion's
 * and the fallback's. Roles and teams are listed for those who manage users. */
export function MembersFields({ name, path }: Props) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const me = useMe();
  const memberType = (Form.useWatch([...path, "member_type"], form) as MemberType | undefined) ?? "users";
  const listsGroups = hasRight(me.data, "manage_users");
  const departments = useDepartments();
  const roles = useRoles(listsGroups && memberType === "role");
  const teams = useTeams(listsGroups && memberType === "team");
  const required = [{ required: true, message: t("assignmentRules.membersRequired") }];
  // A role and a team are picked alike, from lists those who manage users may read.
  const group =
    memberType === "role"
      ? {
          label: t("assignmentRules.role"),
          help: t("assignmentRules.groupHelp"),
          denied: t("assignmentRules.rolesDenied"),
          placeholder: t("assignmentRules.chooseRole"),
          loading: roles.isLoading,
          options: (roles.data ?? []).map((r) => ({ value: r.id, label: r.name })),
        }
      : {
          label: t("assignmentRules.memberTypes.team"),
          help: t("assignmentCriteria.teamHelp"),
          denied: t("assignmentCriteria.teamsDenied"),
          placeholder: t("assignmentCriteria.chooseTeam"),
          loading: teams.isLoading,
          options: (teams.data ?? []).map((team) => ({ value: team.id, label: t("assignmentCriteria.teamOption", { name: team.name, count: team.active_member_count }) })),
        };

  return (
    <>
      <Form.Item name={[...name, "member_type"]} label={t("assignmentRules.memberType")}>
        <Radio.Group
          optionType="button"
          options={MEMBER_TYPES.map((m) => ({ value: m, label: t(`assignmentRules.memberTypes.${m}`) }))}
          onChange={() =>
            form.setFields([
              { name: [...path, "group_id"], value: null, errors: [] },
              { name: [...path, "user_ids"], errors: [] },
            ])
          }
        />
      </Form.Item>
      {memberType === "users" ? (
        <Form.Item
          name={[...name, "user_ids"]}
          label={t("assignmentRules.users")}
          extra={t("assignmentRules.usersHelp")}
          rules={[{ required: true, type: "array", min: 1, message: t("assignmentRules.membersRequired") }]}
        >
          <UsersMultiSelect />
        </Form.Item>
      ) : memberType === "department" ? (
        <>
          <Form.Item name={[...name, "group_id"]} label={t("assignmentRules.department")} extra={t("assignmentRules.groupHelp")} rules={required}>
            <TreeSelect
              showSearch
              treeNodeFilterProp="title"
              loading={departments.isLoading}
              treeDefaultExpandAll
              treeData={departmentTree(departments.data ?? [])}
              placeholder={t("assignmentRules.chooseDepartment")}
            />
          </Form.Item>
          <Form.Item name={[...name, "include_subdepartments"]} valuePropName="checked">
            <Checkbox>{t("assignmentRules.includeSubdepartments")}</Checkbox>
          </Form.Item>
        </>
      ) : (
        <Form.Item name={[...name, "group_id"]} label={group.label} extra={listsGroups ? group.help : group.denied} rules={required}>
          <Select showSearch optionFilterProp="label" loading={group.loading} options={group.options} placeholder={group.placeholder} />
        </Form.Item>
      )}
    </>
  );
}
