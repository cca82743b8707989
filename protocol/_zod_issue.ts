/**
 * What a failed validation says, in one short phrase.
 *
 * @module
 */

/**
 * Where and what the first problem zod found is: `seq: expected a number`
 * (`frame: ...` when it is about the whole frame).
 *
 * @param error The validation error.
 * @returns The phrase.
 */
export function firstIssue(
  error: { issues: { path: PropertyKey[]; message: string }[] },
): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join(".") : "frame";
  return `${where}: ${issue?.message ?? "invalid"}`;
}
