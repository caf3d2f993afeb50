export { createMasterApp, type MasterAppOptions } from './app.ts';
export {
  type LoadMasterConfigOptions,
  loadMasterConfig,
  type MasterConfig,
  masterConfigSchema,
} from './config.ts';
export {
  type RunningMaster,
  type StartMasterOptions,
  type StartMasterResult,
  startMaster,
} from './master.ts';
