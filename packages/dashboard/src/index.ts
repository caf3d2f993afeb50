// The dashboard every node serves under /ui: admin pages with actions on the master, read-only status pages on replicas.
export type { LoginThrottle } from './actions.ts';
export { FAVICON_SVG } from './assets.ts';
export { bucketJobs, type ChartData, loadChartData } from './chart-data.ts';
export { type DashboardOptions, registerDashboard } from './register-dashboard.ts';
export { parseScheduleForm } from './schedule-form.ts';
export {
  CSRF_FIELD,
  createSessionGuard,
  createSessionStore,
  isSameOrigin,
  SESSION_COOKIE,
  type SessionGuard,
  type SessionStore,
} from './session.ts';
export { describeCron, describeInterval, describeTrigger } from './trigger-words.ts';
