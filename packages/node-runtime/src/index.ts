export { type CliCommand, parseCliArgs, type UsageText, usage } from './cli-args.ts';
export { commandLineConfig, exitOnFatalErrors, exitWithProblems } from './command-line.ts';
export { type HttpListener, listenHttp, redactDatabaseUrl } from './http-server.ts';
export { type LoadedFunctions, loadFunctions } from './load-functions.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export {
  type ClientSettings,
  type ConfigureSocket,
  clientSecurity,
  type SecurityOutcome,
  type ServerEndpointSecurity,
  type ServerEndpointSettings,
  serverEndpointSecurity,
} from './socket-security.ts';
export {
  EXIT_CODE_BY_SIGNAL,
  onStopSignals,
  SAME_REQUEST_MS,
  STOP_SIGNALS,
  type StopSignalHandlers,
  type StopSignalOptions,
  type StopSignals,
} from './stop-signals.ts';
