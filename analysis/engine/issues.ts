import type { z } from 'zod';

/** Formats zod issues as `path: message`, one string per problem, so every problem is reported. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
