export { correlate, type Correlation, type CorrelateOptions } from './correlate.js';
export { roleOf, type HostFamily, type Role, type ServerSymptom } from './roles.js';
export * from './types.js';
