// The dashboard every node serves under /ui: admin pages with actions on the master, read-only status pages on replicas.

export { FAVICON_SVG } from './assets.ts';
export { bucketJobs, type ChartData, loadChartData } from './data/chart-data.ts';
export { describeCron, describeInterval, describeTrigger } from './format/trigger-words.ts';
export { type DashboardOptions, registerDashboard } from './register-dashboard.ts';
export type { LoginThrottle } from './routes/actions.ts';
export {
  CSRF_FIELD,
  createSessionGuard,
  createSessionStore,
  isSameOrigin,
  SESSION_COOKIE,
  type SessionGuard,
  type SessionStore,
} from './routes/session.ts';
export { parseScheduleForm } from './schedule-form.ts';
