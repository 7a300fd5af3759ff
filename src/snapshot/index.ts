export * from './schema.js';
export * from './io.js';
export * from './migrate.js';
export * from './fleet-index.js';
export { formatIssues, formatPath } from './issues.js';
