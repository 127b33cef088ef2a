// The environment that keeps wrangler and miniflare off the network: no usage metrics, no error
// reports, no `Request.cf` download, no update banner. Used by `npm run dev`, tests and benches.
export const offlineEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};
