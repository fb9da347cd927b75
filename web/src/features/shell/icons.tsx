import {
  AppstoreOutlined,
  BankOutlined,
  ContactsOutlined,
  DollarOutlined,
  FileTextOutlined,
  FlagOutlined,
  ShoppingOutlined,
  TeamOutlined,
  UserAddOutlined,
} from "@ant-design/icons";
import type { ReactNode } from "react";

// Icons by object name until objects carry one of their own (the builder sets it).
const BY_NAME: Record<string, ReactNode> = {
  account: <BankOutlined />,
  contact: <ContactsOutlined />,
  lead: <UserAddOutlined />,
  opportunity: <FlagOutlined />,
  quote: <FileTextOutlined />,
  contract: <FileTextOutlined />,
  payment: <DollarOutlined />,
  product: <ShoppingOutlined />,
  team: <TeamOutlined />,
};

export function objectIcon(name: string): ReactNode {
  return BY_NAME[name] ?? <AppstoreOutlined />;
}
