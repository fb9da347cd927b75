import { Cascader, Input, Space } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

export interface Address {
  country?: string | null;
  province?: string | null;
  city?: string | null;
  district?: string | null;
  street?: string | null;
  postcode?: string | null;
}

interface AreaOption {
  value: string;
  label: string;
  children?: AreaOption[];
}

let areas: Promise<AreaOption[]> | null = null;

/** China's provinces → cities → districts, loaded on first use (its own chunk). */
function loadAreas(): Promise<AreaOption[]> {
  areas ??= import("@vant/area-data").then(({ useCascaderAreaData }) => {
    const convert = (options: { text: string; children?: { text: string; children?: unknown[] }[] }[]): AreaOption[] =>
      options.map((o) => ({
        value: o.text,
        label: o.text,
        children: o.children ? convert(o.children as never) : undefined,
      }));
    return convert(useCascaderAreaData() as never);
  });
  return areas;
}

interface Props {
  value?: Address | null;
  onChange?: (value: Address | null) => void;
  id?: string;
}

/** Province / city / district pickers for China, then street and postcode. */
export function AddressInput({ value, onChange, id }: Props) {
  const { t } = useTranslation();
  const [options, setOptions] = useState<AreaOption[]>([]);
  useEffect(() => {
    let live = true;
    void loadAreas().then((loaded) => live && setOptions(loaded));
    return () => {
      live = false;
    };
  }, []);
  const current = value ?? {};
  const change = (patch: Partial<Address>) => {
    const next = { country: "CN", ...current, ...patch };
    const empty = !next.province && !next.city && !next.district && !next.street && !next.postcode;
    onChange?.(empty ? null : next);
  };
  const path = [current.province, current.city, current.district].filter((p): p is string => !!p);
  return (
    <Space direction="vertical" style={{ width: "100%" }} size={8}>
      <Cascader
        id={id}
        aria-label={t("address.region")}
        options={options}
        value={path}
        changeOnSelect
        showSearch
        placeholder={t("address.region")}
        onChange={(parts) => {
          const [province, city, district] = (parts ?? []) as string[];
          change({ province: province ?? null, city: city ?? null, district: district ?? null });
        }}
        style={{ width: "100%" }}
      />
      <Space.Compact style={{ width: "100%" }}>
        <Input
          aria-label={t("address.street")}
          placeholder={t("address.street")}
          value={current.street ?? ""}
          onChange={(e) => change({ street: e.target.value || null })}
          style={{ width: "70%" }}
        />
        <Input
          aria-label={t("address.postcode")}
          placeholder={t("address.postcode")}
          value={current.postcode ?? ""}
          onChange={(e) => change({ postcode: e.target.value || null })}
          style={{ width: "30%" }}
        />
      </Space.Compact>
    </Space>
  );
}
