import {
  ApartmentOutlined,
  AuditOutlined,
  ClusterOutlined,
  DeleteOutlined,
  SafetyOutlined,
  TeamOutlined,
  HomeOutlined,
  LogoutOutlined,
  MenuFoldOutlined,
  MenuOutlined,
  MenuUnfoldOutlined,
  SearchOutlined,
  SettingOutlined,
  UserOutlined,
} from "@ant-design/icons";
import { Avatar, Button, Drawer, Dropdown, Grid, Layout, Menu, Result, Spin, Typography } from "antd";
import type { MenuProps } from "antd";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Outlet, useLocation, useNavigate } from "react-router-dom";
import { ApiError, onUnauthenticated } from "../../lib/api";
import { rememberLanguage } from "../../lib/i18n";
import { modulePages, type ModulePage } from "../../lib/extensions";
import { label, useModules, useObjects } from "../../lib/meta";
import { can, hasRight, useMe, useSignOut } from "../../lib/session";
import { useUsers } from "../../lib/users";
import { objectIcon } from "./icons";
import { listedObjects, navigationGroups } from "./navigation";
import { CommandPalette } from "./CommandPalette";
import { LanguageSwitch } from "./LanguageSwitch";
import { Preferences } from "./Preferences";
import { Bell } from "../notifications/Bell";
import styles from "./Shell.module.css";

const { Header, Sider, Content } = Layout;

export function Shell() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const objects = useObjects();
  const modules = useModules();
  const location = useLocation();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const screens = Grid.useBreakpoint();
  const phone = screens.md === false;
  const [collapsed, setCollapsed] = useState(false);
  const [drawer, setDrawer] = useState(false);
  const [prefs, setPrefs] = useState(false);
  const appliedLocale = useRef(false);
  // The directory's initials, so the header's avatar matches the one beside owners.
  const self = useUsers([me.data?.id]);

  // The saved language wins once per sign-in; the switch changes both afterwards.
  useEffect(() => {
    if (me.data && !appliedLocale.current) {
      appliedLocale.current = true;
      if (me.data.locale !== i18n.language) {
        rememberLanguage(me.data.locale);
        void i18n.changeLanguage(me.data.locale);
      }
    }
  }, [me.data, i18n]);

  useEffect(
    () => onUnauthenticated(() => navigate("/login", { state: { from: location.pathname } })),
    [navigate, location.pathname],
  );

  const readable = useMemo(
    () => (objects.data ?? []).filter((o) => can(me.data, "read", o.name)),
    [objects.data, me.data],
  );

  if (me.error instanceof ApiError && me.error.status === 401) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  if (me.error || objects.error) {
    return <Result status="error" title={t("common.serverError")} extra={<Button onClick={() => window.location.reload()}>{t("common.retry")}</Button>} />;
  }
  if (!me.data || !objects.data) {
    return (
      <div className={styles.loading}>
        <Spin size="large" />
      </div>
    );
  }

  const current = location.pathname.split("/")[2] ?? "";
  const pages = modulePages().filter((p) => p.visible?.(me.data) ?? true);
  const pageItem = (p: ModulePage) => {
    const Icon = p.icon;
    return { key: `page:${p.path}`, icon: Icon ? <Icon /> : undefined, label: <Link to={`/${p.path}`}>{t(p.label)}</Link> };
  };
  // Collapsed to icons, the groups keep their place but not their headings.
  const headings = !collapsed || phone;
  const groups = navigationGroups(readable, modules.data ?? [], pages);
  const items: MenuProps["items"] = [
    { key: "home", icon: <HomeOutlined />, label: <Link to="/">{t("shell.home")}</Link> },
    ...pages.filter((p) => p.group === "main").map(pageItem),
    ...groups.map((g) => ({
      type: "group" as const,
      key: g.key,
      label: headings ? (g.label ? label(g.label, i18n.language) : t("nav.custom")) : null,
      children: [
        ...g.objects.map((o) => ({
          key: o.name,
          icon: objectIcon(o.name, o.icon),
          label: <Link to={`/o/${o.name}`}>{label(o.plural_label, i18n.language)}</Link>,
        })),
        ...g.pages.map(pageItem),
      ],
    })),
    // The bin holds records of every group: set apart, so it does not read as the last one's.
    { type: "divider", key: "groups-end", className: styles.divider },
    { key: "recycle-bin", icon: <DeleteOutlined />, label: <Link to="/recycle-bin">{t("bin.title")}</Link> },
  ];
  const settings: NonNullable<MenuProps["items"]> = [];
  if (hasRight(me.data, "manage_metadata")) {
    settings.push({ key: "admin-objects", icon: <ApartmentOutlined />, label: <Link to="/admin/objects">{t("builder.objects")}</Link> });
  }
  if (hasRight(me.data, "manage_users")) {
    settings.push(
      { key: "admin-departments", icon: <ClusterOutlined />, label: <Link to="/admin/departments">{t("admin.departments")}</Link> },
      { key: "admin-users", icon: <TeamOutlined />, label: <Link to="/admin/users">{t("admin.users")}</Link> },
      { key: "admin-roles", icon: <SafetyOutlined />, label: <Link to="/admin/roles">{t("admin.roles")}</Link> },
    );
  }
  if (hasRight(me.data, "view_audit_log")) {
    settings.push({ key: "admin-audit", icon: <AuditOutlined />, label: <Link to="/admin/audit">{t("admin.audit")}</Link> });
  }
  settings.push(...pages.filter((p) => p.group === "settings").map(pageItem));
  if (settings.length) {
    items.push({ type: "group", key: "settings", label: collapsed && !phone ? null : t("shell.settings"), children: settings });
  }
  const section = location.pathname.split("/")[1] ?? "";
  const page = pages.find((p) => location.pathname === `/${p.path}` || location.pathname.startsWith(`/${p.path}/`));
  const selected = page
    ? `page:${page.path}`
    : location.pathname === "/"
      ? "home"
      : section === "admin"
        ? `admin-${current}`
        : section === "o"
          ? current
          : section;
  const navigation = (
    <Menu
      theme="dark"
      mode="inline"
      selectedKeys={[selected]}
      items={items}
      onClick={() => setDrawer(false)}
      aria-label={t("shell.navigation")}
    />
  );
  const brand = (
    <Link to="/" className={styles.brand} aria-label={collapsed && !phone ? t("app.name") : undefined}>
      <span className={styles.logo} aria-hidden="true">
        关
      </span>
      {(!collapsed || phone) && <span className={styles.brandName}>{t("app.name")}</span>}
    </Link>
  );
  const initials = (self.data?.get(me.data.id)?.initials ?? me.data.name.slice(0, 1)).slice(0, 2);

  return (
    <Layout className={styles.root}>
      {!phone && (
        <Sider collapsible collapsed={collapsed} trigger={null} width={224} className={styles.sider}>
          {brand}
          <nav>{navigation}</nav>
        </Sider>
      )}
      {phone && (
        <Drawer
          open={drawer}
          aria-label={t("shell.navigation")}
          onClose={() => setDrawer(false)}
          placement="left"
          width={264}
          styles={{ body: { padding: 0, background: "#0f1b33" }, header: { display: "none" } }}
        >
          {brand}
          <nav>{navigation}</nav>
        </Drawer>
      )}
      <Layout>
        <Header className={styles.header}>
          <Button
            type="text"
            aria-label={phone ? t("shell.openMenu") : collapsed ? t("shell.expand") : t("shell.collapse")}
            icon={phone ? <MenuOutlined /> : collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
            onClick={() => (phone ? setDrawer(true) : setCollapsed(!collapsed))}
          />
          <Button
            className={styles.search}
            icon={<SearchOutlined />}
            onClick={() => window.dispatchEvent(new CustomEvent("guanxi:search"))}
            aria-label={phone ? t("shell.search") : undefined}
          >
            {!phone && (
              <>
                <span className={styles.searchText}>{t("shell.search")}</span>
                <kbd className={styles.kbd}>Ctrl K</kbd>
              </>
            )}
          </Button>
          <div className={styles.spacer} />
          <LanguageSwitch signedIn />
          <Bell />
          <Dropdown
            trigger={["click"]}
            menu={{
              items: [
                {
                  key: "who",
                  disabled: true,
                  label: (
                    <div>
                      <Typography.Text strong>{me.data.name}</Typography.Text>
                      <br />
                      <Typography.Text type="secondary">{me.data.email}</Typography.Text>
                    </div>
                  ),
                },
                { type: "divider" },
                { key: "prefs", icon: <SettingOutlined />, label: t("prefs.title"), onClick: () => setPrefs(true) },
                { key: "signout", icon: <LogoutOutlined />, label: t("shell.signOut"), onClick: () => void signOut() },
              ],
            }}
          >
            <Button type="text" className={styles.user} >
              <Avatar size="small" style={{ background: "#1f5eff", fontSize: initials.length > 1 ? 11 : undefined }} icon={initials ? undefined : <UserOutlined />}>
                {initials}
              </Avatar>
              {/* On a phone the initials stand alone: the menu's name is read, not shown. */}
              {phone ? <span className="gx-sr-only">{t("shell.userMenu")}</span> : <span className={styles.userName}>{me.data.name}</span>}
            </Button>
          </Dropdown>
        </Header>
        <Content className={phone ? styles.contentPhone : styles.content}>
          <Outlet />
        </Content>
        <CommandPalette />
        <Preferences me={me.data} open={prefs} onClose={() => setPrefs(false)} />
        {phone && (
          <nav className={styles.bottomBar} aria-label={t("shell.quickNavigation")}>
            <Link to="/" className={selected === "home" ? styles.active : undefined}>
              <HomeOutlined />
              <span>{t("shell.home")}</span>
            </Link>
            {listedObjects(groups).slice(0, 3).map((o) => (
              <Link key={o.name} to={`/o/${o.name}`} className={selected === o.name ? styles.active : undefined}>
                {objectIcon(o.name, o.icon)}
                <span>{label(o.plural_label, i18n.language)}</span>
              </Link>
            ))}
          </nav>
        )}
      </Layout>
    </Layout>
  );
}
