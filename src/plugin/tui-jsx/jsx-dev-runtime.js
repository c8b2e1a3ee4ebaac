// Bun asks for the dev runtime when NODE_ENV is not production; it is the same runtime.
export { Fragment, jsx, jsxDEV, jsxs } from "./jsx-runtime.js";
