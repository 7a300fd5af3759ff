export * from './schema.js';
export * from './load.js';
export * from './clouds.js';
export * from './kubeconfig.js';
export { formatKey, type ConfigSource } from './source.js';
export { closest, didYouMean, editDistance } from './suggest.js';
