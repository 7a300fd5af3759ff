export * from './severity.js';
export * from './data-keys.js';
export * from './errors.js';
export * from './fingerprint.js';
export * from './findings.js';
export * from './log.js';
