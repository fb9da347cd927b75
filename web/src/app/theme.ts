import type { ThemeConfig } from "antd";

// Secondary text and links darker than Ant Design's defaults: they must pass WCAG AA
// contrast (axe-core checks it in the e2e run), on white and on the grey page background.
export const theme: ThemeConfig = {
  token: {
    colorPrimary: "#1d4ed8",
    // Ant Design derives lighter hover and active shades; white text on them fell below AA.
    colorPrimaryHover: "#1e40af",
    colorPrimaryActive: "#1e3a8a",
    colorLink: "#1d4ed8",
    colorTextSecondary: "rgba(0, 0, 0, 0.65)",
    colorTextDescription: "rgba(0, 0, 0, 0.65)",
    colorTextTertiary: "rgba(0, 0, 0, 0.62)",
    colorTextPlaceholder: "rgba(0, 0, 0, 0.58)",
    colorError: "#cf1322",
    borderRadius: 6,
    colorBgLayout: "#f5f6f8",
  },
  components: {
    Layout: { siderBg: "#0f1b33", headerBg: "#ffffff", headerPadding: "0 16px" },
    Menu: { darkItemBg: "#0f1b33", darkSubMenuItemBg: "#0b1529" },
  },
};
