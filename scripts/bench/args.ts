// Command-line options of `npm run bench`: --quick (fewer iterations, 20 MB flood),
// --only=create,notify,notify-opencode,opencode-rss,kill,idle,list,flood,watch (a subset), --out=FILE (default .bench/results.json).

/** Every case, in the order a full run takes them. */
export const CASES = ["create", "notify", "notify-opencode", "opencode-rss", "kill", "idle", "list", "flood", "watch"] as const;
/** One case name, as --only takes it. */
export type CaseName = (typeof CASES)[number];

/** Parsed options of one run. */
export interface BenchArgs {
  quick: boolean;
  only: Set<CaseName>;
  out: string;
}

/** Parses argv (without node and the script); unknown options throw with the usage. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: new Set(CASES), out: ".bench/results.json" };
  for (const arg of argv) {
    if (arg === "--quick") args.quick = true;
    else if (arg.startsWith("--out=")) args.out = arg.slice("--out=".length);
    else if (arg.startsWith("--only=")) {
      const names = arg.slice("--only=".length).split(",").filter(Boolean);
      const unknown = names.filter((name) => !(CASES as readonly string[]).includes(name));
      if (unknown.length) throw new Error(`unknown case(s) ${unknown.join(", ")}; cases: ${CASES.join(", ")}`);
      args.only = new Set(names as CaseName[]);
      // list measures over the quiet jobs the idle case starts.
      if (args.only.has("list")) args.only.add("idle");
    } else if (arg === "--help" || arg === "-h") {
      throw new Error(`usage: npm run bench -- [--quick] [--only=${CASES.join(",")}] [--out=FILE]`);
    } else throw new Error(`unknown option ${arg}; try --help`);
  }
  return args;
}
