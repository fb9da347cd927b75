import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, ExclamationCircleFilled, PlusOutlined } from "@ant-design/icons";
import {
  applyNodeChanges,
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  getStraightPath,
  Handle,
  Position,
  ReactFlow,
  type EdgeProps,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { Button, Tag, Tooltip } from "antd";
import { createContext, useContext, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ObjectDef } from "../../lib/meta";
import { dropIndex, flowEdges, flowNodes, stepKeyOf, type FlowNode, type InsertEdge, type StepNode, type TerminalNode } from "./flow";
import type { StepDraft } from "./process";
import { approversSummary, conditionSummary, type Names } from "./summary";
import styles from "./approvals.module.css";

/** What the nodes and edges drawn inside React Flow act on (they are created by it). */
interface CanvasActions {
  object: ObjectDef | undefined;
  names: Names;
  insert: (index: number) => void;
  move: (key: string, index: number) => void;
  remove: (key: string) => void;
  select: (key: string) => void;
}

const Actions = createContext<CanvasActions | null>(null);

function useActions(): CanvasActions {
  const actions = useContext(Actions);
  if (!actions) throw new Error("canvas parts are drawn inside FlowCanvas");
  return actions;
}

function StepNodeView({ data }: NodeProps<StepNode>) {
  const { t, i18n } = useTranslation();
  const { object, names, move, remove, select } = useActions();
  const { step, index, count, problems, selected } = data;
  const name = (i18n.language === "zh-CN" ? step.name_zh || step.name_en : step.name_en || step.name_zh) || t("approvals.designer.unnamed", { n: index + 1 });
  const classes = [styles.stepNode, selected ? styles.stepSelected : "", problems ? styles.stepInvalid : ""].join(" ");
  return (
    <div className={classes} data-step={index} onClick={() => select(step.key)}>
      <Handle type="target" position={Position.Top} isConnectable={false} className={styles.handle} />
      <div className={styles.stepHead}>
        <span className={styles.stepNumber}>{index + 1}</span>
        <span className={styles.stepName}>{name}</span>
        <Tag className={styles.modeTag} color={step.mode === "sequential" ? "blue" : step.mode === "all" ? "purple" : "cyan"}>
          {t(`approvals.mode.${step.mode}`)}
        </Tag>
      </div>
      <div className={styles.stepLine}>{approversSummary(step.approvers, names, object, t, i18n.language)}</div>
      <div className={styles.stepLineMuted}>{conditionSummary(step.condition, object, t, i18n.language)}</div>
      <div className={`${styles.stepTools} nodrag`}>
        {problems > 0 && (
          <span className={styles.problemBadge} role="img" aria-label={t("approvals.designer.stepProblems", { count: problems })}>
            <ExclamationCircleFilled /> {problems}
          </span>
        )}
        <Tooltip title={t("approvals.designer.up")}>
          <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={index === 0} aria-label={t("approvals.designer.upOne", { n: index + 1 })} onClick={(e) => (e.stopPropagation(), move(step.key, index - 1))} />
        </Tooltip>
        <Tooltip title={t("approvals.designer.down")}>
          <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={index === count - 1} aria-label={t("approvals.designer.downOne", { n: index + 1 })} onClick={(e) => (e.stopPropagation(), move(step.key, index + 1))} />
        </Tooltip>
        <Tooltip title={t("common.delete")}>
          <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t("approvals.designer.removeOne", { n: index + 1 })} onClick={(e) => (e.stopPropagation(), remove(step.key))} />
        </Tooltip>
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} className={styles.handle} />
    </div>
  );
}

function TerminalView({ data }: NodeProps<TerminalNode>) {
  const { t } = useTranslation();
  return (
    <div className={data.kind === "start" ? styles.startNode : styles.endNode}>
      {data.kind === "end" && <Handle type="target" position={Position.Top} isConnectable={false} className={styles.handle} />}
      {t(data.kind === "start" ? "approvals.designer.start" : "approvals.designer.end")}
      {data.kind === "start" && <Handle type="source" position={Position.Bottom} isConnectable={false} className={styles.handle} />}
    </div>
  );
}

/** An edge with "+" at its middle: a step inserted there. */
function InsertEdgeView({ id, sourceX, sourceY, targetX, targetY, data, markerEnd }: EdgeProps<InsertEdge>) {
  const { t } = useTranslation();
  const { insert } = useActions();
  const [path, labelX, labelY] = getStraightPath({ sourceX, sourceY, targetX, targetY });
  const at = data?.insertAt ?? 0;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} />
      <EdgeLabelRenderer>
        <div className={`${styles.edgeButton} nodrag nopan`} style={{ transform: `translate(-50%, -50%) translate(${String(labelX)}px, ${String(labelY)}px)` }}>
          <Tooltip title={t("approvals.designer.insert")}>
            <Button size="small" shape="circle" icon={<PlusOutlined />} aria-label={t("approvals.designer.insertAt", { n: at + 1 })} onClick={() => insert(at)} />
          </Tooltip>
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const nodeTypes = { step: StepNodeView, terminal: TerminalView };
const edgeTypes = { insert: InsertEdgeView };

interface Props extends CanvasActions {
  steps: StepDraft[];
  /** Problems per step key (the count drawn on its node). */
  problems: ReadonlyMap<string, number>;
  selected: string | null;
}

/** The ordered steps drawn as a vertical flow; dragging a node reorders, "+" inserts. */
export function FlowCanvas({ steps, problems, selected, ...actions }: Props) {
  const { t } = useTranslation();
  const drawn = useMemo(() => {
    const nodes = flowNodes(steps, problems, selected);
    return nodes.map((n): FlowNode => {
      if (n.type !== "step") return { ...n, ariaLabel: t(n.data.kind === "start" ? "approvals.designer.start" : "approvals.designer.end") };
      const name = n.data.step.name_zh || n.data.step.name_en;
      return { ...n, ariaLabel: t("approvals.designer.stepLabel", { n: n.data.index + 1, name }) };
    });
  }, [steps, problems, selected, t]);
  // Positions follow the order; only a node being dragged is where the pointer puts it.
  // React Flow's changes (sizes measured, a drag under way) apply to the nodes drawn; a
  // new order draws them afresh, keeping the sizes already measured.
  const [nodes, setNodes] = useState<FlowNode[]>(drawn);
  const [basis, setBasis] = useState(drawn);
  if (basis !== drawn) {
    setBasis(drawn);
    const measured = new Map(nodes.map((n) => [n.id, n.measured]));
    setNodes(drawn.map((n) => ({ ...n, measured: measured.get(n.id) })) as FlowNode[]);
  }
  const edges = useMemo(() => flowEdges(steps), [steps]);

  return (
    <Actions.Provider value={actions}>
      <div className={styles.canvas} role="region" aria-label={t("approvals.designer.canvas")}>
        <ReactFlow<FlowNode, InsertEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={(changes: NodeChange<FlowNode>[]) => {
            setNodes((current) => applyNodeChanges(changes, current));
            // A node selected from the keyboard (Tab, then Enter) opens its properties too.
            for (const change of changes) {
              const key = change.type === "select" && change.selected ? stepKeyOf(change.id) : null;
              if (key && key !== selected) actions.select(key);
            }
          }}
          onNodeDragStop={(_, node) => {
            const key = stepKeyOf(node.id);
            if (key) actions.move(key, dropIndex(steps.length, node.position.y));
          }}
          onNodeClick={(_, node) => {
            const key = stepKeyOf(node.id);
            if (key) actions.select(key);
          }}
          nodesConnectable={false}
          elementsSelectable
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
          minZoom={0.3}
          maxZoom={1.5}
        >
          <Background gap={24} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </Actions.Provider>
  );
}
