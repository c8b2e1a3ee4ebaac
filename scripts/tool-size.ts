// The agent's bill: what every tool definition costs on every model request. Builds each tool's
// JSON Schema the way OpenCode 1.18.33 sends a plugin tool (ToolRegistry, read from the shipped
// binary: z.toJSONSchema(z.object(args), { io: "input", metadata }) with boolean
// exclusiveMinimum/Maximum dropped and $defs renamed definitions) and counts characters of the
// description plus the compact JSON of the schema.
//   npm run tool-size            the table; exits 1 when the total is over the budget
//   npm run tool-size -- --json  the same as JSON
import { pathToFileURL } from "node:url";
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { pluginTools } from "../src/plugin/tools/index.js";

/** Characters all tools together may cost (issue 10): description + JSON Schema. */
export const TOOL_BUDGET_CHARS = 4500;

const z = tool.schema;

export interface ToolSize {
  name: string;
  description: number;
  schema: number;
  total: number;
}

/** The JSON Schema OpenCode derives from a plugin tool's zod args. */
export function openCodeJsonSchema(args: ToolDefinition["args"]): Record<string, unknown> {
  const object = z.object(args);
  const schema = dropBooleanExclusive(z.toJSONSchema(object, { io: "input", metadata: describedRegistry(object) })) as Record<string, unknown>;
  const { $defs, ...rest } = schema;
  return $defs && typeof $defs === "object" ? { ...rest, definitions: $defs } : rest;
}

/** Sizes of every registered tool, in registration order. */
export function measureTools(tools: Record<string, ToolDefinition> = pluginTools({ manager: () => Promise.reject(new Error("not used")) })): ToolSize[] {
  return Object.entries(tools).map(([name, definition]) => {
    const description = definition.description.length;
    const schema = JSON.stringify(openCodeJsonSchema(definition.args)).length;
    return { name, description, schema, total: description + schema };
  });
}

export function formatToolSizes(sizes: readonly ToolSize[], budget = TOOL_BUDGET_CHARS): string {
  const width = Math.max(...sizes.map((size) => size.name.length), 5);
  const row = (name: string, a: number | string, b: number | string, c: number | string) =>
    `${name.padEnd(width)}  ${String(a).padStart(11)}  ${String(b).padStart(6)}  ${String(c).padStart(6)}`;
  const sum = (key: "description" | "schema" | "total") => sizes.reduce((total, size) => total + size[key], 0);
  return [
    row("tool", "description", "schema", "total"),
    ...sizes.map((size) => row(size.name, size.description, size.schema, size.total)),
    row("all", sum("description"), sum("schema"), sum("total")),
    `budget ${budget} characters: ${sum("total") <= budget ? `${budget - sum("total")} left` : `${sum("total") - budget} over`}`,
  ].join("\n");
}

// OpenCode's metadata registry: each schema's description and .meta(), found by walking the defs.
function describedRegistry(root: unknown) {
  const registry = z.registry<Record<string, unknown>>();
  const seen = new WeakSet<object>();
  const walk = (value: unknown): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    if ("_zod" in value) {
      const schema = value as ReturnType<typeof z.string> & { meta?: () => unknown; description?: string; _zod: { def: unknown } };
      const meta = typeof schema.meta === "function" ? schema.meta() : undefined;
      const entry = { ...(meta && typeof meta === "object" ? meta : {}), ...(schema.description ? { description: schema.description } : {}) };
      if (Object.keys(entry).length) registry.add(schema, entry);
      walk(schema._zod.def);
      return;
    }
    for (const child of Object.values(value)) walk(child);
  };
  walk(root);
  return registry;
}

function dropBooleanExclusive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropBooleanExclusive);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, child]) => !((key === "exclusiveMaximum" || key === "exclusiveMinimum") && typeof child === "boolean"))
      .map(([key, child]) => [key, dropBooleanExclusive(child)]),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const sizes = measureTools();
  const total = sizes.reduce((sum, size) => sum + size.total, 0);
  console.log(process.argv.includes("--json") ? JSON.stringify({ budget: TOOL_BUDGET_CHARS, total, tools: sizes }, null, 2) : formatToolSizes(sizes));
  if (total > TOOL_BUDGET_CHARS) process.exitCode = 1;
}
