import { InputNumber } from "antd";
import { groupDecimal } from "../../../lib/format";

const SYMBOLS: Record<string, string> = { CNY: "¥", USD: "$", EUR: "€", HKD: "HK$", JPY: "¥", GBP: "£" };

interface Props {
  id?: string;
  value?: string | null;
  onChange?: (value: string | null) => void;
  currency: string;
  "aria-label"?: string;
}

/** An amount as an exact decimal string, shown with thousands separators and two
 * decimals once typed ("48,000.00": what is offered reads as money, not "48,000"). */
export function MoneyInput({ id, value, onChange, currency, ...rest }: Props) {
  return (
    <InputNumber<string>
      id={id}
      stringMode
      min="0"
      precision={2}
      value={value ?? null}
      onChange={(next) => onChange?.(next === null || next === "" ? null : String(next))}
      prefix={SYMBOLS[currency] ?? currency}
      formatter={(v, info) => {
        if (info.userTyping) return info.input.replace(/[^\d.,-]/g, "");
        return v ? groupDecimal(String(v), 2) : "";
      }}
      parser={(v) => (v ?? "").replace(/,/g, "")}
      style={{ width: "100%" }}
      className="gx-amount"
      aria-label={rest["aria-label"]}
    />
  );
}
