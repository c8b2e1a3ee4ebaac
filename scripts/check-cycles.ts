// Fails when a source file imports itself back through other files (type-only imports count too:
// they still tie the modules together for a reader). Run: node --import tsx scripts/check-cycles.ts [dir]
// A tiny stand-in for `madge --circular`, which is not installed (no network install needed).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(process.argv[2] ?? "src");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The source file a relative specifier names (".js" in imports stands for the ".ts" file). */
function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  const stem = base.replace(/\.(js|jsx|ts|tsx)$/, "");
  return [".ts", ".tsx", "/index.ts"].map((ext) => stem + ext).find((candidate) => graph.has(candidate));
}

const graph = new Map<string, string[]>(files(root).map((file) => [file, []]));
for (const file of graph.keys()) {
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(IMPORT)) {
    const target = resolve(file, (match[1] ?? match[2]) as string);
    if (target) graph.get(file)?.push(target);
  }
}

// Tarjan's strongly connected components: every component of more than one file is a cycle.
let index = 0;
const indexOf = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
function visit(node: string): void {
  indexOf.set(node, index);
  low.set(node, index++);
  stack.push(node);
  onStack.add(node);
  for (const next of graph.get(node) ?? []) {
    if (!indexOf.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
    } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) as number, indexOf.get(next) as number));
  }
  if (low.get(node) !== indexOf.get(node)) return;
  const component: string[] = [];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    onStack.delete(top);
    component.push(top);
    if (top === node) break;
  }
  if (component.length > 1 || graph.get(node)?.includes(node)) cycles.push(component);
}
for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);

const rel = (file: string) => path.relative(process.cwd(), file);
if (cycles.length === 0) {
  console.log(`no circular imports (${graph.size} files)`);
} else {
  for (const cycle of cycles) console.log(`cycle: ${cycle.map(rel).sort().join(" <-> ")}`);
  process.exitCode = 1;
}
