/**
 * One item of /v1/calc/list and /v1/calc/:id/status: the JSON shape shared by the server's
 * presenter (calcs/presenters.ts) and the browser's list (src/client/list.ts). Types only, no
 * imports: the client bundle (esbuild) may import it as it is.
 */
export interface ListItem {
  id: number;
  owner: string;
  calculation_mode: string;
  status: string;
  is_running: boolean;
  description: string;
  url: string;
  parent_id: number | null;
  abortable: boolean;
  size_mb: number | null;
  start_time: string | null;
  /** False for a job marked not relevant (the original's pages leave those out). */
  relevant: boolean;
  /** `t1★, t2`: the job's tags, the preferred ones first and starred; null without tags. */
  tags: string | null;
}
