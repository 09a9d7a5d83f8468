/**
 * The runners' leases (table `runner_lease`, migration 0010): each live job runner of every host
 * keeps one row and renews it; times come from the database's clock, so hosts whose clocks
 * differ still agree on which lease has expired.
 */
import type { Sequelize } from 'sequelize';
import { changeRows, nowMsSql, selectRows } from '../db/query.js';

/** One runner's lease. */
export interface Lease {
  /** `<host>:<pid>`, as in job.runner. */
  runner: string;
  host: string;
  pid: number;
  /** When it was last renewed (ms since 1970, database clock). */
  renewedAt: number;
  /** When it ends unless renewed again. */
  expiresAt: number;
}

interface LeaseRow {
  runner: string;
  host: string;
  pid: number | string;
  renewed_at: number | string;
  expires_at: number | string;
}

function leaseOf(row: LeaseRow): Lease {
  return { runner: row.runner, host: row.host, pid: Number(row.pid), renewedAt: Number(row.renewed_at), expiresAt: Number(row.expires_at) };
}

/** Writes this runner's lease, lasting `ms` from now (a row left by an earlier process of the same identity is taken over). */
export async function takeLease(sequelize: Sequelize, lease: { runner: string; host: string; pid: number }, ms: number): Promise<void> {
  const now = nowMsSql(sequelize);
  await changeRows(sequelize,
    `INSERT INTO runner_lease (runner, host, pid, started_at, renewed_at, expires_at) VALUES (?, ?, ?, ${now}, ${now}, ${now} + ?)
     ON CONFLICT (runner) DO UPDATE SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`,
    [lease.runner, lease.host, lease.pid, ms]);
}

/** Renews this runner's lease for `ms` from now; false when its row is gone (another runner found it expired). */
export async function renewLease(sequelize: Sequelize, runner: string, ms: number): Promise<boolean> {
  const now = nowMsSql(sequelize);
  return (await changeRows(sequelize, `UPDATE runner_lease SET renewed_at = ${now}, expires_at = ${now} + ? WHERE runner = ?`, [ms, runner])) === 1;
}

/** Removes this runner's lease (it stopped, its jobs ended). */
export async function dropLease(sequelize: Sequelize, runner: string): Promise<void> {
  await changeRows(sequelize, 'DELETE FROM runner_lease WHERE runner = ?', [runner]);
}

/** The leases of other runners that have expired. */
export async function expiredLeases(sequelize: Sequelize, self: string): Promise<Lease[]> {
  const rows = await selectRows<LeaseRow>(sequelize,
    `SELECT runner, host, pid, renewed_at, expires_at FROM runner_lease WHERE expires_at < ${nowMsSql(sequelize)} AND runner <> ? ORDER BY runner`, [self]);
  return rows.map(leaseOf);
}

/**
 * Ends an expired lease, as it was read (a renewal since then keeps it): true for the one
 * runner whose DELETE removed it, which then fails the jobs of the runner that stopped answering.
 */
export async function endExpiredLease(sequelize: Sequelize, lease: Lease): Promise<boolean> {
  return (await changeRows(sequelize, 'DELETE FROM runner_lease WHERE runner = ? AND expires_at = ?', [lease.runner, lease.expiresAt])) === 1;
}

/** The leases of the runners of one host (a restarted runner ends those of its dead predecessors). */
export async function leasesOn(sequelize: Sequelize, host: string): Promise<Lease[]> {
  const rows = await selectRows<LeaseRow>(sequelize, 'SELECT runner, host, pid, renewed_at, expires_at FROM runner_lease WHERE host = ? ORDER BY runner', [host]);
  return rows.map(leaseOf);
}
