import {
  AppstoreOutlined,
  BankOutlined,
  BookOutlined,
  CalendarOutlined,
  CarOutlined,
  ContactsOutlined,
  CustomerServiceOutlined,
  DollarOutlined,
  FileTextOutlined,
  FlagOutlined,
  GiftOutlined,
  HomeOutlined,
  PhoneOutlined,
  ProjectOutlined,
  RocketOutlined,
  ShopOutlined,
  ShoppingOutlined,
  StarOutlined,
  TagsOutlined,
  TeamOutlined,
  ToolOutlined,
  TrophyOutlined,
  UserAddOutlined,
} from "@ant-design/icons";
import type { ReactNode } from "react";

/** The icons an administrator may give an object (the names the API stores). */
export const ICONS: Record<string, ReactNode> = {
  app: <AppstoreOutlined />,
  bank: <BankOutlined />,
  book: <BookOutlined />,
  calendar: <CalendarOutlined />,
  car: <CarOutlined />,
  contacts: <ContactsOutlined />,
  service: <CustomerServiceOutlined />,
  money: <DollarOutlined />,
  document: <FileTextOutlined />,
  flag: <FlagOutlined />,
  gift: <GiftOutlined />,
  home: <HomeOutlined />,
  phone: <PhoneOutlined />,
  project: <ProjectOutlined />,
  rocket: <RocketOutlined />,
  shop: <ShopOutlined />,
  product: <ShoppingOutlined />,
  star: <StarOutlined />,
  tags: <TagsOutlined />,
  team: <TeamOutlined />,
  tool: <ToolOutlined />,
  trophy: <TrophyOutlined />,
  lead: <UserAddOutlined />,
};

// Standard objects declared before objects had icons.
const BY_NAME: Record<string, string> = {
  account: "bank",
  contact: "contacts",
  lead: "lead",
  opportunity: "flag",
  quote: "document",
  contract: "document",
  payment: "money",
  product: "product",
};

export function objectIcon(name: string, icon?: string | null): ReactNode {
  return ICONS[icon ?? BY_NAME[name] ?? "app"] ?? ICONS.app;
}
