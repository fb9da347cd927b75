import { Form, Input, Space } from "antd";
import type { Rule } from "antd/es/form";

interface Props {
  /** Form names of the Chinese and English inputs. */
  zh: string;
  en: string;
  zhLabel: string;
  enLabel: string;
  rules?: Rule[];
}

/** A text given in both languages: the Chinese and the English input side by side. */
export function BilingualFields({ zh, en, zhLabel, enLabel, rules }: Props) {
  return (
    <Space.Compact block>
      <Form.Item name={zh} label={zhLabel} rules={rules} style={{ width: "50%" }}>
        <Input maxLength={120} />
      </Form.Item>
      <Form.Item name={en} label={enLabel} rules={rules} style={{ width: "50%" }}>
        <Input maxLength={120} />
      </Form.Item>
    </Space.Compact>
  );
}
