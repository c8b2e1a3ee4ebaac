// Control characters, one definition for every check and clean-up in the core: C0 controls and
// DEL. Tab and line feed are allowed where text may hold lines (typed input, output lines).

/** Any C0 control character or DEL. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** C0 controls and DEL except tab and line feed. */
export const CONTROL_CHARS_BUT_TAB_LF = /[\u0000-\u0008\u000b-\u001f\u007f]/;

