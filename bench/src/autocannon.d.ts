/** The slice of autocannon's API the API workload uses (the package ships no types). */
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    requests?: Array<{ setupRequest?: (request: { path: string }) => { path: string } }>;
  }
  export default function autocannon(options: Options): Promise<unknown>;
}
