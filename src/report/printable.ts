/**
 * Text read from Microsoft Graph or GitHub (an app's or a certificate's display name, a
 * federated credential's name or subject, a role name), made safe for one line of the log
 * or one cell of the job summary: every control character, and the Unicode line and
 * paragraph separators, is shown as an escape (`\n`, `\r`, `\u001b`) instead of printed.
 *
 * Why: the runner reads every line of a step's output that starts with `::` as a workflow
 * command (docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions;
 * github/docs content/actions/using-workflows/workflow-commands-for-github-actions.md), so a
 * line break inside a display name could start a `::add-mask::` or `::warning::` line the
 * action never meant to write. Annotations are safe without it: @actions/core escapes `%`, CR
 * and LF in their text and properties.
 */
// C0 controls, DEL, C1 controls, LINE SEPARATOR, PARAGRAPH SEPARATOR.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, character => NAMED[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
