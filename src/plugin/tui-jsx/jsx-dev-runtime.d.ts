export * from "./jsx-runtime.js";
