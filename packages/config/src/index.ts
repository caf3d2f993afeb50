export * from './api-section.ts';
export { clusterSection } from './cluster-section.ts';
export {
  applyOverrides,
  coerce,
  collectEnvOverrides,
  type EnvOverrides,
  hasEnvPrefix,
  type Override,
  type Shorthand,
} from './env-overrides.ts';
export { type LoadConfigOptions, type LoadConfigResult, loadConfig } from './load.ts';
export * from './sections.ts';
