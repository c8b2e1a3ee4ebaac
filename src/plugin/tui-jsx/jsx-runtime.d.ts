// Types of jsx-runtime.js: @opentui/solid's JSX namespace, so tui.tsx type-checks as before.
import type { JSX } from "@opentui/solid/jsx-runtime";

export type { JSX };
export declare function jsx(type: string | ((props: Record<string, unknown>) => unknown), props?: Record<string, unknown> | null): JSX.Element;
export declare const jsxs: typeof jsx;
export declare const jsxDEV: typeof jsx;
export declare function Fragment(props: { children?: JSX.Element }): JSX.Element;
