export { createMasterApp, type MasterAppOptions } from './app.ts';

export {
  apiSectionSchema,
  databaseSectionSchema,
  ENV_PREFIX,
  ENV_SHORTHANDS,
  handlersSectionSchema,
  type LoadMasterConfigOptions,
  loadMasterConfig,
  loggingSectionSchema,
  type MasterConfig,
  masterConfigSchema,
  networkSectionSchema,
  nodeSectionSchema,
} from './config.ts';
export { type LoadedHandlers, loadLocalHandlers } from './local-handlers.ts';
export { createLogger, type LoggerOptions } from './logger.ts';
export {
  type RunningMaster,
  type StartMasterOptions,
  type StartMasterResult,
  startMaster,
} from './master.ts';
