/** The administration API (/api/v1/admin/…): departments, users, roles and the audit log. */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, query } from "../../lib/api";

export interface Department {
  id: string;
  name: string;
  parent_id: string | null;
  head_id: string | null;
  depth: number;
}

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  locale: string;
  time_zone: string;
  active: boolean;
  is_admin: boolean;
  department_id: string | null;
  manager_id: string | null;
  roles: { id: string; name: string }[];
  two_factor: boolean;
  locked_until: string | null;
}

/** Per object: which operations the role grants, and the one data scope they reach. */
export type ObjectGrant = Partial<Record<Operation, boolean>> & { scope?: Scope };

export interface Role {
  id: string;
  name: string;
  description: string | null;
  objects: Record<string, ObjectGrant>;
  /** "object.field" → hidden | read_only (a field not named may be edited). */
  fields: Record<string, FieldLevel>;
  rights: string[];
  require_2fa: boolean;
}

export interface AuditEntry {
  id: number;
  at: string;
  action: string;
  actor_id: string | null;
  target: string | null;
  ip: string | null;
  user_agent: string | null;
  details: unknown;
}

// The server's vocabulary (platform/access/policy.py).
export const OPERATIONS = ["read", "create", "update", "delete", "import", "export"] as const;
export type Operation = (typeof OPERATIONS)[number];
export const SCOPES = ["own", "own_and_subordinates", "department", "department_and_children", "all"] as const;
export type Scope = (typeof SCOPES)[number];
export const FIELD_LEVELS = ["edit", "read_only", "hidden"] as const;
export type FieldLevel = Exclude<(typeof FIELD_LEVELS)[number], "edit">;
export const RIGHTS = ["manage_metadata", "manage_users", "manage_automation", "view_audit_log", "transfer_records"] as const;

export const DEPARTMENTS_KEY = ["admin", "departments"] as const;
export const ROLES_KEY = ["admin", "roles"] as const;
export const USERS_KEY = ["admin", "users"] as const;
export const AUDIT_KEY = ["admin", "audit"] as const;

export function useDepartments() {
  return useQuery({
    queryKey: DEPARTMENTS_KEY,
    queryFn: ({ signal }) => api.get<{ departments: Department[] }>("/admin/departments", signal).then((r) => r.departments),
  });
}

export function useRoles(enabled = true) {
  return useQuery({
    queryKey: ROLES_KEY,
    enabled,
    queryFn: ({ signal }) => api.get<{ roles: Role[] }>("/admin/roles", signal).then((r) => r.roles),
  });
}

/** A team (GET /admin/teams): its members by user id, the order it takes turns in. */
export interface Team {
  id: string;
  name: string;
  member_ids: string[];
  active_member_count: number;
}

export const TEAMS_KEY = ["admin", "teams"] as const;

/** Teams, for those who manage users (as roles are). */
export function useTeams(enabled = true) {
  return useQuery({
    queryKey: TEAMS_KEY,
    enabled,
    queryFn: ({ signal }) => api.get<{ teams: Team[] }>("/admin/teams", signal).then((r) => r.teams),
  });
}

export interface UserFilters {
  q?: string;
  department_id?: string;
  active?: boolean;
  role_id?: string;
}

export function useAdminUsers(filters: UserFilters) {
  return useInfiniteQuery({
    queryKey: [...USERS_KEY, filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<{ users: AdminUser[]; next_cursor: string | null }>(
        `/admin/users${query({ ...filters, limit: 50, cursor: pageParam })}`,
        signal,
      ),
    getNextPageParam: (page) => page.next_cursor,
  });
}

export interface AuditFilters {
  action?: string;
  actor_id?: string;
  since?: string;
  until?: string;
}

export function useAudit(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: [...AUDIT_KEY, filters],
    initialPageParam: null as number | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<{ entries: AuditEntry[]; next_before_id: number | null }>(
        `/admin/audit${query({ ...filters, limit: 50, before_id: pageParam })}`,
        signal,
      ),
    getNextPageParam: (page) => page.next_before_id,
  });
}

export interface TreeNode {
  key: string;
  title: string;
  value: string;
  children: TreeNode[];
}

/** Departments (in path order, parents first) as a tree for AntD Tree and TreeSelect. */
export function departmentTree(departments: Department[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  const roots: TreeNode[] = [];
  for (const d of departments) nodes.set(d.id, { key: d.id, value: d.id, title: d.name, children: [] });
  for (const d of departments) {
    const node = nodes.get(d.id);
    if (!node) continue;
    const parent = d.parent_id ? nodes.get(d.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}
