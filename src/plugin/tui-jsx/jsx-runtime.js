// The JSX runtime of tui.tsx when OpenCode loads it from node_modules (an npm or tarball install).
// There OpenCode compiles the file with Bun's plain automatic JSX runtime, which imports
// "<jsxImportSource>/jsx-dev-runtime". With "@opentui/solid" as the source that import is added
// by the compiler, not written in the file, so OpenCode's loader (OpenTUI's runtime plugin, which
// rewrites "@opentui/solid" and "solid-js" imports it finds in a plugin's source text to its own
// copies) never maps it, and a user's install has no @opentui/solid of its own (a dev dependency
// here): the TUI plugin failed to load and the sidebar never showed
// (test/e2e/packed-install.test.ts). This runtime imports the bare "@opentui/solid" in its text,
// which the loader does rewrite; tui.tsx names this file in an import so the loader finds it.
// Plain JavaScript on purpose: the loader resolves "./jsx-runtime.js" literally (no .ts lookup).
// The same ~20 lines as @opentui/solid's own jsx-runtime. Loaded from a path, OpenCode compiles
// tui.tsx with Solid's JSX transform instead and these functions are never called.
import { createComponent, createElement, spread } from "@opentui/solid";

/** React-style `key` means nothing to Solid; drop it so components do not see it. */
function withoutKey(props) {
  if (!props) return {};
  if (!("key" in props)) return props;
  const { key: _key, ...rest } = props;
  return rest;
}

export function jsx(type, props) {
  const clean = withoutKey(props);
  if (typeof type === "function") return createComponent(type, clean);
  const element = createElement(type);
  spread(element, clean);
  return element;
}

export const jsxs = jsx;
export const jsxDEV = jsx;

export function Fragment(props) {
  return props.children ?? null;
}
