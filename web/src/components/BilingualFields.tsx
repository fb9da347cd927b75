import { Form, Input } from "antd";
import type { Rule } from "antd/es/form";

interface Props {
  /** Form names of the Chinese and English inputs. */
  zh: string;
  en: string;
  zhLabel: string;
  enLabel: string;
  rules?: Rule[];
}

/** A text given in both languages: the Chinese and the English input side by side, apart. */
export function BilingualFields({ zh, en, zhLabel, enLabel, rules }: Props) {
  return (
    <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(160px, 1fr))", columnGap: 12 }}>
      <Form.Item name={zh} label={zhLabel} rules={rules}>
        <Input maxLength={120} />
      </Form.Item>
      <Form.Item name={en} label={enLabel} rules={rules}>
        <Input maxLength={120} />
      </Form.Item>
    </div>
  );
}

/** The rule for a name in two languages: one of the two is enough. */
export function eitherLanguage(zh: string, en: string, message: string): Rule {
  return ({ getFieldValue }) => ({
    validator: () => (String(getFieldValue(zh) ?? "").trim() || String(getFieldValue(en) ?? "").trim() ? Promise.resolve() : Promise.reject(new Error(message))),
  });
}
