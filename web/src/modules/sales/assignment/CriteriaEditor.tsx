import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Empty, Form, Radio, Space, Switch, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { useObjects } from "../../../lib/meta";
import styles from "./assignment.module.css";
import { MembersFields } from "./MembersFields";
import { OpenFilter } from "./OpenFilter";
import { conditionOf, newCriterion, type CriterionValues, type FieldPath, type PoolStrategy } from "./rules";

const POOL_STRATEGIES: PoolStrategy[] = ["round_robin", "load_balanced"];

/** A pool's strategy, its open records when fewest open, and its members. */
function PoolFields({ name, path, object }: { name: FieldPath; path: FieldPath; object: string }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const strategy = Form.useWatch([...path, "strategy"], form) as PoolStrategy | undefined;
  return (
    <>
      <Form.Item name={[...name, "strategy"]} label={t("assignmentRules.strategy")}>
        <Radio.Group optionType="button" options={POOL_STRATEGIES.map((s) => ({ value: s, label: t(`assignmentRules.strategies.${s}`) }))} />
      </Form.Item>
      {strategy === "load_balanced" && (
        <Form.Item name={[...name, "open_filter"]} label={t("assignmentRules.openCondition")} extra={t("assignmentRules.openHelp")}>
          <OpenFilter object={object} />
        </Form.Item>
      )}
      <MembersFields name={name} path={path} />
    </>
  );
}

/** A rule by criteria: criteria tried in order, the first a record meets deciding who
 * takes it, each with its own strategy and members; then the fallback for the rest. */
export function CriteriaEditor({ object }: { object: string }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const objects = useObjects();
  const def = objects.data?.find((o) => o.name === object);
  const fallbackOn = Form.useWatch("fallback_on", form) as boolean | undefined;

  return (
    <>
      <Typography.Paragraph type="secondary">{t("assignmentCriteria.help")}</Typography.Paragraph>
      <Form.List
        name="criteria"
        rules={[
          {
            validator: async (_, criteria?: CriterionValues[]) => {
              if (!criteria?.length) throw new Error(t("assignmentCriteria.required"));
            },
          },
        ]}
      >
        {(fields, { add, remove, move }, { errors }) => (
          <div className={styles.criteria}>
            {fields.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("assignmentCriteria.none")} />}
            {fields.map((field, index) => {
              const title = t("assignmentCriteria.numbered", { n: index + 1 });
              return (
                <Card
                  key={field.key}
                  size="small"
                  role="group"
                  aria-label={title}
                  title={title}
                  extra={
                    <Space size={4}>
                      <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => move(index, index - 1)} aria-label={t("assignmentCriteria.up", { n: index + 1 })} />
                      <Button
                        size="small"
                        type="text"
                        icon={<ArrowDownOutlined />}
                        disabled={index === fields.length - 1}
                        onClick={() => move(index, index + 1)}
                        aria-label={t("assignmentCriteria.down", { n: index + 1 })}
                      />
                      <Button size="small" type="text" danger icon={<DeleteOutlined />} onClick={() => remove(index)} aria-label={t("assignmentCriteria.remove", { n: index + 1 })} />
                    </Space>
                  }
                >
                  <Form.Item
                    name={[field.name, "condition"]}
                    label={t("assignmentCriteria.condition")}
                    extra={t("assignmentCriteria.conditionHelp")}
                    rules={[
                      {
                        validator: async () => {
                          const criterion = form.getFieldValue(["criteria", field.name]) as CriterionValues;
                          if (!conditionOf(criterion)) throw new Error(t("assignmentCriteria.conditionRequired"));
                        },
                      },
                    ]}
                  >
                    <OpenFilter object={object} kept={t("assignmentCriteria.conditionKept")} />
                  </Form.Item>
                  <PoolFields name={[field.name]} path={["criteria", field.name]} object={object} />
                </Card>
              );
            })}
            <Form.ErrorList errors={errors} />
            <Button icon={<PlusOutlined />} onClick={() => add(newCriterion(def, object))} disabled={fields.length >= 50}>
              {t("assignmentCriteria.add")}
            </Button>
          </div>
        )}
      </Form.List>
      <Card size="small" role="group" aria-label={t("assignmentCriteria.fallback")} title={t("assignmentCriteria.fallback")} className={styles.fallback}>
        <Form.Item name="fallback_on" valuePropName="checked" extra={t(fallbackOn ? "assignmentCriteria.fallbackOn" : "assignmentCriteria.fallbackOff")}>
          <Switch aria-label={t("assignmentCriteria.fallbackSwitch")} />
        </Form.Item>
        {fallbackOn && <PoolFields name={["fallback"]} path={["fallback"]} object={object} />}
      </Card>
    </>
  );
}
