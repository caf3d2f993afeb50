/** A small JSON client for a node's HTTP API, with the bearer token of the test. */
export interface ApiClient {
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly; expect() checks them.
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  text(path: string): Promise<string>;
}

export function apiClient(baseUrl: string, token?: string): ApiClient {
  const headers = (json: boolean): Record<string, string> => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(json ? { 'content-type': 'application/json' } : {}),
  });
  return {
    async call(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: headers(body !== undefined),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async text(path) {
      const response = await fetch(`${baseUrl}${path}`, { headers: headers(false) });
      return response.text();
    },
  };
}
