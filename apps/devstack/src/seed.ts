/**
 * The example schedules of a fresh development topology: something that runs every few seconds
 * on the handler worker, a daily cron in a time zone, and one whose metadata and args hold
 * secrets, to see what the DMZ replica leaves out. Two carry a public title, so the DMZ replica's
 * status page (/status) lists them.
 */
export const EXAMPLE_SCHEDULES = [
  {
    id: 'echo-every-10s',
    task: 'echo',
    trigger: { type: 'cron', expression: '*/10 * * * * *', timezone: 'UTC' },
    args: { hello: 'world' },
    metadata: { team: 'platform', public: { title: 'Heartbeat' } },
  },
  {
    id: 'daily-report',
    task: 'sleep',
    trigger: { type: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
    args: { ms: 500 },
    metadata: { team: 'finance', webhook_url: 'https://hooks.example.com/T000/secret' },
  },
  {
    id: 'sync-crm',
    task: 'sleep',
    trigger: { type: 'interval', seconds: 30 },
    args: { ms: 200, api_key: 'sk_live_example_not_for_the_dmz' },
    metadata: { team: 'sales', public: { title: 'CRM sync' } },
    retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
  },
] as const;

export async function seedSchedules(
  masterUrl: string,
  token: string,
  write: (line: string) => void,
): Promise<void> {
  for (const schedule of EXAMPLE_SCHEDULES) {
    const response = await fetch(`${masterUrl}/api/schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(schedule),
    });
    if (response.status !== 201 && response.status !== 409) {
      write(`could not create example schedule ${schedule.id}: ${response.status} ${await response.text()}`);
    }
  }
}
