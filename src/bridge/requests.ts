/**
 * The engine bridge's requests, one typed function each (the handler of the same name is in
 * python/oq_webui_bridge.py's HANDLERS). Adding a request is one function here and one there.
 */
import type { Readable } from 'node:stream';
import type { EngineOutput } from '../data/outputs.js';
import type { Settings } from '../settings/schema.js';
import { askBridge } from './client.js';
import { bridgeSocketPath } from './wire.js';

/** A file the engine wrote, streamed from the bridge. */
export interface BridgeFile {
  size: number;
  /** The file's name as the engine wrote it. */
  name: string;
  stream: Readable;
}

/** A value the engine answered, as its JSON text (relayed as is) and parsed on demand. */
export interface EngineJson<T> {
  text: string;
  /** The value; NaN and Infinity (valid for the engine's Python, not for JSON.parse) become null. */
  value(): T;
}

function engineJson<T>(text: string): EngineJson<T> {
  return { text, value: () => JSON.parse(text.replace(/\b(-?Infinity|NaN)\b/g, 'null')) as T };
}

/** What the original's validators answer (validate_nrml, validate_ini, validate_zip). */
export interface Validation {
  valid: boolean;
  error_msg: string | null;
  error_line: number | null;
}

/** The engine's requests, through the bridge of these settings. */
export class EngineBridge {
  private readonly socket: string;

  constructor(settings: Settings) {
    this.socket = bridgeSocketPath(settings);
  }

  private async json<T>(op: string, args: Record<string, unknown> = {}): Promise<EngineJson<T>> {
    const r = await askBridge(this.socket, op, args);
    if (r.kind !== 'json') {
      r.stream.destroy();
      throw new Error(`bridge request ${op} answered a file`);
    }
    return engineJson<T>(r.text);
  }

  private async file(op: string, args: Record<string, unknown>): Promise<BridgeFile> {
    const r = await askBridge(this.socket, op, args);
    if (r.kind !== 'file') {
      throw new Error(`bridge request ${op} answered JSON`);
    }
    return r;
  }

  /** OqParam's parameters that have a default, with it (the original's /v1/ini_defaults). */
  iniDefaults(): Promise<EngineJson<Record<string, unknown>>> {
    return this.json('ini_defaults');
  }

  /** The names of the engine's GSIMs. */
  availableGsims(): Promise<EngineJson<string[]>> {
    return this.json('available_gsims');
  }

  /** The engine's extract(`what` + `query`) on a datastore, as .npz. */
  extract(datastore: string, what: string, query: string): Promise<BridgeFile> {
    return this.file('extract', { datastore, what, query });
  }

  /** The image `png/<what>` of a datastore. */
  downloadPng(datastore: string, what: string): Promise<BridgeFile> {
    return this.file('download_png', { datastore, what });
  }

  /** A job's inputs, zipped back from its datastore. */
  jobZip(datastore: string): Promise<BridgeFile> {
    return this.file('job_zip', { datastore });
  }

  /** The engine's NRML parser on a text. */
  validateNrml(xmlText: string): Promise<EngineJson<Validation>> {
    return this.json('validate_nrml', { xml_text: xmlText });
  }

  /** The engine's checks of a job.ini or a zip of inputs at `path`. */
  validateJob(path: string): Promise<EngineJson<Validation>> {
    return this.json('validate_job', { path });
  }

  /** The engine's jobs_from_inis: ids of jobs already run with these job.ini files' checksums. */
  jobsFromInis(inis: string[]): Promise<EngineJson<{ success: number[]; error: string }>> {
    return this.json('jobs_from_inis', { inis });
  }

  /** The files of a job.ini (absolute paths, the job.ini first), as the engine collects them for `oq zip`. */
  jobInputs(ini: string): Promise<EngineJson<string[]>> {
    return this.json('job_inputs', { ini });
  }

  /** Holds a Python process for `seconds` (the time-limit test). */
  sleep(seconds: number): Promise<EngineJson<string>> {
    return this.json('sleep', { seconds });
  }

  /** The engine's outputs of its calculation `engineCalcId` (its database), with the types its exporters offer. */
  listOutputs(engineCalcId: number): Promise<EngineJson<EngineOutput[]>> {
    return this.json('list_outputs', { engine_calc_id: engineCalcId });
  }

  /** Output `dsKey` of a datastore exported in `exportType` (a zip when several files). */
  exportOutput(datastore: string, dsKey: string, exportType: string): Promise<BridgeFile> {
    return this.file('export_output', { datastore, ds_key: dsKey, export_type: exportType });
  }
}
